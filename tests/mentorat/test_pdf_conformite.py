"""Every kind of document the platform produces is a tagged PDF/UA-1 that passes the automatic
checks (``mentorat/pdf_conformite.py``), and the checks fail a document that is not."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from weasyprint import HTML

from mentorat.pdf import rendre_pdf
from mentorat.pdf_conformite import verifier_pdf_ua
from parrainages.selection import fiche_cohorte
from parrainages.services.charte import charte_rendre_pdf
from parrainages.services.immersion import immersion_rendre_pdf
from partenaires.documents import convention_pdf
from partenaires.orientations import lettres_pdf
from tests.parrainages.factories import (
    CharteFactory,
    ImmersionFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import ConventionFactory, PrescriptionFactory

pytestmark = pytest.mark.django_db


def _cohorte():
    session = session_selection()
    candidature_invitee(session)
    return rendre_pdf("parrainages/pdf/cohorte.html", fiche_cohorte(session))


def _lettres():
    lettre = {
        "prescription": PrescriptionFactory(),
        "code": "ABCD-EFGH",
        "expire_le": timezone.now() + dt.timedelta(days=30),
        "url": "https://mentorat.example.fr/activer/",
    }
    return lettres_pdf([lettre])


DOCUMENTS = {
    "charte": lambda: charte_rendre_pdf(CharteFactory()),
    "convention d'immersion": lambda: immersion_rendre_pdf(ImmersionFactory()),
    "convention de partenariat": lambda: convention_pdf(ConventionFactory()),
    "fiche de cohorte": _cohorte,
    "lettre d'activation": _lettres,
}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_document_passes_the_automatic_pdf_ua_checks(document, private_storage_dir):
    assert verifier_pdf_ua(DOCUMENTS[document]()) == []


def test_the_report_passes_too(private_storage_dir, django_capture_on_commit_callbacks):
    from partenaires import services
    from tests.partenaires import scenario
    from tests.partenaires.scenario import Q1

    s = scenario.construire()
    with django_capture_on_commit_callbacks(execute=True):
        rapport = services.rapport_demander(
            convention=s.convention_a, debut=Q1[0], fin=Q1[1], par=s.membre_a.user
        )
    rapport.refresh_from_db()
    with rapport.pdf.open("rb") as fichier:
        assert verifier_pdf_ua(fichier.read()) == []


def test_an_untagged_pdf_without_language_nor_title_fails(tmp_path):
    brut = HTML(string="<p>Sans titre ni langue</p>").write_pdf()
    echecs = verifier_pdf_ua(brut)
    assert any("balisé" in e for e in echecs)
    assert any("arbre de structure" in e for e in echecs)
    assert any("langue" in e for e in echecs)
    assert any("PDF/UA-1" in e for e in echecs)
    assert any("titre" in e for e in echecs)
    fichier = tmp_path / "brut.pdf"
    fichier.write_bytes(brut)
    with pytest.raises(CommandError, match="1 fichier"):
        call_command("verifier_pdf", str(fichier))


def test_a_long_table_repeats_its_header_and_never_splits_a_row():
    """A convention's action plan over several pages: each page of the plan starts with the
    table's header, and each action's cells (its long text, its owner, its due date) are on
    one page."""
    import io
    import re

    from pypdf import PdfReader

    from partenaires.models import ActionConvention

    convention = ConventionFactory()
    longue = " ".join(["étape détaillée"] * 13)
    for k in range(40):
        ActionConvention.objects.create(
            convention=convention,
            intitule=f"Action{k:02d} {longue} Fin{k:02d}",
            responsable_libelle=f"Porteur{k:02d}",
            echeance=dt.date(2027, 1, 1) + dt.timedelta(days=k),
            ordre=k,
        )
    lecteur = PdfReader(io.BytesIO(convention_pdf(convention)))
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in lecteur.pages]
    du_plan = [t for t in pages if re.search(r"Action\d\d", t)]
    assert len(du_plan) >= 3  # the plan runs over several pages
    for texte in du_plan:
        assert "Responsable" in texte and "Échéance" in texte  # the header, on every page
    for k in range(40):
        ou = [i for i, t in enumerate(pages) if f"Action{k:02d}" in t]
        assert ou and all(f"Fin{k:02d}" in pages[i] and f"Porteur{k:02d}" in pages[i] for i in ou)
