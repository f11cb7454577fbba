import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """``Envoi.cree_le`` is called ``created_at``, like every row's creation date; the column
    keeps its name (renaming a column takes two releases, see docs/deploiement.md)."""

    dependencies = [
        ("mentorat", "0014_envois_delivres"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="envoi", old_name="cree_le", new_name="created_at"
                ),
                migrations.AlterField(
                    model_name="envoi",
                    name="created_at",
                    field=models.DateTimeField(
                        db_column="cree_le",
                        default=django.utils.timezone.now,
                        verbose_name="créé le",
                    ),
                ),
                migrations.AlterModelOptions(
                    name="envoi",
                    options={
                        "ordering": ["-created_at"],
                        "verbose_name": "envoi d'e-mail",
                        "verbose_name_plural": "envois d'e-mails",
                    },
                ),
            ],
        ),
    ]
