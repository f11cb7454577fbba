"""The calendar entry (.ics) of a registration to an event, readable by every calendar
application."""

import datetime as dt

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText


def evenement_ics(inscription, *, methode: str | None = "REQUEST") -> bytes:
    """A registration's calendar entry for its event; CANCEL withdraws it. ``methode=None``
    gives the entry to keep: a stored calendar resource carries no METHOD (RFC 4791 §4.1),
    whereas the e-mailed one must (iTIP, RFC 5546 §3.2).

    One entry per registration (its UID names the registration and the moment it was taken),
    so that a registration cancelled then taken again is a new entry. It names the event and
    the registered person only (never the other participants)."""
    evenement = inscription.evenement
    cal = Calendar()
    cal.add("prodid", "-//Mentorat//Evenements//FR")
    cal.add("version", "2.0")
    if methode:
        cal.add("method", methode)
    event = Event()
    moment = int(inscription.created_at.timestamp() * 1_000_000)
    event.add(
        "uid",
        f"evenement-{evenement.pk}-inscription-{inscription.pk}-{moment}"
        f"@{settings.SITE_URL.split('//')[-1]}",
    )
    event.add("dtstamp", dt.datetime.now(tz=dt.UTC))
    event.add("dtstart", evenement.debut.astimezone(dt.UTC))
    event.add("dtend", evenement.fin.astimezone(dt.UTC))
    event.add("summary", f"{evenement.get_type_display()} — {evenement.titre}")
    lieu = evenement.lieu or (evenement.lien if evenement.en_ligne else "")
    if lieu:
        event.add("location", lieu)
    description = [f"Programme : {evenement.programme.nom}"]
    if evenement.lien:
        description.append(f"Lien : {evenement.lien}")
    event.add("description", "\n".join(description))
    # RFC 5545 §3.8.7.4: the cancellation of an entry carries a higher SEQUENCE.
    event.add("sequence", 1 if methode == "CANCEL" else 0)
    event.add("status", "CANCELLED" if methode == "CANCEL" else "CONFIRMED")
    user = inscription_user(inscription)
    if user is not None and user.email:
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(user.get_full_name())
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()


def inscription_user(inscription):
    """The account of the registered person (None once erased)."""
    personne = inscription.personne
    if personne is None or inscription.public == inscription.Public.PARTENAIRES:
        return personne
    return personne.user
