import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """``MatchingRun.cree_le`` and ``DemandeSignature.creee_le`` are called ``created_at``, like
    every row's creation date; the columns keep their names (renaming a column takes two
    releases, see docs/deploiement.md), and so do the indexes, named after the columns."""

    dependencies = [
        ("parrainages", "0016_imports_de_parrains"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="matchingrun", name="parrainages_program_165e8c_idx"
                ),
                migrations.RenameField(
                    model_name="matchingrun", old_name="cree_le", new_name="created_at"
                ),
                migrations.AlterField(
                    model_name="matchingrun",
                    name="created_at",
                    field=models.DateTimeField(
                        db_column="cree_le",
                        default=django.utils.timezone.now,
                        verbose_name="lancé le",
                    ),
                ),
                migrations.AlterModelOptions(
                    name="matchingrun",
                    options={
                        "ordering": ["-created_at"],
                        "verbose_name": "appariement",
                        "verbose_name_plural": "appariements",
                    },
                ),
                migrations.AddIndex(
                    model_name="matchingrun",
                    index=models.Index(
                        fields=["programme", "-created_at"], name="parrainages_program_165e8c_idx"
                    ),
                ),
                migrations.RemoveIndex(
                    model_name="demandesignature", name="parrainages_charte__acb364_idx"
                ),
                migrations.RenameField(
                    model_name="demandesignature", old_name="creee_le", new_name="created_at"
                ),
                migrations.AlterField(
                    model_name="demandesignature",
                    name="created_at",
                    field=models.DateTimeField(
                        db_column="creee_le",
                        default=django.utils.timezone.now,
                        verbose_name="demandée le",
                    ),
                ),
                migrations.AlterModelOptions(
                    name="demandesignature",
                    options={
                        "ordering": ["-created_at"],
                        "verbose_name": "demande de signature",
                        "verbose_name_plural": "demandes de signature",
                    },
                ),
                migrations.AddIndex(
                    model_name="demandesignature",
                    index=models.Index(
                        fields=["charte", "signataire", "-created_at"],
                        name="parrainages_charte__acb364_idx",
                    ),
                ),
            ],
        ),
    ]
