"""A convention report checked figure by figure against the database, for each public and each
sector: every figure of the breakdown is counted here on its own, with plain ORM queries over
the rows of the scenario (not through ``partenaires.indicateurs`` nor ``partenaires.publics``),
then compared with the report's CSV and XLSX rows (counts of 1 to 4 shown as « < 5 ») and with
the staff's exact figures."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from parrainages.models import (
    BilanImmersion,
    Candidature,
    Filleul,
    Immersion,
    Parrainage,
    Rencontre,
    Sortie,
)
from partenaires import indicateurs, services
from partenaires.models import Objectif
from partenaires.publics import Public
from programmes.models import Inscription, Secteur
from tests.parrainages.factories import (
    CandidatureFactory,
    FilleulFactory,
    ParrainageFactory,
    RencontreFactory,
    SortieFactory,
)
from tests.partenaires.factories import ConventionFactory, ObjectifFactory, PartenaireFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

IND = Objectif.Indicateur
DEBUT, FIN = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
INSCRIPTION = dt.date(2026, 1, 10)  # the day every mentee signed up


def midi(jour):
    return timezone.make_aware(dt.datetime(jour.year, jour.month, jour.day, 12))


def ans_avant(ans, jour=INSCRIPTION, decalage=0):
    """A birth date making the person ``ans`` years old on ``jour`` (``decalage`` days more:
    negative, the birthday is still to come)."""
    return jour.replace(year=jour.year - ans) - dt.timedelta(days=decalage)


# One row per mentee: (birth date, qpv result, declared qpv, registered at France Travail
# since, diploma, pupil of a REP school, single parent, sectors, pair?, meetings held, 6-month
# positive outcome?)
PERSONNES = [
    (ans_avant(20), "dans", "non", None, 0, False, True, "AB", True, 2, True),
    (ans_avant(22), "dans", "non", dt.date(2024, 6, 1), 2, False, True, "A", True, 1, True),
    (ans_avant(19), "indetermine", "declare", None, 3, False, None, "A", True, 3, False),
    (ans_avant(25, decalage=-1), "hors", "declare", None, 4, False, False, "AN", True, 0, True),
    (
        ans_avant(26, decalage=-1),
        "dans",
        "non",
        dt.date(2025, 1, 10),
        3,
        False,
        True,
        "A",
        True,
        2,
        True,
    ),
    (ans_avant(17), "hors", "non", None, 0, True, None, "A", True, 1, False),
    (ans_avant(15), "indetermine", "confirme", None, 0, True, None, "A", False, 0, False),
    (ans_avant(30), "dans", "non", dt.date(2025, 3, 1), 5, False, False, "N", False, 0, False),
    (ans_avant(49), "hors", "non", dt.date(2023, 1, 1), 3, False, True, "", True, 4, True),
    (
        ans_avant(50),
        "en_cours",
        "declare",
        dt.date(2024, 12, 1),
        2,
        False,
        None,
        "B",
        True,
        1,
        True,
    ),
    (ans_avant(61), "dans", "non", None, 7, False, False, "A", False, 0, False),
]


@pytest.fixture
def scenario(private_storage_dir):
    programme = ProgrammeFactory()
    autre_programme = ProgrammeFactory()
    partenaire = PartenaireFactory(nom="Mission locale Sud")
    college_rep = PartenaireFactory(etablissement=True)
    convention = ConventionFactory(
        partenaire=partenaire,
        reference="CONV-VENT",
        active=True,
        date_debut=dt.date(2025, 10, 1),
        date_fin=dt.date(2026, 12, 31),
    )
    convention.programmes.add(programme)
    ObjectifFactory(convention=convention, indicateur=IND.FILLEULS_ORIENTES, public=Public.JEUNE)
    secteurs = {s.code: s for s in Secteur.objects.filter(code__in="ABN")}
    for rang, personne in enumerate(PERSONNES):
        (
            naissance,
            resultat,
            declare,
            ft,
            diplome,
            rep,
            parent,
            codes,
            binome,
            n_rencontres,
            sortie,
        ) = personne
        filleul = FilleulFactory(
            date_naissance=naissance,
            qpv_resultat=resultat,
            qpv=declare,
            inscrit_france_travail_depuis=ft,
            niveau_diplome=diplome,
            etablissement=college_rep if rep else None,
            parent_isole=parent,
        )
        Filleul.objects.filter(pk=filleul.pk).update(created_at=midi(INSCRIPTION))
        filleul.secteurs_souhaites.set([secteurs[c] for c in codes])
        candidature = CandidatureFactory(filleul=filleul, programme=programme, retenue=True)
        Candidature.objects.filter(pk=candidature.pk).update(
            prescripteur=partenaire, created_at=midi(dt.date(2026, 1, 15) + dt.timedelta(rang))
        )
        # Outside the convention or the period: never counted.
        hors = CandidatureFactory(filleul=filleul, programme=autre_programme)
        Candidature.objects.filter(pk=hors.pk).update(prescripteur=partenaire)
        if not binome:
            continue
        paire = ParrainageFactory(
            filleul=filleul,
            programme=programme,
            actif=True,
            date_debut=dt.date(2026, 2, 1),
            date_fin_prevue=dt.date(2026, 8, 1),
        )
        for i in range(n_rencontres):
            RencontreFactory(parrainage=paire, tenue=True, debut=midi(dt.date(2026, 2, 10 + i)))
        RencontreFactory(parrainage=paire, tenue=True, debut=midi(dt.date(2026, 4, 2)))
        if sortie:
            SortieFactory(
                parrainage=paire,
                moment=Sortie.Moment.SIX_MOIS,
                type=Sortie.Type.CDI,
                date=dt.date(2026, 3, 20),
            )
    return convention, programme, partenaire


# --- The figures, counted here on their own ------------------------------------------------------


def age_le(naissance, jour):
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))


def mois_entre(debut, fin):
    return (fin.year - debut.year) * 12 + fin.month - debut.month - (fin.day < debut.day)


def dans_le_public(f: Filleul, public: str) -> bool:
    inscription = timezone.localtime(f.created_at).date()
    age = age_le(f.date_naissance, inscription)
    return {
        Public.JEUNE: age < 26,
        Public.AGE_26_49: 26 <= age < 50,
        Public.SENIOR: age >= 50,
        Public.QPV: f.qpv_resultat == "dans"
        or (f.qpv_resultat in ("indetermine", "en_cours") and f.qpv in ("declare", "confirme")),
        Public.LONGUE_DUREE: f.inscrit_france_travail_depuis is not None
        and mois_entre(f.inscrit_france_travail_depuis, inscription) >= 12,
        Public.SANS_DIPLOME: f.niveau_diplome <= 2,
        Public.INFRA_BAC: f.niveau_diplome <= 3,
        Public.ELEVE_REP: f.etablissement_id is not None
        and f.etablissement.education_prioritaire in ("rep", "rep_plus"),
        Public.PARENT_ISOLE: f.parent_isole is True,
    }[public]


def attendu(convention, programme, partenaire, ids) -> dict:
    """Each broken-down indicator over the period, for the mentees ``ids``: plain queries."""
    t1, t2 = midi(DEBUT).replace(hour=0), midi(FIN + dt.timedelta(days=1)).replace(hour=0)
    paires = Parrainage.objects.filter(
        programme=programme, filleul__in=ids, filleul__candidatures__prescripteur=partenaire
    ).distinct()
    return {
        IND.FILLEULS_ORIENTES: Candidature.objects.filter(
            prescripteur=partenaire,
            programme=programme,
            filleul__in=ids,
            created_at__gte=t1,
            created_at__lt=t2,
        ).count(),
        IND.BINOMES_FORMES: paires.filter(
            statut__in=Parrainage.STATUTS_FORMES, date_debut__range=(DEBUT, FIN)
        ).count(),
        IND.RENCONTRES_TENUES: Rencontre.objects.filter(
            parrainage__in=paires.values("pk"),
            statut=Rencontre.Statut.TENUE,
            debut__gte=t1,
            debut__lt=t2,
        ).count(),
        IND.SORTIES_POSITIVES_6_MOIS: Sortie.objects.filter(
            parrainage__in=paires.values("pk"),
            moment=Sortie.Moment.SIX_MOIS,
            type__in=Sortie.TYPES_POSITIFS,
            date__range=(DEBUT, FIN),
        ).count(),
        IND.PARTICIPATION: Inscription.objects.filter(
            filleul__in=ids,
            evenement__programme=programme,
            statut=Inscription.Statut.PRESENT,
            evenement__debut__gte=t1,
            evenement__debut__lt=t2,
        ).count(),
        IND.IMMERSIONS_REALISEES: Immersion.objects.filter(
            parrainage__in=paires.values("pk"),
            bilan__jours_presence__gt=0,
            date_fin__range=(DEBUT, FIN),
        ).count(),
        IND.IMMERSIONS_EMBAUCHE: Immersion.objects.filter(
            parrainage__in=paires.values("pk"),
            bilan__jours_presence__gt=0,
            bilan__issue=BilanImmersion.Issue.EMBAUCHE,
            date_fin__range=(DEBUT, FIN),
        ).count(),
    }


COLONNES = [
    IND.FILLEULS_ORIENTES,
    IND.BINOMES_FORMES,
    IND.RENCONTRES_TENUES,
    IND.SORTIES_POSITIVES_6_MOIS,
    IND.PARTICIPATION,
    IND.IMMERSIONS_REALISEES,
    IND.IMMERSIONS_EMBAUCHE,
]


def groupes_attendus(convention, programme, partenaire) -> dict:
    """(axis, group label) -> exact figures, for every public and every ROME domain."""
    filleuls = list(
        Filleul.objects.select_related("etablissement").prefetch_related("secteurs_souhaites")
    )
    resultat = {}
    for public in Public:
        ids = [f.pk for f in filleuls if dans_le_public(f, public)]
        resultat[("Public", public.label)] = attendu(convention, programme, partenaire, ids)
    for secteur in Secteur.objects.order_by("code"):
        ids = [f.pk for f in filleuls if secteur in f.secteurs_souhaites.all()]
        resultat[("Secteur", secteur.libelle)] = attendu(convention, programme, partenaire, ids)
    return resultat


def masque(n):
    return "< 5" if 0 < n < 5 else n


def test_the_report_matches_the_database_for_each_public_and_sector(
    scenario, django_capture_on_commit_callbacks
):
    convention, programme, partenaire = scenario
    exacts = groupes_attendus(convention, programme, partenaire)
    # The scenario exercises both sides of the threshold, and every public has someone.
    valeurs = [v for figures in exacts.values() for v in figures.values()]
    assert any(v >= 5 for v in valeurs) and any(0 < v < 5 for v in valeurs)
    assert all(exacts[("Public", p.label)][IND.FILLEULS_ORIENTES] > 0 for p in Public)

    with django_capture_on_commit_callbacks(execute=True):
        rapport = services.rapport_demander(convention=convention, debut=DEBUT, fin=FIN, par=None)
    rapport.refresh_from_db()
    assert rapport.statut == rapport.Statut.PRET, rapport.erreur

    with rapport.csv_ventilation.open("rb") as fichier:
        lignes = list(csv.reader(io.StringIO(fichier.read().decode("utf-8-sig")), delimiter=";"))
    entete, lignes = lignes[0], lignes[1:]
    assert entete[:2] == ["Axe", "Groupe"] and len(entete) == 2 + len(COLONNES)
    assert len(lignes) == len(exacts) == len(Public) + Secteur.objects.count()
    for ligne in lignes:
        figures = exacts[(ligne[0], ligne[1])]
        assert ligne[2:] == [str(masque(figures[ind])) for ind in COLONNES], ligne[:2]

    with rapport.xlsx.open("rb") as fichier:
        classeur = load_workbook(io.BytesIO(fichier.read()), read_only=True)
    feuille = list(classeur["Par public et secteur"].iter_rows(values_only=True))
    assert list(feuille[0]) == entete
    assert len(feuille) - 1 == len(exacts)
    for ligne in feuille[1:]:
        figures = exacts[(ligne[0], ligne[1])]
        assert list(ligne[2:]) == [masque(figures[ind]) for ind in COLONNES], ligne[:2]

    # Staff read the exact figures (not suppressed).
    for ligne in indicateurs.ventiler(convention, DEBUT, FIN):
        axe = "Public" if ligne.axe == "public" else "Secteur"
        assert [ligne.valeurs[ind] for ind in COLONNES] == [
            exacts[(axe, ligne.libelle)][ind] for ind in COLONNES
        ], ligne.libelle


def test_an_objective_on_a_public_counts_that_public_only(scenario):
    convention, programme, partenaire = scenario
    objectif = convention.objectifs.get()
    (avancement,) = indicateurs.avancements(convention, [objectif], FIN)
    jeunes = [
        f.pk
        for f in Filleul.objects.select_related("etablissement")
        if dans_le_public(f, Public.JEUNE)
    ]
    assert (
        avancement.valeur
        == Candidature.objects.filter(
            prescripteur=partenaire,
            programme=programme,
            filleul__in=jeunes,
            created_at__date__gte=convention.date_debut,
        ).count()
    )
    assert avancement.valeur == 7
    assert avancement.libelle == "Filleuls orientés — public : Moins de 26 ans"


def test_erasure_forgets_the_single_parent_answer(scenario):
    from parrainages.services import compte_effacer

    filleul = Filleul.objects.filter(parent_isole=True).select_related("user").first()
    compte_effacer(user=filleul.user)
    filleul.refresh_from_db()
    assert filleul.parent_isole is None and filleul.anonymise_le is not None


def test_staff_read_the_exact_figures_on_the_conventions_page(scenario, client):
    from django.urls import reverse

    from tests.mentorat.factories import connecter, gestionnaire

    convention, programme, _partenaire = scenario
    connecter(client, gestionnaire())
    page = client.get(reverse("admin:partenaires_convention_change", args=[convention.pk]))
    assert page.status_code == 200
    texte = page.content.decode()
    assert "chiffres exacts (non masqués)" in texte
    # Parent isolé: 4 people referred (not masked here: staff see « 4 »).
    ligne = texte[texte.index("Parent isolé (déclaré)") :].split("</tr>")[0]
    assert "<td>4</td>" in ligne and "&lt; 5" not in ligne


def test_the_portal_shows_a_small_count_of_a_targeted_objective_suppressed(scenario, client):
    """On the partner's convention page as in its downloads: the 2 mentees of 50 and over
    referred are shown « < 5 », neither the count nor its rate; an untargeted figure stays."""
    from django.urls import reverse

    from tests.partenaires.factories import MembreFactory

    convention, _programme, partenaire = scenario
    ObjectifFactory(
        convention=convention,
        indicateur=IND.FILLEULS_ORIENTES,
        public=Public.SENIOR,
        valeur_cible=10,
    )
    client.force_login(MembreFactory(partenaire=partenaire).user)
    reponse = client.get(reverse("partenaires:convention", args=[convention.pk]))
    assert reponse.status_code == 200
    seniors = next(a for a in reponse.context["avancements"] if a.objectif.public == Public.SENIOR)
    assert seniors.valeur == 2 and seniors.masque
    page = reponse.content.decode()
    assert "&lt; 5 / 10" in page
    assert "2 / 10" not in page and "(20 %)" not in page


def test_the_one_statement_breakdown_is_its_definition_group_by_group(scenario):
    """Every public and sector, counted one query per group (``publics.condition``): the
    same figures as the breakdown read in one statement, whoever's mentees the rows are."""
    from tests.partenaires.ventilation import assert_identique

    convention, _programme, _partenaire = scenario
    attendu = assert_identique(convention, DEBUT, FIN)
    assert any(attendu[("secteur", s.code)][IND.RENCONTRES_TENUES] for s in Secteur.objects.all())
