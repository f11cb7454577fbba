"""The data every fuzzed form needs: people in each role, their objects and other people's."""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.contrib.auth.models import Group
from django.utils import timezone

from mentorat.comptes import compte_creer
from mentorat.models import User
from mentorat.roles import GESTIONNAIRE
from mentorat.signatures import lien_emettre, parties_de
from parrainages.models import Rencontre
from parrainages.services import charte_emettre
from parrainages.services.immersion import bilan_lien_emettre
from parrainages.services.mineurs import autorisation_demander
from tests.mentorat.factories import EmailAddressFactory, UserFactory, code_en_attente
from tests.parrainages.factories import (
    CandidatureFactory,
    FilleulFactory,
    ImmersionFactory,
    MineurFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
    RepresentantLegalFactory,
    partie_de,
)
from tests.partenaires.factories import (
    ConventionFactory,
    MembreFactory,
    ObjectifFactory,
    PartenaireFactory,
)
from tests.programmes.factories import (
    CommuneFactory,
    EvenementFactory,
    InscriptionFactory,
    ModeleCharteFactory,
    ProgrammeFactory,
)

MOT_DE_PASSE = "motdepasse-de-test"  # UserFactory's
CODE_SIGNATURE = "246810"


def _verifie(user):
    EmailAddressFactory(user=user)
    return user


def construire() -> SimpleNamespace:
    m = SimpleNamespace()
    maintenant = timezone.now()

    m.paris = CommuneFactory(
        code_insee="75119", nom="Paris", code_postal="75019", codes_postaux="75019"
    )
    m.toulouse = CommuneFactory(
        code_insee="31555",
        nom="Toulouse",
        code_postal="31000",
        codes_postaux="31000 31100 31200 31300 31400 31500",
        departement="31",
    )
    # Two communes of the same name: typing only the name is ambiguous.
    CommuneFactory(code_insee="93066", nom="Saint-Denis", code_postal="93200", departement="93")
    CommuneFactory(code_insee="97411", nom="Saint-Denis", code_postal="97400", departement="974")

    m.programme = ProgrammeFactory(slug="fuzz-a", offre_ponctuelle=True, offre_immersion=True)
    ModeleCharteFactory(programme=m.programme)
    m.programme_regulier = ProgrammeFactory(slug="fuzz-b")
    m.programme_brouillon = ProgrammeFactory(slug="fuzz-c", brouillon=True)

    # The mentor, their pairs, meetings, proposal and one-off action.
    m.parrain = ParrainFactory(
        user=_verifie(UserFactory()), commune=m.paris, capacite=4, offre_immersion=True
    )
    m.parrain.programmes.add(m.programme, m.programme_regulier)
    m.filleul = FilleulFactory(user=_verifie(UserFactory()), commune=m.paris)
    m.binome = ParrainageFactory(
        programme=m.programme, parrain=m.parrain, filleul=m.filleul, actif=True
    )
    m.charte = charte_emettre(parrainage=m.binome)
    # The job seekers' prescriber named in immersion conventions.
    m.prescripteur = PartenaireFactory(type="france_travail", nom="Agence France Travail Fuzz")
    # A pair in a programme without immersions (the portal offers no immersion form there).
    m.binome_regulier = ParrainageFactory(
        programme=m.programme_regulier, parrain=m.parrain, actif=True
    )
    m.rencontre_passee = RencontreFactory(
        parrainage=m.binome, debut=maintenant - dt.timedelta(days=2)
    )
    m.rencontre_future = RencontreFactory(parrainage=m.binome)
    # Proposed by the mentee, awaiting the mentor's answer.
    m.rencontre_proposee = RencontreFactory(
        parrainage=m.binome,
        debut=maintenant + dt.timedelta(days=5),
        statut=Rencontre.Statut.PROPOSEE,
        acceptee_le=maintenant,
        au_calendrier=False,
    )
    m.proposition = ParrainageFactory(programme=m.programme, parrain=m.parrain, attente=True)
    # Three mentors the mentee chooses among (``Programme.avis_filleul``), and another
    # mentee's option.
    m.programme_au_choix = ProgrammeFactory(slug="fuzz-choix", avis_filleul="choisir")
    m.options = [
        ParrainageFactory(
            programme=m.programme_au_choix, filleul=m.filleul, option=True, attente_filleul=True
        )
        for _ in range(3)
    ]
    m.option_ailleurs = ParrainageFactory(
        programme=m.programme_au_choix, option=True, attente_filleul=True
    )
    m.action = EvenementFactory(
        programme=m.programme,
        organisateur=m.parrain,
        publie=True,
        debut=maintenant - dt.timedelta(hours=3),
        fin=maintenant - dt.timedelta(hours=1),
    )
    m.inscriptions = [InscriptionFactory(evenement=m.action) for _ in range(3)]
    m.action_future = EvenementFactory(programme=m.programme, organisateur=m.parrain, publie=True)

    # Another mentor's pair, meeting and action: their ids must lead nowhere.
    m.autre_parrain = ParrainFactory(user=_verifie(UserFactory()))
    m.autre_parrain.programmes.add(m.programme_regulier)
    m.autre_binome = ParrainageFactory(programme=m.programme, parrain=m.autre_parrain, actif=True)
    m.autre_rencontre = RencontreFactory(
        parrainage=m.autre_binome, debut=maintenant - dt.timedelta(days=1)
    )
    m.autre_action = EvenementFactory(
        programme=m.programme,
        organisateur=m.autre_parrain,
        publie=True,
        debut=maintenant - dt.timedelta(hours=5),
        fin=maintenant - dt.timedelta(hours=4),
    )
    m.autres_inscriptions = [InscriptionFactory(evenement=m.autre_action) for _ in range(2)]

    # What the mentee sees: their programme's events, full ones, other programmes' ones.
    CandidatureFactory(filleul=m.filleul, programme=m.programme)
    m.evenement_ouvert = EvenementFactory(programme=m.programme, publie=True, places=5)
    m.evenement_complet = EvenementFactory(programme=m.programme, publie=True, places=1)
    InscriptionFactory(evenement=m.evenement_complet)
    m.evenement_inscrit = EvenementFactory(programme=m.programme, publie=True)
    InscriptionFactory(evenement=m.evenement_inscrit, filleul=m.filleul)
    m.evenement_ailleurs = EvenementFactory(programme=m.programme_regulier, publie=True)
    m.evenement_propose = EvenementFactory(programme=m.programme)
    m.evenement_passe = EvenementFactory(
        programme=m.programme,
        publie=True,
        debut=maintenant - dt.timedelta(days=3),
        fin=maintenant - dt.timedelta(days=3) + dt.timedelta(hours=2),
    )
    m.autre_filleul = FilleulFactory(user=_verifie(UserFactory()))

    # The charter: the mentee has a code waiting; the mentor has not signed yet.
    m.demande = code_en_attente(partie_de(m.charte, "filleul"), CODE_SIGNATURE)
    # A minor's charter: their guardian signs from a link of their own, a code waiting.
    m.representant = RepresentantLegalFactory()
    m.binome_mineur = ParrainageFactory(
        programme=m.programme, filleul=m.representant.filleul, actif=True
    )
    m.charte_mineur = charte_emettre(parrainage=m.binome_mineur)
    m.partie_representant = partie_de(m.charte_mineur, "representant_legal_1")
    m.lien_representant = lien_emettre(m.partie_representant)
    code_en_attente(m.partie_representant, CODE_SIGNATURE)

    # A minor's application waiting for their guardian, whose link is known and who has a
    # code waiting (a document of the signature machinery signed from a link).
    candidature_mineure = CandidatureFactory(
        filleul=MineurFactory(user=_verifie(UserFactory())),
        programme=m.programme,
        statut="attente_autorisation",
    )
    m.autorisation = autorisation_demander(candidature=candidature_mineure)
    m.partie_tuteur = parties_de(m.autorisation).get()
    m.jeton_tuteur = lien_emettre(m.partie_tuteur).rstrip("/").rsplit("/", 1)[1]
    code_en_attente(m.partie_tuteur, CODE_SIGNATURE)

    # An immersion convention of the pair, the mentor representing the host company: the
    # mentee and the mentor have a code waiting, the tutor signs from a link of their own (a
    # code waiting too). Another one, validated and ended, waits for its tutor's assessment.
    aujourd_hui = timezone.localdate()
    m.immersion = ImmersionFactory(
        parrainage=m.binome,
        prescripteur=m.prescripteur,
        entreprise_siret="44306184100047",
        date_debut=aujourd_hui + dt.timedelta(days=60),
        representant_est_parrain=True,
        representant_prenom=m.parrain.user.first_name,
        representant_nom=m.parrain.user.last_name,
        representant_email=m.parrain.user.email,
    )
    for partie in parties_de(m.immersion).exclude(role="prescripteur"):
        code_en_attente(partie, CODE_SIGNATURE)
    m.lien_tuteur = urlsplit(lien_emettre(parties_de(m.immersion).get(role="tuteur"))).path
    m.immersion_finie = ImmersionFactory(
        parrainage=m.binome,
        prescripteur=m.prescripteur,
        entreprise_siret="44306184100047",
        validee=True,
        date_debut=aujourd_hui - dt.timedelta(days=20),
        date_fin=aujourd_hui - dt.timedelta(days=8),
    )
    m.lien_bilan = urlsplit(bilan_lien_emettre(m.immersion_finie)).path
    m.autre_immersion = ImmersionFactory(parrainage=m.autre_binome)

    # Partners: a member of two partners, another partner, conventions active or not.
    m.membre = MembreFactory(user=_verifie(UserFactory()))
    m.partenaire = m.membre.partenaire
    m.partenaire_2 = MembreFactory(user=m.membre.user).partenaire
    m.autre_partenaire = PartenaireFactory()
    m.convention = ConventionFactory(partenaire=m.partenaire, active=True)
    m.convention.programmes.add(m.programme)
    ObjectifFactory(convention=m.convention)
    m.convention_brouillon = ConventionFactory(partenaire=m.partenaire)
    m.convention_autre = ConventionFactory(partenaire=m.autre_partenaire, active=True)

    # A person referred without an e-mail address (an account to claim), in an imported batch.
    from partenaires.models import ImportPrescriptions
    from partenaires.orientations import prescription_compte_creer

    m.lot = ImportPrescriptions.objects.create(
        partenaire=m.partenaire, programme=m.programme, par=m.membre.user, nom_fichier="a.csv"
    )
    m.prescription_compte = prescription_compte_creer(
        par=m.membre.user,
        partenaire=m.partenaire,
        programme=m.programme,
        donnees={
            "first_name": "Awa",
            "last_name": "Diop",
            "date_naissance": dt.date(2001, 5, 17),
            "telephone": "0612345678",
            "commune": m.paris,
            "qpv": "oui",
            "situation": "demandeur_emploi",
            "niveau_diplome": 3,
        },
        email="awa@exemple.fr",
        lot=m.lot,
    )
    from partenaires.orientations import _code_emettre, code_lisible

    m.code_reclamation = code_lisible(_code_emettre(m.prescription_compte, moyen="lettre")[1])
    m.autre_membre = MembreFactory(partenaire=m.autre_partenaire, user=_verifie(UserFactory()))

    # Round tables open to mentors and partner members (and one to mentees only, one in a
    # programme the partner does not work with, one full).
    tous = ["filleuls", "parrains", "partenaires"]
    m.table_ronde = EvenementFactory(
        programme=m.programme, type="table_ronde", publics=tous, publie=True, places=6
    )
    m.table_ronde_pleine = EvenementFactory(
        programme=m.programme, type="table_ronde", publics=tous, publie=True, places=1
    )
    InscriptionFactory(evenement=m.table_ronde_pleine)
    m.table_ronde_ailleurs = EvenementFactory(
        programme=m.programme_brouillon, publics=tous, publie=True
    )

    # People without a role yet, and a mentor invited by the team.
    m.sans_role = _verifie(UserFactory())
    m.invite = ParrainFactory(invite=True, user=UserFactory(password=None))
    m.invite.user.set_unusable_password()
    m.invite.user.save(update_fields=["password"])
    # A staff account opened in the admin, waiting for its owner to choose a password.
    m.compte_ouvert = compte_creer(
        user=User(email="recrue@ville.fr", first_name="Léa", last_name="Roux"),
        groupes=Group.objects.filter(name=GESTIONNAIRE),
        par=None,
    )
    return m
