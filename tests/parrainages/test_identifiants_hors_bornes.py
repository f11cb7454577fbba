"""A tampered form posting an id beyond the database's integer range is refused, never a crash
(on SQLite, Django's ``IN`` check of the ids raised ``OverflowError``): the sessions'
invitation form and the sectors' checkboxes share the field that says so."""

import pytest

from parrainages.forms_selection import InvitationSelectionForm
from parrainages.models import Candidature
from programmes.forms import SecteursField
from tests.parrainages.factories import CandidatureFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("valeur", ["9223372036854775808", "-9223372036854775809", "9" * 5000])
def test_an_application_id_out_of_range_is_an_invalid_choice(valeur):
    CandidatureFactory()
    form = InvitationSelectionForm(
        data={"candidatures": [valeur]}, candidatures=Candidature.objects.all()
    )
    assert not form.is_valid()
    assert form.errors["candidatures"] == [
        "Cette candidature ne peut pas être invitée à la session."
    ]


def test_a_sector_id_out_of_range_is_an_invalid_choice():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        SecteursField().clean(["9223372036854775808"])
