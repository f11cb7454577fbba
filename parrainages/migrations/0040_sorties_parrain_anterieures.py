"""Outcomes a mentor declared before the confirmation rule (``0039``) keep counting as they did.

The rule (docs/indicateurs.md, « Situation déclarée par le parrain ») applies to declarations
made from now on. Taken back, those made before would drop out of figures already reported to
partners, and every such mentee would receive, at the next survey run, a questionnaire about a
pair ended long ago. They are recorded as confirmed at their own creation: the history says when
they were declared, and staff can still correct one in the admin.
"""

from django.db import migrations
from django.db.models import F


def reprendre(apps, schema_editor):
    Sortie = apps.get_model("parrainages", "Sortie")
    Sortie.objects.filter(source="parrain", confirmee_le__isnull=True).update(
        confirmee_le=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("parrainages", "0039_sortie_confirmee_le")]

    operations = [migrations.RunPython(reprendre, migrations.RunPython.noop)]
