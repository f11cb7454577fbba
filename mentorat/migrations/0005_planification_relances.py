"""Schedule the reminders: planned each morning at 8:00, the outbox sent every 5 minutes.

Periodic tasks are now declared in mentorat/planification.py and written to the database by
``manage.py planifier_taches`` (run at each deployment): this migration, already applied on
existing databases, no longer does anything.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mentorat", "0004_envois_exactement_une_fois"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
