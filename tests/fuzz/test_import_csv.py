"""The staff import of mentors, fuzzed: whatever the bytes, a French refusal or clean rows.

``lire_csv_parrains`` either raises a ValidationError (shown to staff as it is) or returns rows
that fit their columns and that PostgreSQL accepts: no NUL or control character, no value longer
than its column, a valid address. Any other exception was a 500 of the import page.
"""

import io
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given
from hypothesis import strategies as st

from parrainages.services.onboarding import COLONNES, _longueurs_max, lire_csv_parrains

from .banc import REGLAGES
from .donnees import CARACTERES, CONTROLES, texte_long

pytestmark = pytest.mark.django_db

cellule = st.one_of(
    st.sampled_from(["Jean", "Dupont", "jean@exemple.fr", "ACME", "DRH", "", '"', '""', ";"]),
    st.text(CARACTERES, max_size=20),
    CONTROLES,
    texte_long,
)
separateur = st.sampled_from([",", ";", "\t", " ", ""])
fin_de_ligne = st.sampled_from(["\n", "\r\n", "\r", ""])


@st.composite
def fichiers_csv(draw) -> bytes:
    sep = draw(separateur)
    entete = draw(st.one_of(st.just(COLONNES), st.permutations(COLONNES), st.lists(cellule)))
    lignes = [sep.join(entete)]
    for _ in range(draw(st.integers(0, 4))):
        valeurs = draw(st.lists(cellule, max_size=7))
        if draw(st.booleans()):  # quoted, with doubled quotes inside
            valeurs = ['"' + v.replace('"', '""') + '"' for v in valeurs]
        lignes.append(sep.join(valeurs))
    texte = draw(fin_de_ligne).join(lignes) if len(lignes) > 1 else lignes[0]
    encodage = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    return texte.encode(encodage, errors="replace")


@REGLAGES
@given(contenu=st.one_of(fichiers_csv(), st.binary(max_size=300)))
def test_any_file_is_refused_in_french_or_gives_clean_rows(contenu):
    try:
        lignes = lire_csv_parrains(io.BytesIO(contenu))
    except ValidationError as exc:
        assert all(isinstance(m, str) and m for m in exc.messages)
        return
    longueurs = _longueurs_max()
    for ligne in lignes:
        for colonne in COLONNES:
            valeur = ligne[colonne]
            assert len(valeur) <= longueurs[colonne], (colonne, len(valeur))
            assert not any(unicodedata.category(c) == "Cc" for c in valeur), (colonne, valeur)
        validate_email(ligne["email"])
        assert ligne["prenom"] and ligne["nom"] and ligne["entreprise"]
