"""Calendar invitations (.ics) for meetings, readable by every calendar application."""

import datetime as dt

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText


def rencontre_ics(rencontre, *, methode: str | None = "REQUEST") -> bytes:
    """An iCalendar invitation for a meeting; ``methode`` CANCEL withdraws it.

    ``methode=None`` gives the entry to download and keep: a stored calendar resource
    carries no METHOD (RFC 4791 §4.1), whereas the e-mailed one must (RFC 5546 §3.2)."""
    parrainage = rencontre.parrainage
    parrain_user = parrainage.parrain.user
    filleul_user = parrainage.filleul.user
    cal = Calendar()
    cal.add("prodid", "-//Mentorat//Rencontres de parrainage//FR")
    cal.add("version", "2.0")
    if methode:
        cal.add("method", methode)
    event = Event()
    event.add("uid", f"rencontre-{rencontre.pk}@{settings.SITE_URL.split('//')[-1]}")
    event.add("dtstamp", dt.datetime.now(tz=dt.UTC))
    event.add("dtstart", rencontre.debut.astimezone(dt.UTC))
    event.add("dtend", rencontre.fin)
    event.add("summary", f"Parrainage — {rencontre.sujet or 'rencontre'}")
    lieu = rencontre.lieu or rencontre.lien or rencontre.get_modalite_display()
    event.add("location", lieu)
    description = [
        f"Programme : {parrainage.programme.nom}",
        f"Modalité : {rencontre.get_modalite_display()}",
    ]
    if rencontre.lien:
        description.append(f"Lien : {rencontre.lien}")
    event.add("description", "\n".join(description))
    # RFC 5545 §3.8.7.4: a moved meeting keeps its UID with a higher SEQUENCE; a
    # cancellation one more. A time the mentor has not confirmed yet is TENTATIVE.
    sequence = rencontre.sequence or 0
    event.add("sequence", sequence + 1 if methode == "CANCEL" else sequence)
    if methode == "CANCEL":
        event.add("status", "CANCELLED")
    elif rencontre.statut == rencontre.Statut.PROPOSEE:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    if parrain_user:
        organizer = vCalAddress(f"mailto:{parrain_user.email}")
        organizer.params["cn"] = vText(parrain_user.get_full_name())
        event["organizer"] = organizer
    for user in (parrain_user, filleul_user):
        if user:
            attendee = vCalAddress(f"mailto:{user.email}")
            attendee.params["cn"] = vText(user.get_full_name())
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()


def session_selection_ics(session, *, methode: str | None = "REQUEST") -> bytes:
    """The selection week as one all-day calendar entry over its days; CANCEL withdraws it
    (``methode=None``: the entry to keep, without METHOD, RFC 4791 §4.1)."""
    cal = Calendar()
    cal.add("prodid", "-//Mentorat//Sessions de selection//FR")
    cal.add("version", "2.0")
    if methode:
        cal.add("method", methode)
    event = Event()
    event.add("uid", f"session-selection-{session.pk}@{settings.SITE_URL.split('//')[-1]}")
    event.add("dtstamp", dt.datetime.now(tz=dt.UTC))
    event.add("dtstart", session.date_debut)
    # RFC 5545 §3.6.1: an all-day DTEND is exclusive (the day after the last day).
    event.add("dtend", session.date_fin + dt.timedelta(days=1))
    event.add("summary", f"{session.programme.nom} — {session.titre}")
    event.add("location", session.lieu)
    description = [f"Programme : {session.programme.nom}"]
    if session.animateur_id:
        description.append(f"Animée par : {session.animateur.nom}")
    event.add("description", "\n".join(description))
    # RFC 5545 §3.8.7.4: each revision of the same UID carries a higher SEQUENCE (the
    # session's version, raised when its dates or place change); a cancellation one more.
    version = session.version or 0
    event.add("sequence", version + 1 if methode == "CANCEL" else version)
    event.add("status", "CANCELLED" if methode == "CANCEL" else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()
