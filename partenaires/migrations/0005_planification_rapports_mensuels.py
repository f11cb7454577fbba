"""Schedule the monthly convention reports (editable by staff in the admin).

Periodic tasks are now declared in mentorat/planification.py and written to the database by
``manage.py planifier_taches`` (run at each deployment): this migration, already applied on
existing databases, no longer does anything.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0004_rapports_et_parrains_apportes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
