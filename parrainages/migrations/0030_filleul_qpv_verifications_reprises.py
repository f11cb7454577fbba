"""Staff's earlier checks of a declared priority neighbourhood (« confirmé », « infirmé ») become
the team's decision on the result from the address, so that eligibility reads one result."""

from django.db import migrations

MOTIF = "Vérification faite par l'équipe avant le calcul par l'adresse (reprise automatique)."
SOURCE = "équipe (vérification antérieure)"


def reprendre(apps, schema_editor):
    Filleul = apps.get_model("parrainages", "Filleul")
    for statut, resultat in (("confirme", "dans"), ("infirme", "hors")):
        Filleul.objects.filter(qpv=statut, qpv_origine="").update(
            qpv_resultat=resultat, qpv_origine="equipe", qpv_source=SOURCE, qpv_motif=MOTIF
        )


def annuler(apps, schema_editor):
    Filleul = apps.get_model("parrainages", "Filleul")
    Filleul.objects.filter(qpv_origine="equipe", qpv_motif=MOTIF).update(
        qpv_resultat="indetermine", qpv_origine="", qpv_source="", qpv_motif=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0029_filleul_adresse_qpv"),
    ]

    operations = [migrations.RunPython(reprendre, annuler)]
