"""Factories of the parrainages app. A status other than the default is a trait named after it
(``ParrainageFactory(actif=True)``, ``CandidatureFactory(retenue=True)``), which also fills
what that status implies (dates, reasons)."""

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from mentorat.models import Partie
from mentorat.signatures import partie_ajouter
from parrainages.models import (
    AutorisationParentale,
    Candidature,
    Charte,
    Filleul,
    Immersion,
    ImportParrains,
    MatchingRun,
    Parrain,
    Parrainage,
    Rencontre,
    RepresentantLegal,
    Sortie,
)
from parrainages.services import charte_parties
from programmes.models import Situation
from tests.mentorat.factories import UserFactory
from tests.programmes.factories import CommuneFactory, ModeleCharteFactory, ProgrammeFactory


class ParrainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parrain

    user = factory.SubFactory(UserFactory)
    entreprise = factory.Sequence(lambda n: f"Entreprise {n}")
    fonction = "Directrice des ressources humaines"
    capacite = 2
    statut = Parrain.Statut.ACTIF
    commune = factory.SubFactory(CommuneFactory)

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


class ImmersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Immersion

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    date_debut = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))
    date_fin = factory.LazyAttribute(lambda o: o.date_debut + dt.timedelta(days=14))
    lieu = "Siège, 10 rue de Rivoli, Paris"
    tuteur = "Mme Martin"
    objectifs = "Découvrir le métier de gestionnaire de paie."

    class Params:
        validee = factory.Trait(statut=Immersion.Statut.VALIDEE)
        refusee = factory.Trait(statut=Immersion.Statut.REFUSEE)
        terminee = factory.Trait(statut=Immersion.Statut.TERMINEE)
        annulee = factory.Trait(statut=Immersion.Statut.ANNULEE)


class SortieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sortie

    parrainage = factory.SubFactory(ParrainageFactory, actif=True)
    type = Sortie.Type.CDI
    date = factory.LazyFunction(timezone.localdate)


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
