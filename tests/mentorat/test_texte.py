"""Characters that break documents: refused at input, neutralised in PDFs and spreadsheets."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from mentorat.forms import InscriptionForm
from mentorat.texte import nom_pour_pdf, pour_pdf, valider_texte_saisi
from parrainages.forms import IdentiteForm
from partenaires.tableur import Classeur
from tests.mentorat.factories import UserFactory


@pytest.mark.parametrize(
    "nom",
    [
        "Zoé\uffff",
        "\u202eilA",
        "Ali\u202d",
        "Jean\u0000",
        "Léa\ufdd0",
        "Tom\U0010fffe",
        "Ana\ue000",
    ],
)
def test_names_that_would_break_a_document_are_refused(nom):
    form = InscriptionForm({"first_name": nom, "last_name": "Martin"})
    assert not form.is_valid()
    erreur = form.errors["first_name"][0]
    assert "caractères invisibles ou de contrôle" in erreur or "caractère nul" in erreur


def test_names_are_stored_in_nfc():
    decompose = "Ine\u0300s"  # "Inès" typed with a combining accent (macOS, some phones)
    form = InscriptionForm({"first_name": f"  {decompose} ", "last_name": "Ğül ‏Yılmaz"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["first_name"] == "In\u00e8s"


@pytest.mark.parametrize("nom", ["أحمد", "李小龙", "Zoë-Ève O'Neil", "Marie 😀", "ʻOkalani"])
def test_real_names_of_every_script_are_accepted(nom):
    valider_texte_saisi(nom)
    assert InscriptionForm({"first_name": nom, "last_name": "X"}).is_valid()


def test_the_profile_form_refuses_them_too():
    form = IdentiteForm(
        {"first_name": "\u202eZoé", "last_name": "M", "date_naissance": "2000-01-01"}
    )
    assert not form.is_valid() and "first_name" in form.errors


@pytest.mark.django_db
def test_the_model_refuses_them_everywhere_else(client):
    user = UserFactory.build(last_name="Zoé\uffff")
    with pytest.raises(ValidationError) as erreur:
        user.full_clean(exclude=["password"])
    assert "last_name" in erreur.value.message_dict


def test_a_legacy_name_with_a_noncharacter_keeps_the_xlsx_readable():
    classeur = Classeur()
    classeur.feuille("Filleuls", [["Zoé\uffff", "Ali\ufffe", "ok"]], entete=["Prénom", "Nom", "x"])
    feuille = load_workbook(io.BytesIO(classeur.contenu()))["Filleuls"]
    assert [c.value for c in feuille[2]] == ["Zoé", "Ali", "ok"]


def test_pdf_text_drops_overrides_names_emoji_and_isolates_names():
    assert pour_pdf("\u202eilA Martin") == "ilA Martin"
    assert pour_pdf("Marie 😀") == "Marie [grinning face]"
    assert pour_pdf("Famille 👨\u200d👩\u200d👧") == ("Famille [man][woman][girl]")
    assert nom_pour_pdf("أحمد") == "\u2068أحمد\u2069"


@pytest.mark.django_db
def test_the_sealed_charter_shows_names_safely(sceau):
    """A name saved before the input rules (an unterminated U+202E, an emoji) neither
    reverses the rest of its line nor prints as an empty box."""
    import re

    from pypdf import PdfReader

    from parrainages.services import charte_emettre, charte_rendre_pdf
    from tests.parrainages.factories import ParrainageFactory
    from tests.programmes.factories import ModeleCharteFactory

    pair = ParrainageFactory(
        actif=True,
        filleul__user__first_name="\u202eAli",
        filleul__user__last_name="Ben 😀",
    )
    ModeleCharteFactory(programme=pair.programme, texte="Le filleul {filleul} s'engage.")
    charte = charte_emettre(parrainage=pair)
    lecteur = PdfReader(io.BytesIO(charte_rendre_pdf(charte)))
    texte = " ".join(page.extract_text() for page in lecteur.pages)
    assert "\u202e" not in texte
    assert "[grinning face]" in texte
    assert re.search(r"Ali\W*Ben", texte)
