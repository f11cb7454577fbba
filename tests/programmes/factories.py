"""Factories of the programmes app. A status other than the default is a trait named after it
(``EvenementFactory(publie=True)``), which also fills what that status implies."""

import datetime as dt

import factory
from django.utils import timezone

from programmes.models import (
    Commune,
    Etape,
    Evenement,
    Inscription,
    ModeleCharte,
    Programme,
    QuartierPrioritaire,
    Ressource,
    Secteur,
    Structure,
)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code_insee",)

    code_insee = factory.Sequence(
        lambda n: f"75{101 + n % 20:03d}" if n < 20 else f"{1000 + n:05d}"
    )
    nom = factory.Sequence(lambda n: f"Commune {n}")
    code_postal = factory.Sequence(lambda n: f"{10000 + n:05d}")
    codes_postaux = factory.LazyAttribute(lambda o: o.code_postal)
    departement = factory.LazyAttribute(lambda o: o.code_insee[:2])
    latitude = 48.8566
    longitude = 2.3522


def secteur(code="G"):
    # The 14 domains come from a data migration, which a transactional test's flush empties.
    return Secteur.objects.get_or_create(code=code, defaults={"libelle": f"Domaine {code}"})[0]


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    nom = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    porteur = "Ville de Paris"
    accroche = "Un parrain ou une marraine pour retrouver un emploi."
    description = "Des professionnels RH accompagnent des demandeurs d'emploi."
    public_vise = "Demandeurs d'emploi de la ville."
    statut = Programme.Statut.OUVERT
    date_debut = dt.date(2026, 1, 1)
    cible_binomes = 100

    @factory.post_generation
    def structure(programme, create, extracted, **kwargs):
        """Run by the test city's structure, or by ``structure=<Structure>``, or by none
        (``structure=False``)."""
        if not create or extracted is False:
            return
        from tests.mentorat.factories import structure_de_la_ville

        (extracted or structure_de_la_ville()).programmes.add(programme)

    class Params:
        brouillon = factory.Trait(statut=Programme.Statut.BROUILLON)
        en_cours = factory.Trait(statut=Programme.Statut.EN_COURS)
        clos = factory.Trait(statut=Programme.Statut.CLOS)


class EtapeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Etape

    programme = factory.SubFactory(ProgrammeFactory)
    ordre = factory.Sequence(lambda n: n + 1)
    nom = factory.Sequence(lambda n: f"Étape {n}")


class ModeleCharteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModeleCharte

    programme = factory.SubFactory(ProgrammeFactory)
    version = factory.Sequence(lambda n: n + 1)
    titre = "Charte du parrainage"
    texte = "Le parrain {parrain} et le filleul {filleul} s'engagent dans {programme}."


PDF_MINIMAL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class RessourceFactory(factory.django.DjangoModelFactory):
    """A published link; ``avec_fichier=True``: a small PDF in the private storage instead
    (the test then asks for ``private_storage_dir``)."""

    class Meta:
        model = Ressource

    programme = factory.SubFactory(ProgrammeFactory)
    titre = factory.Sequence(lambda n: f"Guide du parrain {n}")
    type = Ressource.Type.GUIDE
    description = "Les bonnes pratiques de la première rencontre."
    lien = "https://www.exemple.fr/guide"
    ordre = factory.Sequence(lambda n: n)
    publiee = True

    class Params:
        avec_fichier = factory.Trait(
            lien="",
            fichier=factory.django.FileField(filename="guide.pdf", data=PDF_MINIMAL),
            fichier_format="pdf",
            fichier_taille=len(PDF_MINIMAL),
        )
        brouillon = factory.Trait(publiee=False)


class EvenementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evenement

    programme = factory.SubFactory(ProgrammeFactory)
    type = Evenement.Type.VISITE_ENTREPRISE
    titre = factory.Sequence(lambda n: f"Visite d'entreprise {n}")
    debut = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    fin = factory.LazyAttribute(lambda o: o.debut + dt.timedelta(hours=2))
    places = 12

    class Params:
        publie = factory.Trait(statut=Evenement.Statut.PUBLIE)
        annule = factory.Trait(statut=Evenement.Statut.ANNULE)
        termine = factory.Trait(
            statut=Evenement.Statut.TERMINE,
            debut=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7)),
        )


class InscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inscription

    """A mentee's registration by default; given ``parrain=`` or ``membre=`` (a partner
    member's account), that person's."""

    evenement = factory.SubFactory(EvenementFactory)
    parrain = None
    membre = None
    filleul = factory.Maybe(
        factory.LazyAttribute(lambda o: o.parrain is None and o.membre is None),
        yes_declaration=factory.SubFactory("tests.parrainages.factories.FilleulFactory"),
        no_declaration=None,
    )
    public = factory.LazyAttribute(
        lambda o: (
            Inscription.Public.PARRAINS
            if o.parrain is not None
            else Inscription.Public.PARTENAIRES
            if o.membre is not None
            else Inscription.Public.FILLEULS
        )
    )

    class Params:
        present = factory.Trait(statut=Inscription.Statut.PRESENT)
        absent = factory.Trait(statut=Inscription.Statut.ABSENT)
        annule = factory.Trait(statut=Inscription.Statut.ANNULE)


SECTEUR_CODES_LIBRES = "OPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"


class SecteurFactory(factory.django.DjangoModelFactory):
    """Extra sectors beyond the 14 ROME domains A–N (seeded by a migration), for volume tests."""

    class Meta:
        model = Secteur
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: SECTEUR_CODES_LIBRES[n % len(SECTEUR_CODES_LIBRES)])
    libelle = factory.Sequence(lambda n: f"Domaine {n}")


def qpv_echantillon_importer() -> int:
    """Import the shipped sample of real QPV 2024 perimeters (Strasbourg, Paris,
    Clermont-Ferrand, Pointe-à-Pitre); returns how many neighbourhoods."""
    from pathlib import Path

    from programmes.qpv import importer_qpv

    chemin = Path(__file__).parents[2] / "programmes" / "data" / "qpv_echantillon.geojson"
    return importer_qpv(chemin_ou_fichier=chemin).quartiers


def strasbourg():
    return CommuneFactory(
        code_insee="67482",
        nom="Strasbourg",
        code_postal="67000",
        codes_postaux="67000 67100 67200",
        departement="67",
        latitude=48.5712,
        longitude=7.7675,
    )


class QuartierPrioritaireFactory(factory.django.DjangoModelFactory):
    """A test neighbourhood (a small square, not an official perimeter)."""

    class Meta:
        model = QuartierPrioritaire
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"QN999{n % 100:02d}{'ABCDEFGHIJ'[n // 100 % 10]}")
    nom = factory.Sequence(lambda n: f"Quartier d'essai {n}")
    communes = "99901"
    departement = "999"
    geometrie = '{"type":"Polygon","coordinates":[[[1,1],[1,2],[2,2],[2,1],[1,1]]]}'
    lon_min, lon_max, lat_min, lat_max = 1.0, 2.0, 1.0, 2.0


class StructureFactory(factory.django.DjangoModelFactory):
    """A structure with no programme nor territory: give them (``programmes=[…]``,
    ``departements=[…]``, ``region=…``)."""

    class Meta:
        model = Structure
        skip_postgeneration_save = True

    nom = factory.Sequence(lambda n: f"Structure {n}")
    type = Structure.Type.MISSION_LOCALE

    @factory.post_generation
    def programmes(structure, create, extracted, **kwargs):
        if create and extracted:
            structure.programmes.add(*extracted)


def affecter(user, structure, role="coordinateur"):
    """Place ``user`` (staff) in ``structure`` with ``role``."""
    from programmes.models import Affectation

    return Affectation.objects.update_or_create(
        structure=structure, user=user, defaults={"role": role}
    )[0]
