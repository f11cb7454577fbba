"""Indexes on the default ordering of the big tables, with the id as tie-break.

The admin changelists sort by the model's ordering plus ``-pk`` and show 100 rows: with these
indexes PostgreSQL reads those rows in order instead of sorting the whole table (1,000,000
meetings, 200,000 mentees…), and the date hierarchy's MIN/MAX become index lookups. Pairs are
also indexed by status then proposal date: the status is their changelist's usual filter.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0006_appariements"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="candidature",
            index=models.Index(fields=["created_at", "id"], name="candidature_created_id_idx"),
        ),
        migrations.AddIndex(
            model_name="filleul",
            index=models.Index(fields=["created_at", "id"], name="filleul_created_at_id_idx"),
        ),
        migrations.AddIndex(
            model_name="parrain",
            index=models.Index(fields=["created_at", "id"], name="parrain_created_at_id_idx"),
        ),
        migrations.AddIndex(
            model_name="parrainage",
            index=models.Index(fields=["propose_le", "id"], name="parrainage_propose_le_id_idx"),
        ),
        migrations.AddIndex(
            model_name="parrainage",
            index=models.Index(
                fields=["statut", "propose_le"], name="parrainage_statut_propose_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="rencontre",
            index=models.Index(fields=["debut", "id"], name="rencontre_debut_id_idx"),
        ),
    ]
