# Events open to mentors and partner members too; a registration is a mentee's, a mentor's
# or a partner member's. Existing events stay open to mentees only, and existing
# registrations are mentees' (the defaults given to the rows already there).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import mentorat.fields
import programmes.models


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0034_session_selection_version"),
        ("programmes", "0012_structure_de_la_ville"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evenement",
            name="publics",
            field=mentorat.fields.ChoiceListField(
                default=programmes.models.publics_par_defaut,
                help_text="Chacun s'inscrit depuis son espace : les filleuls et les parrains des programmes de l'événement, les membres des partenaires qui ont une convention avec ce programme ou y orientent des personnes.",
                item_choices=[
                    ("filleuls", "Filleuls"),
                    ("parrains", "Parrains et marraines"),
                    ("partenaires", "Membres des partenaires (conseillers, managers d'entreprise)"),
                ],
                verbose_name="ouvert aux inscriptions de",
            ),
        ),
        migrations.AddField(
            model_name="inscription",
            name="membre",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="inscriptions_evenements",
                to=settings.AUTH_USER_MODEL,
                verbose_name="membre d'un partenaire",
            ),
        ),
        migrations.AddField(
            model_name="inscription",
            name="parrain",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="inscriptions",
                to="parrainages.parrain",
                verbose_name="parrain ou marraine",
            ),
        ),
        migrations.AddField(
            model_name="inscription",
            name="public",
            field=models.CharField(
                choices=[
                    ("filleuls", "Filleuls"),
                    ("parrains", "Parrains et marraines"),
                    ("partenaires", "Membres des partenaires (conseillers, managers d'entreprise)"),
                ],
                default="filleuls",
                max_length=20,
                verbose_name="inscrit en tant que",
            ),
        ),
        migrations.AlterField(
            model_name="inscription",
            name="filleul",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="inscriptions",
                to="parrainages.filleul",
                verbose_name="filleul",
            ),
        ),
        migrations.AddIndex(
            model_name="inscription",
            index=models.Index(
                fields=["evenement", "public", "statut"], name="programmes__eveneme_4ce7d7_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="inscription",
            constraint=models.UniqueConstraint(
                fields=("evenement", "parrain"), name="inscription_unique_parrain"
            ),
        ),
        migrations.AddConstraint(
            model_name="inscription",
            constraint=models.UniqueConstraint(
                fields=("evenement", "membre"), name="inscription_unique_membre"
            ),
        ),
        migrations.AddConstraint(
            model_name="inscription",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("filleul__isnull", False),
                        ("membre__isnull", True),
                        ("parrain__isnull", True),
                        ("public", "filleuls"),
                    ),
                    models.Q(
                        ("filleul__isnull", True),
                        ("membre__isnull", True),
                        ("parrain__isnull", False),
                        ("public", "parrains"),
                    ),
                    models.Q(
                        ("filleul__isnull", True),
                        ("parrain__isnull", True),
                        ("public", "partenaires"),
                    ),
                    _connector="OR",
                ),
                name="inscription_une_personne",
            ),
        ),
    ]
