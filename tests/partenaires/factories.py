"""Factories of the partenaires app. A status other than the default is a trait named after it
(``ConventionFactory(active=True)``), which also fills what that status implies."""

import datetime as dt

import factory
from django.utils import timezone

from partenaires.models import Convention, Membre, Objectif, Partenaire, Rapport
from tests.mentorat.factories import UserFactory


class PartenaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partenaire

    nom = factory.Sequence(lambda n: f"Mission locale {n}")
    type = Partenaire.Type.MISSION_LOCALE

    class Params:
        # A school in the priority-education network REP, with a UAI code whose key letter is
        # right (partenaires.uai).
        etablissement = factory.Trait(
            nom=factory.Sequence(lambda n: f"Collège n° {n}"),
            type=Partenaire.Type.ETABLISSEMENT_SCOLAIRE,
            uai=factory.Sequence(lambda n: _uai(630000 + n)),
            education_prioritaire="rep",
        )


def _uai(numero: int) -> str:
    from partenaires.uai import uai_cle

    chiffres = f"{numero:07d}"
    return chiffres + uai_cle(chiffres)


class MembreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membre

    partenaire = factory.SubFactory(PartenaireFactory)
    user = factory.SubFactory(UserFactory)


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    partenaire = factory.SubFactory(PartenaireFactory)
    reference = factory.Sequence(lambda n: f"CONV-2026-{n:04d}")
    titre = "Convention de partenariat"
    date_debut = dt.date(2026, 1, 1)
    date_fin = dt.date(2026, 12, 31)

    class Params:
        signee = factory.Trait(
            statut=Convention.Statut.SIGNEE, signee_le=factory.SelfAttribute("date_debut")
        )
        active = factory.Trait(
            statut=Convention.Statut.ACTIVE, signee_le=factory.SelfAttribute("date_debut")
        )
        terminee = factory.Trait(
            statut=Convention.Statut.TERMINEE, signee_le=factory.SelfAttribute("date_debut")
        )


class ObjectifFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objectif

    convention = factory.SubFactory(ConventionFactory)
    indicateur = Objectif.Indicateur.FILLEULS_ORIENTES
    valeur_cible = 50


class RapportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rapport

    convention = factory.SubFactory(ConventionFactory)
    periode_debut = dt.date(2026, 1, 1)
    periode_fin = dt.date(2026, 3, 31)

    class Params:
        en_cours = factory.Trait(
            statut=Rapport.Statut.EN_COURS,
            progression=5,
            demarre_le=factory.LazyFunction(timezone.now),
            battement_le=factory.SelfAttribute("demarre_le"),
        )
        pret = factory.Trait(
            statut=Rapport.Statut.PRET,
            progression=100,
            genere_le=factory.LazyFunction(timezone.now),
        )
        echec = factory.Trait(
            statut=Rapport.Statut.ECHEC, erreur="OSError : disque plein pendant la production"
        )


class PrescriptionFactory(factory.django.DjangoModelFactory):
    """A referral as the partner portal records it (no invitation e-mail)."""

    class Meta:
        model = "partenaires.Prescription"

    partenaire = factory.SubFactory(PartenaireFactory)
    conseiller = factory.SubFactory(UserFactory)
    programme = factory.SubFactory("tests.programmes.factories.ProgrammeFactory")
    prenom = "Camille"
    nom = factory.Sequence(lambda n: f"Durand {n}")
    email = factory.Sequence(lambda n: f"invitee{n}@exemple.fr")


class ParrainApporteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partenaires.ParrainApporte"

    partenaire = factory.SubFactory(PartenaireFactory)
    parrain = factory.SubFactory("tests.parrainages.factories.ParrainFactory")
