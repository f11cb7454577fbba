"""Trigram indexes for the admin's search box (``mentorat.admin_recherche``), PostgreSQL only.

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%…%')``: a GIN index on that same
expression with ``gin_trgm_ops`` (extension ``pg_trgm``, trusted since PostgreSQL 13: the
database's owner may create it) answers it without reading the table. SQLite has neither
and searches its small tables as before.
"""

from django.db import migrations

INDEX = (
    ("mentorat_user_nom_trgm", "mentorat_user", "last_name"),
    ("mentorat_user_prenom_trgm", "mentorat_user", "first_name"),
    ("mentorat_user_email_trgm", "mentorat_user", "email"),
)


def creer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for nom, table, colonne in INDEX:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{nom}" ON "{table}" '
            f'USING gin ((UPPER("{colonne}"::text)) gin_trgm_ops)'
        )


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom, _table, _colonne in INDEX:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{nom}"')


class Migration(migrations.Migration):
    dependencies = [("mentorat", "0020_sms_canal")]

    operations = [migrations.RunPython(creer, supprimer, elidable=False)]
