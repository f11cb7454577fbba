"""The staff groups "Gestionnaire" and "Administrateur" with their permissions."""

from django.db import migrations

from mentorat.roles import sync_groups


def creer_groupes(apps, schema_editor):
    sync_groups(apps, using=schema_editor.connection.alias)


def supprimer_groupes(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Gestionnaire", "Administrateur"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mentorat", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("programmes", "0002_secteurs_rome"),
        ("parrainages", "0002_initial"),
        ("partenaires", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(creer_groupes, supprimer_groupes)]
