"""Factories of the parrainages app. A status other than the default is a trait named after it
(``ParrainageFactory(actif=True)``, ``CandidatureFactory(retenue=True)``), which also fills
what that status implies (dates, reasons)."""

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from mentorat.models import Partie
from mentorat.signatures import partie_ajouter
from parrainages.immersion_horaires import JOURS
from parrainages.models import (
    AutorisationParentale,
    BilanImmersion,
    Candidature,
    Charte,
    CritereEvaluation,
    EvaluateurInvite,
    EvenementCandidature,
    Filleul,
    Immersion,
    ImportParrains,
    MatchingRun,
    MotifRefus,
    ObjectifBinome,
    Parrain,
    Parrainage,
    ParticipationSelection,
    PointEtape,
    Rencontre,
    RepresentantLegal,
    SessionSelection,
    Sortie,
)
from parrainages.services import charte_parties
from parrainages.services.immersion import immersion_texte, parties_synchroniser
from parrainages.services.selection import participants_inviter, session_enregistrer
from programmes.models import Situation
from tests.mentorat.factories import UserFactory
from tests.programmes.factories import CommuneFactory, ModeleCharteFactory, ProgrammeFactory


class ParrainFactory(factory.django.DjangoModelFactory):
    """A mentor of no programme yet, unless ``programmes=[…]`` is given."""

    class Meta:
        model = Parrain
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    entreprise = factory.Sequence(lambda n: f"Entreprise {n}")
    fonction = "Directrice des ressources humaines"
    capacite = 2
    statut = Parrain.Statut.ACTIF
    commune = factory.SubFactory(CommuneFactory)

    @factory.post_generation
    def programmes(parrain, create, extracted, **kwargs):
        if create and extracted:
            parrain.programmes.add(*extracted)

    class Params:
        invite = factory.Trait(statut=Parrain.Statut.INVITE)
        a_valider = factory.Trait(statut=Parrain.Statut.A_VALIDER)
        pause = factory.Trait(statut=Parrain.Statut.PAUSE)
        inactif = factory.Trait(statut=Parrain.Statut.INACTIF)


class FilleulFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Filleul

    user = factory.SubFactory(UserFactory)
    date_naissance = dt.date(2000, 5, 17)
    commune = factory.SubFactory(CommuneFactory)
    situation = Situation.DEMANDEUR_EMPLOI
    niveau_diplome = 4

    class Params:
        # Fifteen today: a pupil in 3e, whose legal guardians sign with them.
        mineur = factory.Trait(
            date_naissance=factory.LazyFunction(
                lambda: timezone.localdate().replace(day=1) - dt.timedelta(days=15 * 365)
            )
        )


def _il_y_a_ans(ans):
    """A birth date making a person ``ans`` years old today (their birthday was a month ago)."""

    def naissance():
        jour = timezone.localdate() - dt.timedelta(days=30)
        try:
            return jour.replace(year=jour.year - ans)
        except ValueError:  # 29 February
            return jour.replace(year=jour.year - ans, day=28)

    return factory.LazyFunction(naissance)


class MineurFactory(FilleulFactory):
    """A 14-year-old pupil with one legal guardian (their mother)."""

    class Meta:
        skip_postgeneration_save = True

    date_naissance = _il_y_a_ans(14)
    situation = Situation.ELEVE_3E_REP
    niveau_diplome = 0
    classe = "3e B"
    representant = factory.RelatedFactory(
        "tests.parrainages.factories.RepresentantLegalFactory", factory_related_name="filleul"
    )


class RepresentantLegalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepresentantLegal

    filleul = factory.SubFactory(FilleulFactory, date_naissance=_il_y_a_ans(14))
    prenom = "Nadia"
    nom = factory.Sequence(lambda n: f"Parent{n}")
    lien = RepresentantLegal.Lien.MERE
    email = factory.Sequence(lambda n: f"parent{n}@exemple.fr")
    telephone = "0611223344"


class CandidatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidature

    filleul = factory.SubFactory(FilleulFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    eligible = True

    class Params:
        en_etude = factory.Trait(
            statut=Candidature.Statut.EN_ETUDE, decidee_le=factory.LazyFunction(timezone.now)
        )
        retenue = factory.Trait(
            statut=Candidature.Statut.RETENUE, decidee_le=factory.LazyFunction(timezone.now)
        )
        refusee = factory.Trait(
            statut=Candidature.Statut.REFUSEE,
            decidee_le=factory.LazyFunction(timezone.now),
            motif_refus="Le programme vise les personnes de moins de 26 ans.",
        )
        desistee = factory.Trait(statut=Candidature.Statut.DESISTEE)


class MotifRefusFactory(factory.django.DjangoModelFactory):
    """A reason of the list (the list is seeded by a migration: these come on top)."""

    class Meta:
        model = MotifRefus

    libelle = factory.Sequence(lambda n: f"Motif {n}")
    texte_candidat = "Votre candidature n'a pas été retenue pour cette session."
    ordre = factory.Sequence(lambda n: 100 + n)


class EvenementCandidatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvenementCandidature

    candidature = factory.SubFactory(CandidatureFactory)
    statut = Candidature.Statut.DEPOSEE
    texte_candidat = "Nous avons bien reçu votre candidature."


def _il_y_a(jours):
    return factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=jours))


class AutorisationParentaleFactory(factory.django.DjangoModelFactory):
    """A consent asked for a minor's application, its text frozen (no party called: use the
    service ``autorisation_demander`` for the whole flow)."""

    class Meta:
        model = AutorisationParentale

    candidature = factory.SubFactory(
        "tests.parrainages.factories.CandidatureFactory",
        filleul=factory.SubFactory(MineurFactory),
        statut=Candidature.Statut.ATTENTE_AUTORISATION,
    )
    texte = "Texte figé de l'autorisation parentale."
    texte_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.texte.encode()).hexdigest())

    class Params:
        accordee = factory.Trait(
            statut=AutorisationParentale.Statut.ACCORDEE,
            accordee_le=factory.LazyFunction(timezone.now),
        )


def _dans(jours):
    return factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=jours))


class ParrainageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parrainage

    programme = factory.SubFactory(ProgrammeFactory)
    parrain = factory.SubFactory(ParrainFactory)
    filleul = factory.SubFactory(FilleulFactory)
    statut = Parrainage.Statut.PROPOSITION

    class Params:
        actif = factory.Trait(
            statut=Parrainage.Statut.ACTIF,
            date_debut=_il_y_a(30),
            date_fin_prevue=_dans(150),
        )
        decline = factory.Trait(
            statut=Parrainage.Statut.DECLINE,
            repondu_le=factory.LazyFunction(timezone.now),
            motif_declin="Pas disponible ces prochains mois.",
        )
        expire = factory.Trait(statut=Parrainage.Statut.EXPIRE)
        annule = factory.Trait(statut=Parrainage.Statut.ANNULE)
        termine = factory.Trait(
            statut=Parrainage.Statut.TERMINE,
            date_debut=_il_y_a(200),
            date_fin_prevue=factory.LazyAttribute(lambda o: o.date_debut + dt.timedelta(180)),
            date_fin=factory.SelfAttribute("date_fin_prevue"),
        )
        interrompu = factory.Trait(
            statut=Parrainage.Statut.INTERROMPU,
            date_debut=_il_y_a(200),
            date_fin_prevue=factory.LazyAttribute(lambda o: o.date_debut + dt.timedelta(220)),
            date_fin=factory.LazyAttribute(lambda o: o.date_debut + dt.timedelta(140)),
            motif_fin="Le filleul a déménagé.",
        )
        # Waiting for the mentee's answer (``Programme.avis_filleul``); with ``option=True``,
        # one of the options they choose among.
        attente_filleul = factory.Trait(
            statut=Parrainage.Statut.ATTENTE_FILLEUL,
            soumis_au_filleul_le=factory.LazyFunction(timezone.now),
            raisons=["même secteur : Commerce — 35 points", "4 km — 20 points"],
        )
        # Sent to the mentor, whose e-mail was delivered at once (see ``proposition_notifiee``).
        attente = factory.Trait(
            statut=Parrainage.Statut.ATTENTE_PARRAIN,
            envoye_le=factory.LazyFunction(timezone.now),
            notifie_le=factory.SelfAttribute("envoye_le"),
        )


class RencontreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rencontre

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    debut = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    sujet = "Préparer un entretien"

    class Params:
        tenue = factory.Trait(
            statut=Rencontre.Statut.TENUE,
            debut=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3)),
        )
        annulee = factory.Trait(statut=Rencontre.Statut.ANNULEE)


SIRET_VALIDE = "73282932000074"
HORAIRES_35H = {j: [["09:00", "12:30"], ["13:30", "17:00"]] for j in JOURS[:5]}


def _parties_poser(immersion, create, extracted, **kwargs):
    """A convention as the services leave it: its text frozen, its parties called, signed as
    far as its status says (``parties=False``: none, as a draft)."""
    if not create or extracted is False or immersion.statut == Immersion.Statut.BROUILLON:
        return
    immersion.texte = immersion_texte(immersion)
    immersion.texte_sha256 = hashlib.sha256(immersion.texte.encode()).hexdigest()
    immersion.save(update_fields=["texte", "texte_sha256"])
    parties_synchroniser(immersion)
    parties = Partie.objects.du_document(immersion).order_by("ordre", "pk")
    S = Immersion.Statut
    signees = {
        S.PARTIELLEMENT_SIGNEE: parties[:1],
        S.A_VALIDER: parties,
        S.VALIDEE: parties,
        S.TERMINEE: parties,
    }.get(immersion.statut)
    if signees is not None:
        Partie.objects.filter(pk__in=[p.pk for p in signees]).update(
            signee_le=timezone.now() - dt.timedelta(days=1),
            methode=Partie.Methode.CODE_EMAIL,
            texte_sha256=immersion.texte_sha256,
        )
    if immersion.statut == S.REFUSEE:
        Partie.objects.filter(pk=parties[len(parties) - 1].pk).update(
            refusee_le=immersion.refusee_le, motif_refus=immersion.motif_refus
        )


class ImmersionFactory(factory.django.DjangoModelFactory):
    """A PMSMP convention complete and within every limit, sent for signature (its parties
    called); ``observation=True`` makes a pupil's observation sequence instead."""

    class Meta:
        model = Immersion
        skip_postgeneration_save = True

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    date_debut = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))
    date_fin = factory.LazyAttribute(lambda o: o.date_debut + dt.timedelta(days=14))
    objet = Immersion.Objet.CONFIRMER
    objectifs = "Confirmer le projet de gestionnaire de paie : saisie, contrôle, dialogue."
    metier_code = "M1501"
    metier_libelle = "Gestionnaire de paie"
    entreprise_nom = "Entreprise d'accueil"
    entreprise_siret = SIRET_VALIDE
    entreprise_adresse = "10 rue de Rivoli, 75004 Paris"
    lieu = "Siège, 10 rue de Rivoli, Paris"
    representant_prenom = "Hélène"
    representant_nom = "Durand"
    representant_fonction = "Directrice des ressources humaines"
    representant_email = factory.Sequence(lambda n: f"representant{n}@entreprise.example")
    tuteur_prenom = "Marc"
    tuteur_nom = "Martin"
    tuteur_fonction = "Responsable paie"
    tuteur_email = factory.Sequence(lambda n: f"tuteur{n}@entreprise.example")
    tuteur_telephone = "0601020304"
    prescripteur = factory.SubFactory(
        "tests.partenaires.factories.PartenaireFactory", type="france_travail"
    )
    conseiller_prenom = "Sonia"
    conseiller_nom = "Lefèvre"
    conseiller_fonction = "Conseillère emploi"
    conseiller_email = factory.Sequence(lambda n: f"conseillere{n}@francetravail.example")
    horaires = factory.LazyFunction(
        lambda: {j: [list(p) for p in v] for j, v in HORAIRES_35H.items()}
    )
    activites = "Saisie des variables de paie, contrôle des bulletins, échanges avec l'équipe."
    competences = "Saisir les variables de paie\nContrôler un bulletin\nTravailler en équipe"
    risques = "Travail sur écran : pauses régulières."
    urgence_nom = "Nadia Benali"
    urgence_telephone = "0611223344"
    statut = Immersion.Statut.A_SIGNER
    soumise_le = factory.LazyFunction(timezone.now)
    parties = factory.PostGeneration(_parties_poser)

    class Params:
        brouillon = factory.Trait(statut=Immersion.Statut.BROUILLON, soumise_le=None)
        partiellement_signee = factory.Trait(statut=Immersion.Statut.PARTIELLEMENT_SIGNEE)
        a_valider = factory.Trait(
            statut=Immersion.Statut.A_VALIDER, signee_le=factory.LazyFunction(timezone.now)
        )
        validee = factory.Trait(
            statut=Immersion.Statut.VALIDEE,
            signee_le=factory.LazyFunction(timezone.now),
            valide_le=factory.LazyFunction(timezone.now),
        )
        terminee = factory.Trait(
            statut=Immersion.Statut.TERMINEE,
            date_debut=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=20)),
            signee_le=factory.LazyFunction(timezone.now),
            valide_le=factory.LazyFunction(timezone.now),
        )
        refusee = factory.Trait(
            statut=Immersion.Statut.REFUSEE,
            refusee_le=factory.LazyFunction(timezone.now),
            refusee_par="Tuteur ou tutrice — Marc Martin",
            motif_refus="Les horaires ne conviennent pas.",
        )
        annulee = factory.Trait(
            statut=Immersion.Statut.ANNULEE,
            annulee_le=factory.LazyFunction(timezone.now),
            motif_annulation="L'entreprise ne peut plus accueillir.",
        )
        observation = factory.Trait(
            nature=Immersion.Nature.OBSERVATION,
            parrainage=factory.SubFactory(
                ParrainageFactory,
                actif=True,
                programme__public_eleves=True,
                filleul=factory.SubFactory("tests.parrainages.factories.EleveFactory"),
            ),
            prescripteur=factory.SelfAttribute("parrainage.filleul.etablissement"),
            date_fin=factory.LazyAttribute(lambda o: o.date_debut + dt.timedelta(days=4)),
            horaires=factory.LazyFunction(
                lambda: {j: [["09:00", "12:00"], ["13:30", "16:30"]] for j in JOURS[:5]}
            ),
            objet="",
            metier_code="",
            conseiller_prenom="",
            conseiller_nom="",
            conseiller_fonction="",
            conseiller_email="",
            chef_etablissement_prenom="Claire",
            chef_etablissement_nom="Morel",
            chef_etablissement_email=factory.Sequence(lambda n: f"principal{n}@college.example"),
            enseignant_prenom="Paul",
            enseignant_nom="Roux",
            enseignant_email=factory.Sequence(lambda n: f"professeur{n}@college.example"),
            activites="Observer l'accueil des clients et découvrir les métiers de l'atelier.",
            sans_travaux_dangereux=True,
        )


class EleveFactory(FilleulFactory):
    """A 3e pupil in a priority-education school, with one legal guardian."""

    class Meta:
        skip_postgeneration_save = True

    date_naissance = factory.LazyFunction(
        lambda: timezone.localdate().replace(year=timezone.localdate().year - 14, day=1)
    )
    situation = Situation.ELEVE_3E_REP
    niveau_diplome = 0
    classe = "3e B"
    etablissement = factory.SubFactory(
        "tests.partenaires.factories.PartenaireFactory",
        type="etablissement_scolaire",
        nom=factory.Sequence(lambda n: f"Collège Jules Ferry {n}"),
    )
    representant = factory.RelatedFactory(RepresentantLegalFactory, factory_related_name="filleul")


class BilanImmersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BilanImmersion

    immersion = factory.SubFactory(ImmersionFactory, terminee=True)
    jours_presence = 10
    jours_absence = 1
    competences = factory.LazyAttribute(
        lambda o: [
            {"competence": c, "niveau": BilanImmersion.Niveau.ACQUISE}
            for c in o.immersion.liste_competences()
        ]
    )
    issue = BilanImmersion.Issue.EMBAUCHE
    commentaire = "Très impliqué."
    rempli_par = "Marc Martin, Entreprise d'accueil"


class ObjectifBinomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ObjectifBinome

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    libelle = factory.Sequence(lambda n: f"Objectif {n}")
    ecrit_par = ObjectifBinome.Auteur.FILLEUL


class PointEtapeFactory(factory.django.DjangoModelFactory):
    """A check-in answer (the mentee's first round, satisfied); ``alerte=True``: a low score
    asking for the team."""

    class Meta:
        model = PointEtape

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    role = PointEtape.Role.FILLEUL
    tour = 1
    satisfaction = 4
    utile = PointEtape.Utilite.OUI

    class Params:
        alerte = factory.Trait(satisfaction=2, parler_equipe=True)


class SortieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sortie

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    type = Sortie.Type.CDI
    date = factory.LazyFunction(timezone.localdate)


class SortieCandidatureFactory(SortieFactory):
    """The outcome of a person without a pair: on their (retained) application."""

    parrainage = None
    candidature = factory.SubFactory(CandidatureFactory, retenue=True)
    source = Sortie.Source.EQUIPE


class CharteFactory(factory.django.DjangoModelFactory):
    """A charter with its parties called to sign as ``charte_emettre`` calls them (signed when
    the charter is); ``parties=False``: none."""

    class Meta:
        model = Charte
        skip_postgeneration_save = True

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    modele = factory.SubFactory(
        ModeleCharteFactory, programme=factory.SelfAttribute("..parrainage.programme")
    )
    texte = "Texte figé de la charte."
    texte_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.texte.encode()).hexdigest())

    class Params:
        signee = factory.Trait(
            statut=Charte.Statut.SIGNEE, signee_le=factory.LazyFunction(timezone.now)
        )
        annulee = factory.Trait(
            statut=Charte.Statut.ANNULEE,
            annulee_le=factory.LazyFunction(timezone.now),
            motif_annulation="Charte émise par erreur.",
        )

    @factory.post_generation
    def parties(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        le = timezone.localdate(obj.emise_le)
        for spec in charte_parties(parrainage=obj.parrainage, le=le):
            partie = partie_ajouter(document=obj, **spec)
            if obj.statut == Charte.Statut.SIGNEE:
                Partie.objects.filter(pk=partie.pk).update(
                    signee_le=obj.signee_le,
                    methode=Partie.Methode.CODE_EMAIL,
                    texte_sha256=obj.texte_sha256,
                )


def signer(partie, **champs):
    """Record ``partie``'s signature as the machinery would (without the code)."""
    champs = {
        "signee_le": timezone.now(),
        "methode": "code_email",
        "adresse_ip": "203.0.113.9",
        "user_agent": "Mozilla/5.0 (Linux; Android 14)",
        "texte_sha256": partie.document.texte_sha256,
        **champs,
    }
    for champ, valeur in champs.items():
        setattr(partie, champ, valeur)
    partie.save(update_fields=list(champs))
    return partie


def partie_de(charte, role):
    return Partie.objects.du_document(charte).get(role=role)


class MatchingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchingRun

    programme = factory.SubFactory(ProgrammeFactory)
    statut = MatchingRun.Statut.TERMINE
    progression = 100
    propositions = 3
    score_total = 210
    score_moyen = 70.0
    non_apparies = factory.LazyFunction(lambda: [[1, "aucun parrain à moins de 30 km"]])

    class Params:
        en_attente = factory.Trait(statut=MatchingRun.Statut.EN_ATTENTE, progression=0)
        en_cours = factory.Trait(
            statut=MatchingRun.Statut.EN_COURS,
            progression=40,
            debut=factory.LazyFunction(timezone.now),
        )
        echoue = factory.Trait(
            statut=MatchingRun.Statut.ECHOUE, erreur="MemoryError : mémoire épuisée"
        )


class ImportParrainsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportParrains

    nom_fichier = factory.Sequence(lambda n: f"parrains-{n}.csv")
    programme = factory.SubFactory(ProgrammeFactory)
    lance_par = factory.SubFactory(UserFactory)
    statut = ImportParrains.Statut.TERMINE
    total = 12
    traitees = 12


# --- The selection step (parrainages.models.selection) ---------------------------------------


class CritereEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CritereEvaluation

    programme = factory.SubFactory(ProgrammeFactory)
    libelle = factory.Sequence(lambda n: f"Critère {n}")
    note_min = 1
    note_max = 4
    ordre = factory.Sequence(lambda n: n)


class SessionSelectionFactory(factory.django.DjangoModelFactory):
    """A bare session row (no half-days): for the status machine's tests."""

    class Meta:
        model = SessionSelection

    programme = factory.SubFactory(ProgrammeFactory)
    titre = "Semaine de mobilisation"
    date_debut = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    date_fin = factory.LazyAttribute(lambda o: o.date_debut + dt.timedelta(days=4))
    adresse = "12 rue du Jeu-des-Enfants, Strasbourg"
    capacite = 10


def session_selection(**champs) -> SessionSelection:
    """A session made as staff make it (half-days generated): starting in a week by default,
    five days, 10 places."""
    debut = champs.pop("date_debut", timezone.localdate() + dt.timedelta(days=7))
    valeurs = {
        "programme": champs.pop("programme", None) or ProgrammeFactory(),
        "titre": "Semaine de mobilisation",
        "date_debut": debut,
        "date_fin": champs.pop("date_fin", debut + dt.timedelta(days=4)),
        "adresse": "12 rue du Jeu-des-Enfants, Strasbourg",
        "capacite": 10,
        **champs,
    }
    return session_enregistrer(session=SessionSelection(**valeurs))


def candidature_invitee(session, **champs) -> ParticipationSelection:
    """An application of the session's programme, invited to it (through the service)."""
    candidature = CandidatureFactory(programme=session.programme, en_etude=True, **champs)
    return participants_inviter(session=session, candidatures=[candidature], par=None)[0]


class EvaluateurInviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluateurInvite

    prenom = "Claire"
    nom = factory.Sequence(lambda n: f"Manager{n}")
    entreprise = "Entreprise Exemple"
    email = factory.Sequence(lambda n: f"manager{n}@exemple.fr")
