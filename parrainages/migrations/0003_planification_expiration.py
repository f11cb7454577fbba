"""Schedule the hourly expiry of unanswered proposals (editable by staff in the admin).

Periodic tasks are now declared in mentorat/planification.py and written to the database by
``manage.py planifier_taches`` (run at each deployment): this migration, already applied on
existing databases, no longer does anything.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
