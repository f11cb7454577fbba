"""The programmes that already select through a selection week count their outcomes over the
cohort; going back, the outcomes of applications (people without a pair) cannot be kept: a
sortie then needs a pair again."""

from django.db import migrations

INVITEE_SELECTION = "invitee_selection"


def cohortes_marquer(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    EvenementCandidature = apps.get_model("parrainages", "EvenementCandidature")
    Candidature = apps.get_model("parrainages", "Candidature")
    invites = set(
        EvenementCandidature.objects.filter(statut=INVITEE_SELECTION).values_list(
            "candidature__programme_id", flat=True
        )
    ) | set(
        Candidature.objects.filter(statut=INVITEE_SELECTION).values_list("programme_id", flat=True)
    )
    Programme.objects.filter(pk__in=invites).update(sorties_sur_la_cohorte=True)


def cohortes_oublier(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    Sortie = apps.get_model("parrainages", "Sortie")
    Sortie.objects.filter(parrainage__isnull=True).delete()
    Programme.objects.filter(sorties_sur_la_cohorte=True).update(sorties_sur_la_cohorte=False)


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0032_sorties_des_candidatures"),
        ("programmes", "0010_sorties_sur_la_cohorte"),
    ]

    operations = [migrations.RunPython(cohortes_marquer, cohortes_oublier)]
