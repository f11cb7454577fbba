"""Indexes for the admin's search box (``mentorat.admin_recherche``), PostgreSQL only: trigram
indexes on the mentor's company and the meeting's subject (``icontains``), and an index on
the France Travail identifier as the exact search writes it (``UPPER(col) = UPPER(…)``).
The extension ``pg_trgm`` comes with ``mentorat 0021``."""

from django.db import migrations

TRIGRAMMES = (
    ("parrainages_parrain_entreprise_trgm", "parrainages_parrain", "entreprise"),
    ("parrainages_rencontre_sujet_trgm", "parrainages_rencontre", "sujet"),
)
EXACT = (
    (
        "parrainages_filleul_ft_upper",
        "parrainages_filleul",
        "identifiant_france_travail",
    ),
)


def creer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom, table, colonne in TRIGRAMMES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{nom}" ON "{table}" '
            f'USING gin ((UPPER("{colonne}"::text)) gin_trgm_ops)'
        )
    for nom, table, colonne in EXACT:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{nom}" ON "{table}" ((UPPER("{colonne}"::text)))'
        )


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom, _table, _colonne in (*TRIGRAMMES, *EXACT):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{nom}"')


class Migration(migrations.Migration):
    dependencies = [
        ("mentorat", "0021_recherche_trigrammes"),
        ("parrainages", "0043_avis_du_filleul"),
    ]

    operations = [migrations.RunPython(creer, supprimer, elidable=False)]
