"""Schedule the catch-up of reports whose production was lost (every 15 minutes).

Periodic tasks are now declared in mentorat/planification.py and written to the database by
``manage.py planifier_taches`` (run at each deployment): this migration, already applied on
existing databases, no longer does anything.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0005_planification_rapports_mensuels"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
