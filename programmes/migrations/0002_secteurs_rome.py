"""The 14 "grands domaines" of the ROME (répertoire opérationnel des métiers et des emplois)."""

from django.db import migrations

SECTEURS = [
    ("A", "Agriculture et pêche, espaces naturels et espaces verts, soins aux animaux"),
    ("B", "Arts et façonnage d'ouvrages d'art"),
    ("C", "Banque, assurance, immobilier"),
    ("D", "Commerce, vente et grande distribution"),
    ("E", "Communication, média et multimédia"),
    ("F", "Construction, bâtiment et travaux publics"),
    ("G", "Hôtellerie-restauration, tourisme, loisirs et animation"),
    ("H", "Industrie"),
    ("I", "Installation et maintenance"),
    ("J", "Santé"),
    ("K", "Services à la personne et à la collectivité"),
    ("L", "Spectacle"),
    ("M", "Support à l'entreprise"),
    ("N", "Transport et logistique"),
]


def charger(apps, schema_editor):
    Secteur = apps.get_model("programmes", "Secteur")
    for code, libelle in SECTEURS:
        Secteur.objects.update_or_create(code=code, defaults={"libelle": libelle})


def retirer(apps, schema_editor):
    apps.get_model("programmes", "Secteur").objects.filter(
        code__in=[c for c, _ in SECTEURS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]

    operations = [migrations.RunPython(charger, retirer)]
