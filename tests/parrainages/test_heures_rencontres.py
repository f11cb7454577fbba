"""Meeting times across daylight saving and 29 February: one instant, one end, in the e-mailed
invitation as in the downloaded one."""

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.urls import reverse

from mentorat.horaires import instant_local, plus_minutes
from tests.parrainages.factories import ParrainageFactory, ParrainFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


CAS = [
    # Spring forward, 28 March 2027: 01:30 CET, two hours of elapsed time, ends 04:30 CEST.
    ("2027-03-28T01:30", 120, utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 30)),
    # 02:30 does not exist that day: read with the winter offset, i.e. 03:30 CEST.
    ("2027-03-28T02:30", 60, utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2, 30)),
    # Fall back, 31 October 2027: 01:30 CEST, two hours, ends 02:30 CET (not three hours).
    ("2027-10-31T01:30", 120, utc(2027, 10, 30, 23, 30), utc(2027, 10, 31, 1, 30)),
    # 02:30 happens twice that day: its first occurrence (summer time).
    ("2027-10-31T02:30", 60, utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30)),
    # 29 February 2028, late evening, ending on 1 March.
    ("2028-02-29T23:00", 90, utc(2028, 2, 29, 22, 0), utc(2028, 2, 29, 23, 30)),
]


@pytest.mark.parametrize(("saisi", "minutes", "debut", "fin"), CAS)
def test_the_time_helpers(saisi, minutes, debut, fin):
    moment = instant_local(dt.datetime.fromisoformat(saisi))
    assert moment == debut and moment.tzinfo is UTC
    assert plus_minutes(moment, minutes) == fin


def evenement(contenu: bytes):
    event = next(iter(icalendar.Calendar.from_ical(contenu).walk("VEVENT")))
    return event.decoded("dtstart"), event.decoded("dtend")


@pytest.mark.parametrize(("saisi", "minutes", "debut", "fin"), CAS)
def test_e_mailed_and_downloaded_invitations_agree(
    client, django_capture_on_commit_callbacks, saisi, minutes, debut, fin
):
    parrain = ParrainFactory()
    pair = ParrainageFactory(parrain=parrain, actif=True)
    client.force_login(parrain.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("parrain:rencontre_nouvelle", kwargs={"pk": pair.pk}),
            {
                "debut": saisi,
                "duree_minutes": str(minutes),
                "modalite": "telephone",
                "lieu": "",
                "lien": "",
                "sujet": "",
            },
        )
    assert response.status_code == 302, response.content.decode()
    rencontre = pair.rencontres.get()
    assert (rencontre.debut, rencontre.fin) == (debut, fin)

    envoye = evenement(mail.outbox[0].attachments[0][1])
    telecharge = evenement(
        client.get(reverse("parrain:rencontre_ics", kwargs={"pk": rencontre.pk})).content
    )
    assert envoye == telecharge == (debut, fin)


@pytest.mark.parametrize("saisi", ["0001-01-01T00:00", "0001-01-01T00:09"])
def test_a_time_before_the_first_instant_is_refused_not_a_crash(saisi):
    from django import forms

    from mentorat.fields import DateHeureField

    with pytest.raises(forms.ValidationError) as erreur:
        DateHeureField().clean(saisi)
    assert erreur.value.code == "invalid"
    # The last minute a datetime holds is still read (23:59 in Paris, 22:59 UTC).
    assert DateHeureField().clean("9999-12-31T23:59") == dt.datetime(
        9999, 12, 31, 22, 59, tzinfo=dt.UTC
    )
