"""The charters' signatures live in ``mentorat.Partie`` (moved by the previous migration):
``Signature``, ``DemandeSignature`` and ``Charte.parties`` go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0019_charte_signatures_vers_parties"),
    ]

    operations = [
        migrations.DeleteModel(name="DemandeSignature"),
        migrations.DeleteModel(name="Signature"),
        migrations.RemoveField(model_name="charte", name="parties"),
    ]
