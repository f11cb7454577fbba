"""Proposals sent before the outbox carried them were e-mailed at once: their mentor was told
when they were sent, and their answer delay keeps running from then."""

from django.db import migrations
from django.db.models import F


def dater(apps, schema_editor):
    Parrainage = apps.get_model("parrainages", "Parrainage")
    Parrainage.objects.filter(envoye_le__isnull=False, notifie_le__isnull=True).update(
        notifie_le=F("envoye_le")
    )


class Migration(migrations.Migration):
    dependencies = [("parrainages", "0014_envois_delivres")]

    operations = [migrations.RunPython(dater, migrations.RunPython.noop)]
