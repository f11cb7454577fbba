"""Immersions proposed before conventions existed: each gets its public identifier, a nature
from its programme, its tutor's name in the new columns, and a status of the new cycle.

A proposal never validated had none of what a convention needs (host company, SIRET,
parties, hours): it becomes a draft that staff complete and send for signature. A validated,
finished, refused or cancelled one keeps its status (validated under the former process:
no parties, no sealed PDF, which the catch-up leaves alone since it has no validation date).
"""

import uuid

from django.db import migrations

STATUTS = {
    "proposee": "brouillon",
    "validee": "validee",
    "terminee": "terminee",
    "refusee": "refusee",
    "annulee": "annulee",
}


def convertir(apps, schema_editor):
    Immersion = apps.get_model("parrainages", "Immersion")
    lignes = Immersion.objects.select_related("parrainage__programme").only(
        "pk", "statut", "tuteur", "parrainage__programme__public_eleves"
    )
    for immersion in lignes.iterator(chunk_size=500):
        immersion.uuid = uuid.uuid4()
        immersion.statut = STATUTS.get(immersion.statut, immersion.statut)
        immersion.nature = (
            "observation" if immersion.parrainage.programme.public_eleves else "pmsmp"
        )
        # The former free "tuteur" held a full name: kept whole as the family name, the only
        # column that may hold it all; staff split it when completing the convention.
        immersion.tuteur_nom = immersion.tuteur[:150]
        immersion.save(update_fields=["uuid", "statut", "nature", "tuteur_nom"])


def revenir(apps, schema_editor):
    Immersion = apps.get_model("parrainages", "Immersion")
    retour = {"brouillon": "proposee", "a_signer": "proposee", "partiellement_signee": "proposee"}
    retour |= {"a_valider": "proposee"}
    for immersion in Immersion.objects.only("pk", "statut", "tuteur_prenom", "tuteur_nom"):
        immersion.statut = retour.get(immersion.statut, immersion.statut)
        immersion.tuteur = " ".join(
            p for p in (immersion.tuteur_prenom, immersion.tuteur_nom) if p
        )[:200]
        immersion.save(update_fields=["statut", "tuteur"])


class Migration(migrations.Migration):
    dependencies = [("parrainages", "0022_immersion_convention")]

    operations = [migrations.RunPython(convertir, revenir)]
