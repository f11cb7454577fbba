"""The partners' import of referrals, fuzzed: whatever the bytes, a French refusal or clean
rows, checked as the mentee's own profile forms check them (partenaires.orientations)."""

import io
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from partenaires.orientations import COLONNES, lire_csv_prescriptions
from programmes.models import Commune
from tests.programmes.factories import CommuneFactory

from .banc import REGLAGES
from .donnees import CARACTERES, CONTROLES, texte_long

pytestmark = pytest.mark.django_db

cellule = st.one_of(
    st.sampled_from(
        [
            "Awa",
            "Diop",
            "17/05/2001",
            "2001-05-17",
            "31/02/2001",
            "Strasbourg (67000)",
            "67000",
            "oui",
            "non",
            "mission_locale",
            "3",
            "0612345678",
            "awa@exemple.fr",
            "",
            '"',
            ";",
        ]
    ),
    st.text(CARACTERES, max_size=20),
    CONTROLES,
    texte_long,
)
separateur = st.sampled_from([",", ";", "\t", ""])
fin_de_ligne = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def fichiers_csv(draw) -> bytes:
    sep = draw(separateur)
    entete = draw(st.one_of(st.just(COLONNES), st.permutations(COLONNES), st.lists(cellule)))
    lignes = [sep.join(entete)]
    for _ in range(draw(st.integers(0, 3))):
        valeurs = draw(st.lists(cellule, min_size=0, max_size=10))
        if draw(st.booleans()):
            valeurs = ['"' + v.replace('"', '""') + '"' for v in valeurs]
        lignes.append(sep.join(valeurs))
    texte = draw(fin_de_ligne).join(lignes)
    encodage = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return texte.encode(encodage, errors="replace")


@REGLAGES
@given(contenu=st.one_of(fichiers_csv(), st.binary(max_size=300)))
def test_any_file_is_refused_in_french_or_gives_clean_rows(contenu):
    # Get-or-create: the same commune for every example of the test's transaction.
    CommuneFactory(nom="Strasbourg", code_postal="67000", code_insee="67482")
    try:
        lignes = lire_csv_prescriptions(io.BytesIO(contenu))
    except ValidationError as exc:
        assert all(isinstance(m, str) and m for m in exc.messages)
        return
    for ligne in lignes:
        assert ligne["first_name"] and ligne["last_name"] and ligne["date_naissance"]
        assert isinstance(ligne["commune"], Commune)
        for champ in ("first_name", "last_name", "telephone", "email"):
            assert not any(unicodedata.category(c) == "Cc" for c in ligne[champ]), champ
