"""Reports: requested, produced by the task (PDF, CSV, XLSX), monthly, and members told once."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from partenaires import services
from partenaires.models import Rapport
from partenaires.selectors import COLONNES_FILLEULS
from tests.partenaires import scenario
from tests.partenaires.factories import ConventionFactory, ObjectifFactory
from tests.partenaires.scenario import ATTENDU_A_CUMUL_Q1, ATTENDU_A_Q1, IND, Q1

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(private_storage_dir):
    return scenario.construire()


@pytest.fixture
def rapport(s, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rapport = services.rapport_demander(
            convention=s.convention_a, debut=Q1[0], fin=Q1[1], par=s.membre_a.user
        )
    rapport.refresh_from_db()
    return rapport


def texte_pdf(rapport) -> str:
    with rapport.pdf.open("rb") as fichier:
        lecteur = PdfReader(io.BytesIO(fichier.read()))
    texte = " ".join(page.extract_text() for page in lecteur.pages)
    return re.sub(r"\s+", " ", texte)  # table cells wrap: compare words, not lines


def test_a_requested_report_is_produced_after_the_commit(rapport):
    assert rapport.statut == Rapport.Statut.PRET
    assert (rapport.progression, rapport.erreur) == (100, "")
    assert rapport.genere_le is not None and rapport.demarre_le is not None
    for champ in (rapport.pdf, rapport.csv, rapport.xlsx):
        assert champ.name.startswith(f"rapports/{timezone.now():%Y}/rapport-conv-a-2026-01-01-au")
    with rapport.pdf.open("rb") as fichier:
        assert fichier.read(5) == b"%PDF-"
    assert not mail.outbox  # a requested report is not announced by e-mail


def test_the_pdf_holds_the_figures_of_the_database(rapport, s):
    texte = texte_pdf(rapport)
    assert "Mission locale A" in texte and "CONV-A" in texte
    assert "Période du rapport : du 01/01/2026 au 31/03/2026" in texte
    from partenaires.indicateurs import DEFINITIONS

    for ind in IND.values:
        libelle = DEFINITIONS[ind].libelle
        ligne = f"{libelle} {ATTENDU_A_Q1[ind]} {ATTENDU_A_CUMUL_Q1[ind]}"
        assert ligne in texte, ligne
    # Objectives: value, target, rate.
    assert (
        "Filleuls orientés année de convention, du 01/10/2025 au 30/09/2026, compté jusqu'au "
        "31/03/2026 3 10 30 %"
    ) in texte
    assert "Binômes formés durée de la convention, du 01/10/2025 au 30/09/2026" in texte
    assert "compté jusqu'au 31/03/2026 3 4 75 %" in texte
    assert (
        "Sorties positives à 6 mois trimestre de convention, du 01/01/2026 au 31/03/2026 2 1 200 %"
    ) in texte
    # Outcomes breakdown, events and attendance, definitions.
    assert "CDI oui 0 1" in texte
    assert "CDD de moins de 6 mois non 1 0" in texte
    assert "Alternance (apprentissage, professionnalisation) oui 0 1" in texte
    assert "2 événements comptés pour le partenaire ; 4 présences attribuées" in texte
    assert "Visite chez le parrain de B" in texte  # one of A's people was there
    assert "Job dating à venir" not in texte and "Atelier annulé" not in texte
    assert "Une sortie positive est un CDI, un CDD ou une mission d'intérim" in texte
    # The curves' legend: cumulated since the convention's start (October 2025).
    assert "Filleuls orientés : 3" in texte and "Binômes formés : 3" in texte
    # Nobody A did not refer is named.
    for autre in ("Six", "Sept", "Cinq"):
        assert f"Farid {autre}" not in texte and f"Gaëlle {autre}" not in texte


ATTENDU_LIGNES = [
    # f4: referred in December, a proposal made in January.
    ["David", "Quatre", "Programme de la convention", "20/12/2025", "non", "En cours d'étude",
     "non", "Proposition à valider", "", "", "0", "", ""],
    ["Inès", "Un", "Programme de la convention", "10/01/2026", "oui", "Retenue", "non",
     "En cours", "20/01/2026", "", "1", "", ""],  # s3 (April) is after the period
    ["Bilal", "Deux", "Programme de la convention", "15/02/2026", "oui", "Retenue", "non",
     "Interrompu", "20/02/2026", "05/03/2026", "1", "CDD de moins de 6 mois", "CDI"],
]  # fmt: skip


def test_the_csv_lists_the_partners_own_people(rapport):
    with rapport.csv.open("rb") as fichier:
        contenu = fichier.read().decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(contenu), delimiter=";"))
    assert lignes[0] == COLONNES_FILLEULS
    assert lignes[1:] == ATTENDU_LIGNES


def test_the_xlsx_holds_the_same_rows_and_the_aggregates(rapport):
    with rapport.xlsx.open("rb") as fichier:
        classeur = load_workbook(io.BytesIO(fichier.read()), read_only=True)
    assert classeur.sheetnames == [
        "Filleuls orientés",
        "Indicateurs",
        "Par public et secteur",
        "Parties",
        "Plan d'action",
        "Sorties",
        "Événements",
        "Définitions",
    ]

    def texte(valeur):
        if isinstance(valeur, dt.datetime):
            return f"{valeur:%d/%m/%Y}"
        return "" if valeur is None else str(valeur)

    largeur = len(COLONNES_FILLEULS)  # trailing empty cells are not written
    lignes = [
        [texte(v) for v in row] + [""] * (largeur - len(row))
        for row in classeur["Filleuls orientés"].values
    ]
    assert lignes[0] == COLONNES_FILLEULS
    assert lignes[1:] == ATTENDU_LIGNES
    indicateurs = {
        row[0]: row[1:] for row in classeur["Indicateurs"].iter_rows(min_row=5, values_only=True)
    }
    assert indicateurs["Rencontres tenues"][:2] == (3, 3)
    assert indicateurs["Parrains apportés"][:2] == (1, 2)
    assert indicateurs["Binômes formés"][:6] == (3, 3, 4, indicateurs["Binômes formés"][3], 3, 75)
    evenements = list(classeur["Événements"].iter_rows(min_row=2, values_only=True))
    assert [(e[0], e[4], e[5], e[6], e[7]) for e in evenements] == [
        ("Réunion d'information", "oui", 4, 3, 1),
        ("Visite chez le parrain de A", "oui", 2, 2, 2),
        ("Visite chez le parrain de B", "non", 2, 2, 1),
    ]


def test_bad_periods_and_drafts_are_refused(s):
    with pytest.raises(ValidationError) as erreur:
        services.rapport_demander(convention=s.convention_a, debut=Q1[1], fin=Q1[0])
    assert erreur.value.message_dict == {"fin": ["La fin de la période doit suivre son début."]}
    brouillon = ConventionFactory()
    with pytest.raises(ValidationError, match="encore un brouillon"):
        services.rapport_demander(convention=brouillon, debut=Q1[0], fin=Q1[1])
    assert not Rapport.objects.exists()


def test_a_second_delivery_of_the_task_does_nothing(rapport, s):
    produit_le, nom = rapport.genere_le, rapport.pdf.name
    assert services.rapport_produire(rapport_id=rapport.pk) is None
    rapport.refresh_from_db()
    assert (rapport.genere_le, rapport.pdf.name) == (produit_le, nom)


def test_a_production_lost_with_its_worker_is_taken_over(s):
    rapport = Rapport.objects.create(
        convention=s.convention_a,
        periode_debut=Q1[0],
        periode_fin=Q1[1],
        statut=Rapport.Statut.EN_COURS,
        demarre_le=timezone.now() - dt.timedelta(minutes=5),
        battement_le=timezone.now() - dt.timedelta(seconds=30),
    )
    assert services.rapport_produire(rapport_id=rapport.pk) is None  # its worker is alive
    Rapport.objects.filter(pk=rapport.pk).update(
        battement_le=timezone.now() - services.REPRISE_APRES - dt.timedelta(minutes=1)
    )
    assert services.rapport_produire(rapport_id=rapport.pk).statut == Rapport.Statut.PRET


def test_a_failure_is_recorded_then_started_again(
    s, monkeypatch, django_capture_on_commit_callbacks
):
    def panne(contenu):
        raise RuntimeError("moteur PDF indisponible")

    monkeypatch.setattr("partenaires.documents.rapport_pdf", panne)
    with django_capture_on_commit_callbacks(execute=True):
        rapport = services.rapport_demander(convention=s.convention_a, debut=Q1[0], fin=Q1[1])
    rapport.refresh_from_db()
    assert rapport.statut == Rapport.Statut.ECHEC
    assert rapport.erreur == "RuntimeError : moteur PDF indisponible"
    assert not rapport.pdf
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.rapport_relancer(rapport=rapport)
    rapport.refresh_from_db()
    assert (rapport.statut, rapport.erreur) == (Rapport.Statut.PRET, "")


def test_a_database_error_inside_a_transaction_is_recorded(s, monkeypatch):
    from django.db import connection

    def requete_invalide(*args):
        with connection.cursor() as curseur:
            curseur.execute("SELECT * FROM table_qui_n_existe_pas")

    monkeypatch.setattr("partenaires.selectors.contenu_rapport", requete_invalide)
    # Produced at once inside the test's transaction, as the demo does inside its own.
    rapport = services.rapport_demander(
        convention=s.convention_a, debut=Q1[0], fin=Q1[1], sur_le_champ=True
    )
    assert rapport.statut == Rapport.Statut.ECHEC
    assert "table_qui_n_existe_pas" in rapport.erreur
    assert Rapport.objects.get(pk=rapport.pk).statut == Rapport.Statut.ECHEC


def test_monthly_reports_once_per_active_convention_and_month(
    s, django_capture_on_commit_callbacks
):
    ConventionFactory(signee=True)  # not active yet
    ConventionFactory(terminee=True)
    ancienne = ConventionFactory(
        active=True,
        date_debut=dt.date(2024, 1, 1),
        date_fin=dt.date(2024, 12, 31),
    )
    ObjectifFactory(convention=ancienne)
    le_3_mai = dt.date(2026, 5, 3)
    with django_capture_on_commit_callbacks(execute=True):
        crees = services.rapports_mensuels_creer(jour=le_3_mai)
    # The conventions of A and B are active in April 2026; the other one ended in 2024.
    assert {r.convention for r in crees} == {s.convention_a, s.convention_b}
    assert {(r.periode_debut, r.periode_fin) for r in crees} == {
        (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rapports_mensuels_creer(jour=le_3_mai) == []
        assert services.rapports_mensuels_creer(jour=dt.date(2026, 5, 31)) == []
    assert Rapport.objects.filter(automatique=True).count() == 2
    assert set(Rapport.objects.values_list("statut", flat=True)) == {Rapport.Statut.PRET}
    assert not mail.outbox  # members hear of it through the reminders outbox, once


def test_the_reminders_outbox_tells_each_partners_members(s):
    from partenaires.relances import rapport_pret

    rapport_a, rapport_b = (
        Rapport.objects.create(
            convention=convention,
            periode_debut=dt.date(2026, 4, 1),
            periode_fin=dt.date(2026, 4, 30),
            automatique=True,
            statut=Rapport.Statut.PRET,
            genere_le=timezone.now(),
        )
        for convention in (s.convention_a, s.convention_b)
    )
    cles = {envoi.cle for envoi in rapport_pret(timezone.now())}
    assert cles == {
        f"rapport_pret:{rapport_a.pk}:{s.membre_a.user_id}",
        f"rapport_pret:{rapport_b.pk}:{s.membre_b.user_id}",
    }


def test_the_unique_constraint_stops_a_second_automatic_report(s):
    from django.db import IntegrityError, transaction

    champs = {"convention": s.convention_a, "periode_debut": Q1[0], "periode_fin": Q1[1]}
    Rapport.objects.create(automatique=True, **champs)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rapport.objects.create(automatique=True, **champs)
    Rapport.objects.create(automatique=False, **champs)  # on request: as many as wanted


def test_the_tasks_run_the_services(s, django_capture_on_commit_callbacks):
    from partenaires.tasks import produire_rapport, rapports_mensuels

    rapport = Rapport.objects.create(
        convention=s.convention_a, periode_debut=Q1[0], periode_fin=Q1[1]
    )
    assert produire_rapport.delay(rapport.pk).get() == Rapport.Statut.PRET
    assert produire_rapport.delay(rapport.pk).get() is None
    toujours = ConventionFactory(
        active=True,
        date_debut=dt.date(2020, 1, 1),
        date_fin=dt.date(2040, 1, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert rapports_mensuels.delay().get() >= 1
        assert rapports_mensuels.delay().get() == 0
    assert Rapport.objects.filter(convention=toujours, automatique=True).count() == 1
