"""Schedule the reminders: planned each morning at 8:00, the outbox sent every 5 minutes."""

from django.db import migrations

TACHES = [
    ("Relances : préparation quotidienne", "parrainages.planifier_relances"),
    ("Relances : envoi des e-mails en attente", "parrainages.envoyer_relances"),
]


def planifier(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    matin, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    cinq_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TACHES[0][0], defaults={"task": TACHES[0][1], "crontab": matin, "interval": None}
    )
    PeriodicTask.objects.update_or_create(
        name=TACHES[1][0], defaults={"task": TACHES[1][1], "interval": cinq_minutes}
    )


def retirer(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[nom for nom, _ in TACHES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mentorat", "0004_envois_exactement_une_fois"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, retirer)]
