# Mentors brought by partners; report production timestamps and one automatic report per period.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0002_initial"),
        ("partenaires", "0003_dates_modifiables"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ParrainApporte",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="rattaché le"
                    ),
                ),
            ],
            options={
                "verbose_name": "parrain apporté",
                "verbose_name_plural": "parrains apportés",
                "ordering": ["partenaire", "-created_at"],
            },
        ),
        migrations.AddField(
            model_name="rapport",
            name="demarre_le",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="production commencée le"
            ),
        ),
        migrations.AddConstraint(
            model_name="rapport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("automatique", True)),
                fields=("convention", "periode_debut", "periode_fin"),
                name="rapport_automatique_unique",
            ),
        ),
        migrations.AddField(
            model_name="parrainapporte",
            name="parrain",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="apports",
                to="parrainages.parrain",
                verbose_name="parrain ou marraine",
            ),
        ),
        migrations.AddField(
            model_name="parrainapporte",
            name="partenaire",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="parrains_apportes",
                to="partenaires.partenaire",
                verbose_name="partenaire",
            ),
        ),
        migrations.AddConstraint(
            model_name="parrainapporte",
            constraint=models.UniqueConstraint(
                fields=("partenaire", "parrain"), name="parrain_apporte_unique"
            ),
        ),
    ]
