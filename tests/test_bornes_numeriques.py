"""Every number a person types is bounded on the server, in the model as in the form."""

import pytest
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from tests.parrainages.factories import ParrainFactory

# Numbers the platform computes itself: counters, progress, scores, versions.
CALCULES = {
    "mentorat.Envoi.tentatives",
    "mentorat.CodeSignature.essais",
    # A document's row and a party's place in its list, written by the signature machinery.
    "mentorat.Partie.document_id",
    "mentorat.Partie.ordre",
    "parrainages.Parrainage.score",
    "parrainages.MatchingRun.progression",
    "parrainages.MatchingRun.filleuls",
    "parrainages.MatchingRun.parrains",
    "parrainages.MatchingRun.places",
    "parrainages.MatchingRun.propositions",
    "parrainages.MatchingRun.score_total",
    "parrainages.MatchingRun.score_moyen",
    "partenaires.Rapport.progression",
    "programmes.ModeleCharte.version",
    # A resource's file size, read from the file at upload.
    "programmes.Ressource.fichier_taille",
    "parrainages.Rencontre.sequence",
    # Coordinates are checked by database constraints and come from the communes import.
    "programmes.Commune.latitude",
    "programmes.Commune.longitude",
    # A priority neighbourhood's bounding box, computed from its perimeter by the QPV import.
    "programmes.QuartierPrioritaire.lon_min",
    "programmes.QuartierPrioritaire.lon_max",
    "programmes.QuartierPrioritaire.lat_min",
    "programmes.QuartierPrioritaire.lat_max",
}


def champs_numeriques():
    for app in ("mentorat", "programmes", "parrainages", "partenaires"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if (
                    isinstance(field, models.IntegerField | models.FloatField)
                    and not field.primary_key
                    and not field.is_relation
                    and not field.choices
                ):
                    yield f"{app}.{model.__name__}.{field.name}", field


def test_every_typed_number_has_bounds_in_the_model():
    sans_bornes = []
    for nom, field in champs_numeriques():
        if nom in CALCULES:
            continue
        types = {type(v) for v in field.validators}
        if not {MinValueValidator, MaxValueValidator} <= types:
            sans_bornes.append(nom)
    assert sans_bornes == []


def test_the_list_of_computed_numbers_is_current():
    assert {nom for nom, _ in champs_numeriques()} >= CALCULES


@pytest.mark.django_db
def test_a_mentor_cannot_post_a_capacity_past_the_forms_limit(client):
    parrain = ParrainFactory(capacite=2)
    client.force_login(parrain.user)
    url = reverse("parrain:profil")
    page = client.get(url).content.decode()
    assert 'name="capacite"' in page and 'max="10"' in page
    response = client.post(
        url,
        {
            "entreprise": parrain.entreprise,
            "fonction": parrain.fonction,
            "annees_experience": "12",
            "commune": f"{parrain.commune.nom} ({parrain.commune.code_postal})",
            "offre_reguliere": "on",
            "capacite": "32767",
            "disponibilites": ["lun_soir"],
            "distanciel_accepte": "on",
        },
    )
    assert response.status_code == 200
    assert "inférieure ou égale à 10" in response.content.decode()
    parrain.refresh_from_db()
    assert parrain.capacite == 2
