"""The start of each pair's last meeting held, kept on the pair by the database.

The staff follow-up page lists the active pairs without a meeting for their programme's delay,
the longest silent first. Looking up the last meeting of every active pair to sort them took
2.8 s on national data (87,000 pairs, 1,000,000 meetings). The date now lives on the pair,
in ``derniere_rencontre_le``, and triggers keep it right on every write of a meeting: the
services' saves, the admin's, bulk creates and updates, and ``COPY`` (``seed_scale``) alike —
a column the application forgot to keep on one of those paths would silently hide a stalled
pair from the staff.

PostgreSQL: one trigger per statement and per event (``INSERT``, ``UPDATE``, ``DELETE``),
reading the rows the statement changed from its transition tables, so that writing a million
meetings recomputes each of their pairs once. An update recomputes only the pairs of the
meetings whose pair, start or status changed (writing a report does not touch the pair).
SQLite: the same rule, row by row (its triggers have no transition tables).
"""

from django.db import migrations, models

TENUE = "tenue"

# The pairs named by ``cibles`` (a query returning ``parrainage_id``), recomputed. They are
# locked first, in the order of their ids: two transactions writing meetings of the same pair
# then recompute one after the other, the second one in a statement that starts after the
# first committed (a fresh snapshot: it sees the other's meeting), and two bulk writes over
# the same pairs wait for each other instead of deadlocking.
_RECALCUL_PG = f"""
    PERFORM 1 FROM parrainages_parrainage
     WHERE id IN (SELECT parrainage_id FROM ({{cibles}}) AS verrous)
     ORDER BY id FOR UPDATE;
    WITH cibles AS ({{cibles}}),
    valeurs AS (
        SELECT c.parrainage_id AS id,
               (SELECT max(r.debut) FROM parrainages_rencontre r
                 WHERE r.parrainage_id = c.parrainage_id AND r.statut = '{TENUE}') AS derniere
          FROM (SELECT DISTINCT parrainage_id FROM cibles) c
    )
    UPDATE parrainages_parrainage p
       SET derniere_rencontre_le = v.derniere
      FROM valeurs v
     WHERE p.id = v.id AND p.derniere_rencontre_le IS DISTINCT FROM v.derniere;
"""

_CHANGEES = """
    SELECT n.parrainage_id FROM nouvelles n JOIN anciennes o ON o.id = n.id
     WHERE (n.parrainage_id, n.debut, n.statut)
           IS DISTINCT FROM (o.parrainage_id, o.debut, o.statut)
    UNION ALL
    SELECT o.parrainage_id FROM nouvelles n JOIN anciennes o ON o.id = n.id
     WHERE o.parrainage_id IS DISTINCT FROM n.parrainage_id
"""

POSTGRESQL = f"""
CREATE FUNCTION parrainages_derniere_rencontre_insertion() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_RECALCUL_PG.format(cibles="SELECT parrainage_id FROM nouvelles")}
    RETURN NULL;
END $$;

CREATE FUNCTION parrainages_derniere_rencontre_modification() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_RECALCUL_PG.format(cibles=_CHANGEES)}
    RETURN NULL;
END $$;

CREATE FUNCTION parrainages_derniere_rencontre_suppression() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_RECALCUL_PG.format(cibles="SELECT parrainage_id FROM anciennes")}
    RETURN NULL;
END $$;

CREATE TRIGGER parrainages_derniere_rencontre_insertion
    AFTER INSERT ON parrainages_rencontre REFERENCING NEW TABLE AS nouvelles
    FOR EACH STATEMENT EXECUTE FUNCTION parrainages_derniere_rencontre_insertion();
CREATE TRIGGER parrainages_derniere_rencontre_modification
    AFTER UPDATE ON parrainages_rencontre
    REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
    FOR EACH STATEMENT EXECUTE FUNCTION parrainages_derniere_rencontre_modification();
CREATE TRIGGER parrainages_derniere_rencontre_suppression
    AFTER DELETE ON parrainages_rencontre REFERENCING OLD TABLE AS anciennes
    FOR EACH STATEMENT EXECUTE FUNCTION parrainages_derniere_rencontre_suppression();
"""

# The column is the triggers' alone: a save of a pair read before a meeting changed (a full
# ``save()`` writes every column) must not put the old date back. An update made by a
# statement (depth 1) keeps the stored value; the triggers' own updates (depth 2) write it.
POSTGRESQL_GARDE = """
CREATE FUNCTION parrainages_derniere_rencontre_gardee() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        NEW.derniere_rencontre_le := OLD.derniere_rencontre_le;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER parrainages_derniere_rencontre_gardee
    BEFORE UPDATE OF derniere_rencontre_le ON parrainages_parrainage
    FOR EACH ROW EXECUTE FUNCTION parrainages_derniere_rencontre_gardee();
"""

POSTGRESQL_RETOUR = """
DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_gardee ON parrainages_parrainage;
DROP FUNCTION IF EXISTS parrainages_derniere_rencontre_gardee();
DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_insertion ON parrainages_rencontre;
DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_modification ON parrainages_rencontre;
DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_suppression ON parrainages_rencontre;
DROP FUNCTION IF EXISTS parrainages_derniere_rencontre_insertion();
DROP FUNCTION IF EXISTS parrainages_derniere_rencontre_modification();
DROP FUNCTION IF EXISTS parrainages_derniere_rencontre_suppression();
"""


def _recalcul_sqlite(ligne: str) -> str:
    return f"""
        UPDATE parrainages_parrainage
           SET derniere_rencontre_le = (
               SELECT max(r.debut) FROM parrainages_rencontre r
                WHERE r.parrainage_id = {ligne}.parrainage_id AND r.statut = '{TENUE}')
         WHERE id = {ligne}.parrainage_id;
    """


SQLITE = [
    f"""CREATE TRIGGER parrainages_derniere_rencontre_insertion
        AFTER INSERT ON parrainages_rencontre
        BEGIN {_recalcul_sqlite("NEW")} END;""",
    f"""CREATE TRIGGER parrainages_derniere_rencontre_modification
        AFTER UPDATE OF parrainage_id, debut, statut ON parrainages_rencontre
        BEGIN {_recalcul_sqlite("NEW")} {_recalcul_sqlite("OLD")} END;""",
    f"""CREATE TRIGGER parrainages_derniere_rencontre_suppression
        AFTER DELETE ON parrainages_rencontre
        BEGIN {_recalcul_sqlite("OLD")} END;""",
]

# SQLite: an update that writes the column (a full ``save()``) is followed by its recomputation
# from the meetings (its triggers do not fire themselves again).
SQLITE.append(
    f"""CREATE TRIGGER parrainages_derniere_rencontre_gardee
        AFTER UPDATE OF derniere_rencontre_le ON parrainages_parrainage
        BEGIN
            UPDATE parrainages_parrainage SET derniere_rencontre_le = (
                SELECT max(r.debut) FROM parrainages_rencontre r
                 WHERE r.parrainage_id = NEW.id AND r.statut = '{TENUE}')
             WHERE id = NEW.id;
        END;"""
)

SQLITE_RETOUR = [
    "DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_gardee;",
    "DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_insertion;",
    "DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_modification;",
    "DROP TRIGGER IF EXISTS parrainages_derniere_rencontre_suppression;",
]

# Once, for the meetings already there: one pass over them on PostgreSQL (grouped), which a
# large database may take longer than the web requests' statement timeout to make.
REMPLISSAGE_PG = f"""
SET LOCAL statement_timeout = 0;
UPDATE parrainages_parrainage p
   SET derniere_rencontre_le = m.derniere
  FROM (SELECT parrainage_id, max(debut) AS derniere FROM parrainages_rencontre
         WHERE statut = '{TENUE}' GROUP BY parrainage_id) m
 WHERE p.id = m.parrainage_id;
"""

REMPLISSAGE = f"""
UPDATE parrainages_parrainage
   SET derniere_rencontre_le = (
       SELECT max(r.debut) FROM parrainages_rencontre r
        WHERE r.parrainage_id = parrainages_parrainage.id AND r.statut = '{TENUE}')
 WHERE EXISTS (SELECT 1 FROM parrainages_rencontre r
                WHERE r.parrainage_id = parrainages_parrainage.id AND r.statut = '{TENUE}');
"""


def declencheurs_creer(apps, schema_editor):
    with schema_editor.connection.cursor() as curseur:
        if schema_editor.connection.vendor == "postgresql":
            curseur.execute(POSTGRESQL)
            curseur.execute(REMPLISSAGE_PG)
            curseur.execute(POSTGRESQL_GARDE)
        else:
            curseur.execute(REMPLISSAGE)
            for instruction in SQLITE:
                curseur.execute(instruction)


def declencheurs_supprimer(apps, schema_editor):
    with schema_editor.connection.cursor() as curseur:
        if schema_editor.connection.vendor == "postgresql":
            curseur.execute(POSTGRESQL_RETOUR)
        else:
            for instruction in SQLITE_RETOUR:
                curseur.execute(instruction)


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0045_objectifs_et_points_etape"),
    ]

    operations = [
        migrations.AddField(
            model_name="parrainage",
            name="derniere_rencontre_le",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="dernière rencontre tenue le",
            ),
        ),
        migrations.RunPython(declencheurs_creer, declencheurs_supprimer),
    ]
