"""'100 chances' programmes count outcomes over the whole selection cohort: every person the
partner referred and that was invited to the selection week, paired or not, retained or not,
each counted once; the denominator is shown in the reports."""

import csv
import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from parrainages.models import Candidature, ParticipationSelection, Sortie
from parrainages.relances import candidatures_sans_binome
from parrainages.services.filleul import candidature_refuser
from parrainages.services.selection import (
    decision_enregistrer,
    participants_inviter,
    participation_retirer,
    session_annuler,
)
from partenaires import indicateurs, selectors, services
from partenaires.indicateurs import IND, Demande
from partenaires.selectors import COLONNES_FILLEULS
from tests.parrainages.factories import (
    CandidatureFactory,
    EvenementCandidatureFactory,
    MotifRefusFactory,
    ParrainageFactory,
    SortieCandidatureFactory,
    SortieFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import ConventionFactory, MembreFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

S = Candidature.Statut
T = Sortie.Type
PERIODE = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def midi(mois, jour):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime(2026, mois, jour, 12, 0))


def jour(mois, jour_):
    return dt.date(2026, mois, jour_)


def candidature(s, nom, statut, *, invitee=True, programme=None, prescripteur=None):
    c = CandidatureFactory(
        programme=programme or s.cohorte,
        prescripteur=prescripteur or s.partenaire,
        statut=statut,
        created_at=midi(1, 10),
        filleul__user__first_name=nom,
        filleul__user__last_name="Cohorte",
    )
    if invitee:
        EvenementCandidatureFactory(candidature=c, statut=S.INVITEE_SELECTION, le=midi(2, 1))
    if statut != S.INVITEE_SELECTION:
        EvenementCandidatureFactory(candidature=c, statut=statut, le=midi(2, 6))
    return c


def six_mois(c, type_, date):
    return SortieCandidatureFactory(candidature=c, moment="six_mois", type=type_, date=date)


@pytest.fixture
def s():
    s = SimpleNamespace()
    s.membre = MembreFactory(partenaire__nom="Mission locale de Strasbourg")
    s.partenaire = s.membre.partenaire
    s.cohorte = ProgrammeFactory(nom="100 chances Strasbourg", sorties_sur_la_cohorte=True)
    s.autre = ProgrammeFactory(nom="Parrainage classique")
    s.convention = ConventionFactory(partenaire=s.partenaire, reference="CONV-100", active=True)
    s.convention.programmes.add(s.cohorte, s.autre)
    # Paired after the week: the pair's outcome (CDI) counts, not the one typed on the
    # application before the pair (formation): one person, one outcome.
    s.m1 = candidature(s, "Amine", S.RETENUE)
    s.pair = ParrainageFactory(
        programme=s.cohorte,
        filleul=s.m1.filleul,
        candidature=s.m1,
        statut="termine",
        propose_le=midi(2, 10),
        date_debut=jour(2, 15),
        date_fin_prevue=jour(3, 30),
        date_fin=jour(3, 30),
    )
    s.sortie_binome = SortieFactory(
        parrainage=s.pair, moment="six_mois", type=T.CDI, date=jour(5, 10)
    )
    six_mois(s.m1, T.FORMATION, jour(5, 1))
    # Retained, never paired: positive.
    s.m2 = candidature(s, "Bérénice", S.RETENUE)
    six_mois(s.m2, T.ALTERNANCE, jour(5, 15))
    # Not retained after the week: an answer, not positive.
    s.m3 = candidature(s, "Chloé", S.REFUSEE)
    six_mois(s.m3, T.AUCUNE, jour(5, 20))
    # Withdrew after the week: positive.
    s.m4 = candidature(s, "Dylan", S.DESISTEE)
    six_mois(s.m4, T.CDD_LONG, jour(5, 20))
    # On the waiting list, no answer; still invited (no decision yet), no answer.
    s.m5 = candidature(s, "Emma", S.LISTE_ATTENTE)
    s.m6 = candidature(s, "Farès", S.INVITEE_SELECTION)
    # Not members: withdrew or refused before any selection week (an outcome typed anyway).
    s.n1 = candidature(s, "Gaspard", S.DESISTEE, invitee=False)
    six_mois(s.n1, T.CDI, jour(5, 20))
    s.n2 = candidature(s, "Hugo", S.REFUSEE, invitee=False)
    six_mois(s.n2, T.CDI, jour(5, 20))
    # Another partner's member: not this partner's.
    s.o1 = candidature(s, "Inès", S.RETENUE, prescripteur=MembreFactory().partenaire)
    six_mois(s.o1, T.CDI, jour(5, 20))
    # A programme that does not count over its cohort: a retained person without a pair.
    s.y1 = candidature(s, "Jade", S.RETENUE, programme=s.autre, invitee=False)
    six_mois(s.y1, T.CDI, jour(5, 20))
    return s


def compte(s, debut, fin, indicateur=IND.SORTIES_POSITIVES_6_MOIS):
    demande = Demande(indicateur, debut, fin)
    return indicateurs.compter(s.convention, [demande])[demande]


def test_positive_outcomes_over_the_whole_cohort_each_person_once(s):
    assert compte(s, *PERIODE) == 3  # m1 (the pair's CDI), m2, m4
    lignes = indicateurs.lignes(
        IND.SORTIES_POSITIVES_6_MOIS,
        partenaire=s.partenaire.pk,
        convention=s.convention.pk,
        debut=PERIODE[0],
        fin=PERIODE[1],
    )
    assert {x.parrainage_id or x.candidature.filleul.user.first_name for x in lignes} == {
        s.pair.pk,
        "Bérénice",
        "Dylan",
    }
    # Dated by the outcome: none before April.
    assert compte(s, jour(1, 1), jour(3, 31)) == 0
    # Monthly series agree (all in May).
    serie = indicateurs.par_mois(
        IND.SORTIES_POSITIVES_6_MOIS, convention=s.convention, debut=PERIODE[0], fin=PERIODE[1]
    )
    assert serie == [(jour(4, 1), 0), (jour(5, 1), 3), (jour(6, 1), 0)]


def test_without_the_pairs_outcome_the_applications_counts_instead(s):
    s.sortie_binome.delete()
    assert compte(s, *PERIODE) == 3  # m1 through the formation on the application
    cohorte = indicateurs.cohorte_compter(s.convention, PERIODE[1])
    assert (cohorte.reponses_six_mois, cohorte.positives_six_mois) == (4, 3)


def test_a_cohort_with_no_pair_at_all_counts_too(s):
    s.sortie_binome.delete()
    s.pair.delete()
    Sortie.objects.filter(candidature=s.m1).delete()
    assert compte(s, *PERIODE) == 2
    cohorte = indicateurs.cohorte_compter(s.convention, PERIODE[1])
    assert (cohorte.membres, cohorte.avec_binome, cohorte.retenus_sans_binome) == (6, 0, 2)


def test_the_denominator_every_member_paired_or_not_retained_or_not(s, django_assert_num_queries):
    with django_assert_num_queries(2):
        cohorte = indicateurs.cohorte_compter(s.convention, PERIODE[1])
    assert cohorte == indicateurs.Cohorte(
        jusqu_au=PERIODE[1],
        membres=6,
        avec_binome=1,
        retenus_sans_binome=1,
        partis_apres_selection=2,
        en_liste_attente=1,
        reponses_six_mois=4,
        positives_six_mois=3,
    )
    assert (cohorte.en_attente_de_decision, cohorte.taux) == (1, 50)
    # Before the invitations, nobody; outcomes dated after the day do not count yet.
    assert indicateurs.cohorte_compter(s.convention, jour(1, 31)).membres == 0
    avant = indicateurs.cohorte_compter(s.convention, jour(5, 12))
    assert (avant.membres, avant.reponses_six_mois, avant.positives_six_mois) == (6, 1, 1)


def test_a_convention_without_a_cohort_programme_has_no_cohort_figures(s):
    s.cohorte.sorties_sur_la_cohorte = False
    s.cohorte.save()
    assert indicateurs.cohorte_compter(s.convention, PERIODE[1]) is None
    # And its indicator counts the pairs only, as before.
    assert compte(s, *PERIODE) == 1


def test_the_other_partner_counts_its_own_member_only(s):
    autre = ConventionFactory(partenaire=s.o1.prescripteur, active=True)
    autre.programmes.add(s.cohorte)
    demande = Demande(IND.SORTIES_POSITIVES_6_MOIS, *PERIODE)
    assert indicateurs.compter(autre, [demande])[demande] == 1
    assert indicateurs.cohorte_compter(autre, PERIODE[1]).membres == 1


def test_the_outcome_breakdown_counts_the_cohort_too(s):
    comptes = indicateurs.sorties_par_type(s.convention, *PERIODE)
    assert comptes == {
        ("six_mois", T.CDI): 1,
        ("six_mois", T.ALTERNANCE): 1,
        ("six_mois", T.AUCUNE): 1,
        ("six_mois", T.CDD_LONG): 1,
    }


@pytest.fixture
def rapport(s, private_storage_dir, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rapport = services.rapport_demander(
            convention=s.convention, debut=PERIODE[0], fin=PERIODE[1], par=s.membre.user
        )
    rapport.refresh_from_db()
    return rapport


def test_the_report_shows_the_cohort_figures_and_its_denominator(rapport):
    with rapport.pdf.open("rb") as fichier:
        lecteur = PdfReader(io.BytesIO(fichier.read()))
    texte = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in lecteur.pages))
    assert "Sorties sur toute la cohorte" in texte
    assert "Membres de la cohorte (invités à la semaine de sélection) 6" in texte
    assert "Sorties positives à six mois 3 sur 6 (50 %)" in texte

    with rapport.xlsx.open("rb") as fichier:
        classeur = load_workbook(io.BytesIO(fichier.read()), read_only=True)
    assert "Cohorte" in classeur.sheetnames
    cohorte = {r[0]: r[1] for r in classeur["Cohorte"].iter_rows(min_row=2, values_only=True)}
    assert cohorte["Membres de la cohorte (invités à la semaine de sélection)"] == 6
    assert cohorte["Sorties positives à six mois"] == 3
    assert cohorte["Taux de sorties positives sur la cohorte (%)"] == 50
    indicateurs_ = {
        r[0]: r[1:] for r in classeur["Indicateurs"].iter_rows(min_row=5, values_only=True)
    }
    assert indicateurs_["Sorties positives à 6 mois"][0] == 3

    with rapport.csv.open("rb") as fichier:
        lignes = list(csv.reader(io.StringIO(fichier.read().decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == COLONNES_FILLEULS
    par_prenom = {
        ligne[0]: dict(zip(COLONNES_FILLEULS, ligne, strict=True)) for ligne in lignes[1:]
    }
    # The pair's outcome for the paired person, the application's for the others.
    assert par_prenom["Amine"]["Sortie à six mois"] == "CDI"
    assert par_prenom["Bérénice"]["Sortie à six mois"].startswith("Alternance")
    assert par_prenom["Bérénice"]["Invité(e) à la semaine de sélection"] == "oui"
    assert par_prenom["Gaspard"]["Invité(e) à la semaine de sélection"] == "non"
    assert "Inès" not in par_prenom  # another partner's person


def test_the_portal_shows_the_cohort_and_each_persons_outcome(client, s, monkeypatch):
    from django.core.cache import cache
    from django.urls import reverse
    from django.utils import timezone

    cache.clear()
    monkeypatch.setattr(timezone, "localdate", lambda: jour(6, 30))
    client.force_login(s.membre.user)
    page = client.get(reverse("partenaires:convention", args=[s.convention.pk]))
    texte = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))
    assert "Sorties sur toute la cohorte" in texte
    assert "Sorties positives à six mois 3 sur 6 (50 %)" in texte
    liste = client.get(reverse("partenaires:filleuls"))
    lignes = {c.filleul.user.first_name: c for c in liste.context["filleuls"]}
    assert (
        lignes["Bérénice"].sortie_libelle
        == "Alternance (apprentissage, professionnalisation) (six mois après la fin)"
    )
    assert lignes["Amine"].sortie_libelle == "CDI (six mois après la fin)"


# --- Who left the cohort before the week ------------------------------------------------------


def _retiree(session, participation):
    participation_retirer(participation=participation, par=None)


def _session_annulee(session, participation):
    session_annuler(session=session, par=None)


@pytest.mark.parametrize("quitter", [_retiree, _session_annulee], ids=["retiree", "annulee"])
def test_withdrawn_from_the_week_then_refused_is_not_a_member(s, quitter):
    aujourd_hui = timezone.localdate()
    avant = indicateurs.cohorte_compter(s.convention, aujourd_hui)
    session = session_selection(programme=s.cohorte)
    participation = candidature_invitee(session, prescripteur=s.partenaire)
    quitter(session, participation)
    c = Candidature.objects.get(pk=participation.candidature_id)
    assert c.statut == S.EN_ETUDE
    candidature_refuser(candidature=c, par=None, motif=MotifRefusFactory())
    six_mois(c, T.CDI, aujourd_hui)

    apres = indicateurs.cohorte_compter(s.convention, aujourd_hui)
    assert (apres.membres, apres.partis_apres_selection, apres.positives_six_mois) == (
        avant.membres,
        avant.partis_apres_selection,
        avant.positives_six_mois,
    )
    # No outcome survey without a pair, and "not invited" in the partner's list.
    assert not candidatures_sans_binome().filter(pk=c.pk).exists()
    lignes = selectors.lignes_filleuls(s.convention, PERIODE[0], aujourd_hui)
    (ligne,) = [x for x in lignes if x[:2] == (c.filleul.user.first_name, c.filleul.user.last_name)]
    assert ligne[6] == "non"


def test_re_invited_after_a_withdrawal_is_a_member_again(s):
    aujourd_hui = timezone.localdate()
    avant = indicateurs.cohorte_compter(s.convention, aujourd_hui)
    session = session_selection(programme=s.cohorte)
    participation = candidature_invitee(session, prescripteur=s.partenaire)
    participation_retirer(participation=participation, par=None)
    c = Candidature.objects.get(pk=participation.candidature_id)
    (participation,) = participants_inviter(session=session, candidatures=[c], par=None)
    decision_enregistrer(
        participation=participation,
        decision=ParticipationSelection.Decision.NON_RETENUE,
        par=None,
        motif=MotifRefusFactory(),
    )
    apres = indicateurs.cohorte_compter(s.convention, aujourd_hui)
    assert apres.membres == avant.membres + 1
    assert apres.partis_apres_selection == avant.partis_apres_selection + 1
    assert candidatures_sans_binome().filter(pk=c.pk).exists()


def test_the_waiting_list_is_not_counted_as_gone(s):
    cohorte = indicateurs.cohorte_compter(s.convention, PERIODE[1])
    assert (cohorte.partis_apres_selection, cohorte.en_liste_attente) == (2, 1)
