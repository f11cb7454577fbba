"""Schedule the monthly convention reports (editable by staff in the admin).

The task runs every morning and creates the previous month's report of each active convention
only when it does not exist yet: a missed day is caught up the next one, and a second run (two
beats, a retry) creates nothing.
"""

from django.db import migrations

NOM = "Rapports mensuels des conventions"


def planifier(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    chaque_matin, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.update_or_create(
        name=NOM,
        defaults={
            "task": "partenaires.rapports_mensuels",
            "crontab": chaque_matin,
            "interval": None,
        },
    )


def retirer(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NOM).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0004_rapports_et_parrains_apportes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, retirer)]
