"""Every legal limit of an immersion convention, probed with crafted conventions: each is
refused at the service level with its French message and its article, and nothing changes
(no convention, no party, no message)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentorat.models import CodeSignature, Envoi, Partie
from mentorat.signatures import SignatureRefusee, parties_de, signature_demander_code
from mentorat.siret import luhn_valide, siret_valide
from parrainages import immersion_regles as regles
from parrainages.immersion_regles import nature_attendue
from parrainages.models import Immersion
from parrainages.services.immersion import (
    CHAMPS,
    immersion_modifier,
    immersion_proposer,
    immersion_renouveler,
)
from tests.parrainages.factories import (
    SIRET_VALIDE,
    EleveFactory,
    FilleulFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    RepresentantLegalFactory,
)
from tests.partenaires.factories import PartenaireFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

SEMAINE = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


def semaine(matin=("09:00", "12:30"), apres_midi=("13:30", "17:00"), jours=SEMAINE):
    return {j: [list(matin), list(apres_midi)] for j in jours}


def lundi_prochain(semaines=2):
    aujourd_hui = timezone.localdate()
    return aujourd_hui + dt.timedelta(days=7 * semaines - aujourd_hui.weekday())


@pytest.fixture
def pair():
    return ParrainageFactory(
        actif=True,
        programme=ProgrammeFactory(offre_immersion=True),
        parrain=ParrainFactory(offre_immersion=True),
    )


@pytest.fixture
def pair_eleve():
    return ParrainageFactory(
        actif=True,
        programme=ProgrammeFactory(offre_immersion=True, public_eleves=True),
        parrain=ParrainFactory(offre_immersion=True),
        filleul=EleveFactory(),
    )


def donnees(pair, **changes):
    debut = changes.pop("date_debut", lundi_prochain())
    eleve = nature_attendue(pair) == Immersion.Nature.OBSERVATION
    base = {
        "date_debut": debut,
        "date_fin": changes.pop("date_fin", debut + dt.timedelta(days=4 if eleve else 11)),
        "objet": Immersion.Objet.CONFIRMER,
        "objectifs": "Confirmer le projet de gestionnaire de paie.",
        "metier_code": "M1501",
        "metier_libelle": "Gestionnaire de paie",
        "entreprise_nom": "Paie & Cie",
        "entreprise_siret": SIRET_VALIDE,
        "entreprise_adresse": "10 rue de Rivoli, 75004 Paris",
        "lieu": "Siège",
        "representant_est_parrain": True,
        "tuteur_prenom": "Marc",
        "tuteur_nom": "Martin",
        "tuteur_fonction": "Responsable paie",
        "tuteur_email": "marc.martin@paie.example",
        "prescripteur": PartenaireFactory(type="france_travail"),
        "conseiller_prenom": "Sonia",
        "conseiller_nom": "Lefèvre",
        "conseiller_email": "sonia@francetravail.example",
        "horaires": semaine(),
        "activites": "Saisie des variables de paie.",
        "competences": "Saisir les variables\nContrôler un bulletin",
        "urgence_nom": "Nadia Benali",
        "urgence_telephone": "0611223344",
    }
    if eleve:
        base.update(
            objet="",
            metier_code="",
            prescripteur=None,
            chef_etablissement_prenom="Claire",
            chef_etablissement_nom="Morel",
            chef_etablissement_email="principal@college.example",
            enseignant_prenom="Paul",
            enseignant_nom="Roux",
            enseignant_email="prof@college.example",
            activites="Observer l'accueil des clients, découvrir les métiers de l'atelier.",
            sans_travaux_dangereux=True,
            horaires=semaine(("09:00", "12:00"), ("13:30", "16:30")),
        )
    base.update(changes)
    return base


def etat():
    return (Immersion.objects.count(), Partie.objects.count(), Envoi.objects.count())


def refuse(pair, champ, extrait, **changes):
    """The proposal is refused with ``extrait`` under ``champ``, and nothing is written."""
    avant = etat()
    with pytest.raises(ValidationError) as refus:
        immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=donnees(pair, **changes))
    messages = refus.value.message_dict.get(champ, [])
    assert any(extrait in m for m in messages), refus.value.message_dict
    assert etat() == avant
    return messages


def test_a_proposal_within_every_limit_is_issued(pair):
    immersion = immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=donnees(pair))
    assert immersion.statut == Immersion.Statut.A_SIGNER
    assert immersion.texte_sha256 and "SIRET 73282932000074" in immersion.texte
    assert [p.role for p in parties_de(immersion)] == [
        "beneficiaire",
        "entreprise",
        "tuteur",
        "prescripteur",
    ]


# --- Duration (D5135-3) -----------------------------------------------------------------------


def test_a_pmsmp_lasts_one_month_from_date_to_date(pair):
    debut = dt.date(timezone.localdate().year + 1, 2, 1)
    messages = refuse(
        pair,
        "date_fin",
        "au plus un mois de date à date",
        date_debut=debut,
        date_fin=dt.date(debut.year, 3, 1),
        horaires=semaine(jours=("lundi",)),
    )
    assert "le 28/02" in messages[0] or "le 29/02" in messages[0]
    assert "D5135-3" in messages[0]
    fin = regles.fin_max_pmsmp(debut)
    immersion_proposer(
        parrainage=pair,
        par=pair.parrain.user,
        donnees=donnees(pair, date_debut=debut, date_fin=fin, horaires=semaine(jours=("lundi",))),
    )


@pytest.mark.parametrize(
    ("debut", "fin"),
    [
        (dt.date(2027, 3, 15), dt.date(2027, 4, 14)),
        (dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        (dt.date(2027, 1, 1), dt.date(2027, 1, 31)),
        (dt.date(2028, 1, 30), dt.date(2028, 2, 29)),
        (dt.date(2027, 12, 10), dt.date(2028, 1, 9)),
    ],
)
def test_one_month_from_date_to_date(debut, fin):
    assert regles.fin_max_pmsmp(debut) == fin
    assert (fin - debut).days <= 30  # never longer than immersion-facile's 30 days


# --- Renewal (D5135-3) ------------------------------------------------------------------------


def _validee(pair, **kwargs):
    return ImmersionFactory(
        parrainage=pair,
        validee=True,
        date_debut=lundi_prochain(),
        date_fin=lundi_prochain() + dt.timedelta(days=11),
        **kwargs,
    )


def test_a_convention_is_renewed_once_only(pair):
    initiale = _validee(pair)
    debut = initiale.date_fin + dt.timedelta(days=3)
    renouvellement = immersion_renouveler(
        immersion=initiale,
        par=pair.parrain.user,
        date_debut=debut,
        date_fin=debut + dt.timedelta(days=11),
    )
    assert renouvellement.renouvelle == initiale
    assert renouvellement.objectifs == initiale.objectifs
    avant = etat()
    autre_debut = debut + dt.timedelta(days=21)
    with pytest.raises(ValidationError) as refus:
        immersion_renouveler(
            immersion=initiale,
            par=pair.parrain.user,
            date_debut=autre_debut,
            date_fin=autre_debut + dt.timedelta(days=4),
        )
    assert (
        "Cette convention a déjà été renouvelée une fois : une PMSMP n'est renouvelée qu'une fois "
        "(Code du travail, art. D5135-3)." in refus.value.message_dict["renouvelle"]
    )
    # The renewal itself cannot be renewed either (once validated).
    Immersion.objects.filter(pk=renouvellement.pk).update(statut=Immersion.Statut.VALIDEE)
    renouvellement.refresh_from_db()
    with pytest.raises(ValidationError) as refus:
        immersion_renouveler(
            immersion=renouvellement,
            par=pair.parrain.user,
            date_debut=autre_debut,
            date_fin=autre_debut + dt.timedelta(days=4),
        )
    assert any("elle-même un renouvellement" in m for m in refus.value.message_dict["renouvelle"])
    assert etat() == avant


def test_a_renewal_keeps_the_same_objective(pair):
    initiale = _validee(pair)
    debut = initiale.date_fin + dt.timedelta(days=3)
    renouvellement = immersion_renouveler(
        immersion=initiale,
        par=pair.parrain.user,
        date_debut=debut,
        date_fin=debut + dt.timedelta(days=4),
    )
    avant = renouvellement.texte_sha256
    champs = {c: getattr(renouvellement, c) for c in CHAMPS}
    for changement in ({"objet": Immersion.Objet.RECRUTER}, {"objectifs": "Un autre objectif."}):
        with pytest.raises(ValidationError) as refus:
            immersion_modifier(
                immersion=renouvellement, par=pair.parrain.user, donnees={**champs, **changement}
            )
        assert any(
            "même objet et les mêmes objectifs" in m and "D5135-3" in m
            for m in refus.value.message_dict["renouvelle"]
        )
    renouvellement.refresh_from_db()
    assert renouvellement.texte_sha256 == avant
    # A crafted renewal of an unvalidated convention, another host or another person.
    crafted = Immersion(
        parrainage=ParrainageFactory(actif=True),
        renouvelle=ImmersionFactory(parrainage=pair),
        **{**champs, "entreprise_siret": "44306184100047"},
    )
    with pytest.raises(ValidationError) as refus:
        regles.verifier(crafted)
    assert {
        "Un renouvellement concerne la même personne.",
        "Seule une convention validée peut être renouvelée.",
        "Un renouvellement se fait dans la même structure d'accueil (même SIRET) que la "
        "convention initiale.",
    } <= set(refus.value.message_dict["renouvelle"])


def test_two_conventions_in_twelve_months_per_host(pair):
    premiere = _validee(pair, objectifs=donnees(pair)["objectifs"])  # 12 days
    debut = premiere.date_fin + dt.timedelta(days=40)
    # The same objective again in the same host: that is the first one's renewal.
    refuse(
        pair,
        "objectifs",
        "renouvelez la première",
        date_debut=debut,
        date_fin=debut + dt.timedelta(days=4),
    )
    deuxieme = immersion_proposer(
        parrainage=pair,
        par=pair.parrain.user,
        donnees=donnees(
            pair,
            objet=Immersion.Objet.RECRUTER,
            date_debut=debut,
            date_fin=debut + dt.timedelta(days=11),
        ),
    )
    troisieme = deuxieme.date_fin + dt.timedelta(days=30)
    messages = refuse(
        pair,
        "__all__",
        "Déjà deux conventions avec cette personne dans cet établissement sur douze mois",
        objet=Immersion.Objet.DECOUVRIR,
        date_debut=troisieme,
        date_fin=troisieme + dt.timedelta(days=2),
    )
    assert "D5135-3" in messages[0]
    # Another host is another story.
    immersion_proposer(
        parrainage=pair,
        par=pair.parrain.user,
        donnees=donnees(
            pair,
            entreprise_siret="44306184100047",
            date_debut=troisieme,
            date_fin=troisieme + dt.timedelta(days=2),
        ),
    )


def test_sixty_days_in_twelve_months_counting_renewals(pair):
    lundis = semaine(jours=("lundi",))
    premiere = ImmersionFactory(
        parrainage=pair,
        validee=True,
        date_debut=lundi_prochain(),
        date_fin=regles.fin_max_pmsmp(lundi_prochain()),
        horaires=lundis,
    )
    debut = premiere.date_fin + dt.timedelta(days=1)
    # A month and its renewal of a month: one convention, bounded by its renewal's month.
    renouvellement = immersion_renouveler(
        immersion=premiere,
        par=pair.parrain.user,
        date_debut=debut,
        date_fin=regles.fin_max_pmsmp(debut),
        horaires=lundis,
    )
    debut = renouvellement.date_fin + dt.timedelta(days=10)
    messages = refuse(
        pair,
        "date_fin",
        "jours de PMSMP dans cet établissement sur douze mois, renouvellements compris : au "
        "plus 60",
        objet=Immersion.Objet.RECRUTER,
        date_debut=debut,
        date_fin=debut + dt.timedelta(days=5),
    )
    assert "D5135-3" in messages[0]


# --- Hours ------------------------------------------------------------------------------------


def test_adult_week_above_48_hours(pair):
    longue = semaine(("08:00", "12:00"), ("13:00", "18:00"), SEMAINE)  # 45 h
    longue["samedi"] = [["08:00", "12:00"]]  # 49 h
    messages = refuse(pair, "horaires", "au plus 48 heures par semaine", horaires=longue)
    assert "49 h" in messages[0] and "L3121-20" in messages[0]
    longue["samedi"] = [["08:00", "11:00"]]  # 48 h
    immersion_proposer(
        parrainage=pair, par=pair.parrain.user, donnees=donnees(pair, horaires=longue)
    )


def test_adult_day_above_10_hours(pair):
    horaires = semaine()
    horaires["lundi"] = [["07:00", "12:00"], ["13:00", "19:00"]]  # 11 h
    messages = refuse(pair, "horaires", "au plus 10 heures par jour", horaires=horaires)
    assert messages[0].startswith("Le lundi, 11 h de présence") and "L3121-18" in messages[0]


def test_adult_seven_days_and_short_rest(pair):
    refuse(
        pair,
        "horaires",
        "au plus six (Code du travail, art. L3132-1)",
        horaires=semaine(("09:00", "12:00"), ("13:00", "15:00"), (*SEMAINE, "samedi", "dimanche")),
    )
    horaires = semaine()
    horaires["lundi"] = [["13:00", "18:00"], ["18:30", "21:00"]]
    horaires["mardi"] = [["07:00", "12:00"]]
    refuse(pair, "horaires", "au moins 11 heures consécutives", horaires=horaires)


@pytest.fixture
def pair_mineur(pair):
    filleul = pair.filleul
    aujourd_hui = timezone.localdate()
    filleul.date_naissance = aujourd_hui.replace(year=aujourd_hui.year - 17) - dt.timedelta(days=5)
    filleul.save()
    RepresentantLegalFactory(filleul=filleul)
    return pair


def test_minor_week_above_35_hours(pair_mineur):
    horaires = semaine(("08:00", "12:00"), ("13:00", "17:00"), SEMAINE[:4])  # 32 h
    horaires["vendredi"] = [["08:00", "12:00"]]  # 36 h
    messages = refuse(pair_mineur, "horaires", "au plus 35 heures par semaine", horaires=horaires)
    assert "36 h" in messages[0] and "L3162-1" in messages[0]


def test_minor_day_above_8_hours_and_no_break(pair_mineur):
    horaires = semaine(("08:00", "12:00"), ("12:15", "17:00"), ("lundi",))
    messages = refuse(
        pair_mineur, "horaires", "un mineur est présent au plus 8 heures", horaires=horaires
    )
    assert "L3162-1" in messages[0]
    messages = refuse(
        pair_mineur,
        "horaires",
        "pause d'au moins 30 minutes après 4 h 30",
        horaires=semaine(("08:00", "12:00"), ("12:15", "13:30"), ("lundi",)),
    )
    assert "L3162-3" in messages[0]


def test_minor_night_work(pair_mineur):
    horaires = semaine(("14:00", "18:00"), ("18:30", "22:30"), ("lundi", "mardi"))
    messages = refuse(
        pair_mineur, "horaires", "le travail de nuit est interdit aux mineurs", horaires=horaires
    )
    assert "entre 22:00 et 06:00" in messages[0] and "L3163-1 et L3163-2" in messages[0]


def test_minor_rest(pair_mineur):
    refuse(
        pair_mineur,
        "horaires",
        "deux jours de repos consécutifs",
        horaires=semaine(
            ("09:00", "12:00"),
            ("13:00", "15:00"),
            ("lundi", "mardi", "mercredi", "vendredi", "samedi", "dimanche"),
        ),
    )


def test_a_minor_without_guardian_and_a_pmsmp_under_16(pair):
    filleul = pair.filleul
    aujourd_hui = timezone.localdate()
    filleul.date_naissance = aujourd_hui.replace(year=aujourd_hui.year - 15)
    filleul.save()
    messages = refuse(pair, "__all__", "n'est ouverte qu'à partir de 16 ans")
    assert any("représentants légaux" in m for m in messages)


# --- Pupils' observation sequence -------------------------------------------------------------


def test_a_pupil_observation_is_issued_with_school_and_guardians(pair_eleve):
    immersion = immersion_proposer(
        parrainage=pair_eleve, par=pair_eleve.parrain.user, donnees=donnees(pair_eleve)
    )
    assert immersion.nature == Immersion.Nature.OBSERVATION
    assert immersion.prescripteur == pair_eleve.filleul.etablissement
    assert [p.role.split("_")[0] for p in parties_de(immersion)] == [
        "beneficiaire",
        "representant",
        "etablissement",
        "enseignant",
        "entreprise",
        "tuteur",
    ]


def test_a_pupil_in_a_programme_serving_adults_too_gets_an_observation_sequence():
    """The Club des 1.000 mentors long-term job seekers and 3e pupils in one programme: the
    convention follows the mentee."""
    programme = ProgrammeFactory(offre_immersion=True, public_eleves=False)
    eleve = ParrainageFactory(
        actif=True,
        programme=programme,
        parrain=ParrainFactory(offre_immersion=True),
        filleul=EleveFactory(),
    )
    adulte = ParrainageFactory(
        actif=True, programme=programme, parrain=ParrainFactory(offre_immersion=True)
    )
    observation = immersion_proposer(
        parrainage=eleve, par=eleve.parrain.user, donnees=donnees(eleve)
    )
    pmsmp = immersion_proposer(parrainage=adulte, par=adulte.parrain.user, donnees=donnees(adulte))
    assert observation.nature == Immersion.Nature.OBSERVATION
    assert observation.prescripteur == eleve.filleul.etablissement
    assert pmsmp.nature == Immersion.Nature.PMSMP


def test_pupil_six_days(pair_eleve):
    debut = lundi_prochain()
    messages = refuse(
        pair_eleve,
        "date_fin",
        "au plus 5 jours, consécutifs ou non",
        date_debut=debut,
        date_fin=debut + dt.timedelta(days=7),
    )
    assert messages[0].startswith("6 jours de présence") and "D332-14" in messages[0]


def test_pupil_under_16_seven_hours_a_day(pair_eleve):
    messages = refuse(
        pair_eleve,
        "horaires",
        "présent au plus 7 heures par jour",
        horaires=semaine(("09:00", "12:30"), ("13:30", "17:30")),
    )
    assert "7 h 30" in messages[0]


def test_pupil_observes_only(pair_eleve):
    refuse(pair_eleve, "sans_travaux_dangereux", "D331-9", sans_travaux_dangereux=False)
    refuse(
        pair_eleve,
        "activites",
        "ne comporte que de l'observation",
        activites="Tenir la caisse et ranger le stock.",
    )


def test_pupil_night_limit_is_20h(pair_eleve):
    refuse(
        pair_eleve,
        "horaires",
        "entre 20:00 et 06:00",
        horaires=semaine(("13:00", "16:00"), ("17:00", "20:30"), ("lundi",)),
    )


# --- Identifiers, prescriber, overlap ---------------------------------------------------------


def test_wrong_siret_and_rome(pair):
    refuse(pair, "entreprise_siret", "Ce SIRET n'est pas valide", entreprise_siret="73282932000075")
    refuse(pair, "metier_code", "une lettre de A à N suivie de 4 chiffres", metier_code="Z1234")


def test_siret_key():
    assert siret_valide("732 829 320 00074") and siret_valide("44306184100047")
    assert not siret_valide("73282932000075") and not siret_valide("7328293200007")
    assert not siret_valide("7328293200007A")
    assert luhn_valide("732829320")
    # La Poste: the sum of the digits is a multiple of 5; its head office follows Luhn.
    assert siret_valide("35600000000010") and siret_valide("35600000000048")
    assert not siret_valide("35600000000011")


def test_prescriber_must_be_allowed(pair):
    refuse(
        pair,
        "prescripteur",
        "ne peut pas prescrire une PMSMP",
        prescripteur=PartenaireFactory(type="entreprise"),
    )


def test_overlap_with_another_immersion_of_the_same_person(pair):
    ailleurs = ParrainageFactory(actif=True, filleul=pair.filleul)
    autre = ImmersionFactory(
        parrainage=ailleurs, date_debut=lundi_prochain(), entreprise_siret="44306184100047"
    )
    messages = refuse(pair, "date_debut", "chevauchent une autre immersion de la même personne")
    assert f"{autre.date_debut:%d/%m/%Y}" in messages[0]
    Immersion.objects.filter(pk=autre.pk).update(statut=Immersion.Statut.ANNULEE)
    immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=donnees(pair))


def test_start_in_the_past(pair):
    refuse(
        pair,
        "date_debut",
        "une convention se signe avant son premier jour",
        date_debut=timezone.localdate() - dt.timedelta(days=1),
        date_fin=timezone.localdate() + dt.timedelta(days=5),
    )


def test_start_passed_at_signature(pair):
    immersion = ImmersionFactory(parrainage=pair)
    Immersion.objects.filter(pk=immersion.pk).update(
        date_debut=timezone.localdate() - dt.timedelta(days=1)
    )
    partie = parties_de(immersion).get(role="tuteur")
    with pytest.raises(SignatureRefusee) as refus:
        signature_demander_code(partie=partie)
    assert "une convention dont le premier jour est passé ne peut plus être signée" in str(
        refus.value.messages[0]
    )
    assert not CodeSignature.objects.exists()
    partie.refresh_from_db()
    assert partie.signee_le is None


def test_hand_made_requests_for_a_pair_without_immersion(pair):
    pair.programme.offre_immersion = False
    pair.programme.save()
    avant = etat()
    with pytest.raises(ValidationError) as refus:
        immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=donnees(pair))
    assert refus.value.messages == ["Ce parrainage ne prévoit pas d'immersion."]
    autre = FilleulFactory()
    with pytest.raises(ValidationError):
        immersion_proposer(parrainage=pair, par=autre.user, donnees=donnees(pair))
    assert etat() == avant


def test_malformed_hours_are_refused(pair):
    for horaires, extrait in (
        ({"lundi": [["12:00", "09:00"]]}, "doit finir après son début"),
        ({"lundi": [["09:00", "12:00"], ["11:00", "14:00"]]}, "se chevauchent"),
        ({"jourdi": [["09:00", "12:00"]]}, "Jour inconnu"),
        ({"lundi": [["9h", "12h"]]}, "HH:MM"),
        ({}, "Indiquez les horaires de présence"),
        ("n'importe quoi", "jour par jour"),
    ):
        refuse(pair, "horaires", extrait, horaires=horaires)
