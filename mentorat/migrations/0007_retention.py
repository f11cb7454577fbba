"""Schedule data retention (GDPR): every night at 3:30, see parrainages/retention.py.

Periodic tasks are now declared in mentorat/planification.py and written to the database by
``manage.py planifier_taches`` (run at each deployment): this migration, already applied on
existing databases, no longer does anything.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mentorat", "0006_envois_index_allege"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
