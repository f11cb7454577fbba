"""Schedule data retention (GDPR): every night at 3:30, see parrainages/retention.py."""

from django.db import migrations

NOM = "Conservation des données : comptes non vérifiés, avertissements, anonymisation"
TACHE = "parrainages.appliquer_retention"


def planifier(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nuit, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.update_or_create(
        name=NOM, defaults={"task": TACHE, "crontab": nuit, "interval": None}
    )


def retirer(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NOM).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mentorat", "0006_envois_index_allege"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, retirer)]
