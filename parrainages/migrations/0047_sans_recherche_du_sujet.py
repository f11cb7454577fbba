"""The meetings' subject is no longer searched (``RencontreAdmin.search_fields``: the names
and e-mails of the pair's people): its trigram index of ``0044``, kept up on every write of a
meeting for nothing, goes."""

from django.db import migrations


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "parrainages_rencontre_sujet_trgm"')


def recreer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "parrainages_rencontre_sujet_trgm" ON '
            '"parrainages_rencontre" USING gin ((UPPER("sujet"::text)) gin_trgm_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("parrainages", "0046_derniere_rencontre_tenue")]

    operations = [migrations.RunPython(supprimer, recreer, elidable=False)]
