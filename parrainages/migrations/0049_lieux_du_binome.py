"""Where a pair's mentee and mentor live, kept on the pair by the database.

A regional team sees a pair when its mentee or its mentor lives in the region
(``mentorat/perimetre.py``). Tested through the people, the database joined the mentee, the
mentor and both their communes for every pair of the programme before the region kept one in
ten: the follow-up page's stalled pairs took 220–240 ms for the Hauts-de-France team on
national data (150,000 pairs), 37–44 ms with the two communes on the pair. The communes now
live on the pair, in ``lieu_filleul`` and ``lieu_parrain``, and triggers keep them right on
every write: a pair created or given another mentee or mentor (saves, bulk creates, ``COPY``),
a mentee or a mentor who moves (a form, the admin, a queryset update, an erasure). A copy the
application forgot to keep on one of those paths would hide a pair from its region's staff or
show it to another's.

PostgreSQL: a row trigger before each write of a pair reads its people's communes (whatever
the statement wrote in the two columns: they are the database's alone), and one after each
change of a person's commune rewrites that person's pairs. SQLite: the same rules, after the
write (its triggers cannot change the row being written).
"""

from django.conf import settings
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION parrainages_lieux_du_binome() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.lieu_filleul_id := (SELECT commune_id FROM parrainages_filleul WHERE id = NEW.filleul_id);
    NEW.lieu_parrain_id := (SELECT commune_id FROM parrainages_parrain WHERE id = NEW.parrain_id);
    RETURN NEW;
END $$;

CREATE TRIGGER parrainages_lieux_du_binome
    BEFORE INSERT OR UPDATE OF filleul_id, parrain_id, lieu_filleul_id, lieu_parrain_id
    ON parrainages_parrainage
    FOR EACH ROW EXECUTE FUNCTION parrainages_lieux_du_binome();

CREATE FUNCTION parrainages_lieu_du_filleul() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parrainages_parrainage SET lieu_filleul_id = NEW.commune_id WHERE filleul_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER parrainages_lieu_du_filleul
    AFTER UPDATE OF commune_id ON parrainages_filleul
    FOR EACH ROW WHEN (OLD.commune_id IS DISTINCT FROM NEW.commune_id)
    EXECUTE FUNCTION parrainages_lieu_du_filleul();

CREATE FUNCTION parrainages_lieu_du_parrain() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE parrainages_parrainage SET lieu_parrain_id = NEW.commune_id WHERE parrain_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER parrainages_lieu_du_parrain
    AFTER UPDATE OF commune_id ON parrainages_parrain
    FOR EACH ROW WHEN (OLD.commune_id IS DISTINCT FROM NEW.commune_id)
    EXECUTE FUNCTION parrainages_lieu_du_parrain();
"""

POSTGRESQL_RETOUR = """
DROP TRIGGER IF EXISTS parrainages_lieux_du_binome ON parrainages_parrainage;
DROP TRIGGER IF EXISTS parrainages_lieu_du_filleul ON parrainages_filleul;
DROP TRIGGER IF EXISTS parrainages_lieu_du_parrain ON parrainages_parrain;
DROP FUNCTION IF EXISTS parrainages_lieux_du_binome();
DROP FUNCTION IF EXISTS parrainages_lieu_du_filleul();
DROP FUNCTION IF EXISTS parrainages_lieu_du_parrain();
"""

_RECOPIE_SQLITE = """
    UPDATE parrainages_parrainage
       SET lieu_filleul_id = (SELECT commune_id FROM parrainages_filleul
                               WHERE id = NEW.filleul_id),
           lieu_parrain_id = (SELECT commune_id FROM parrainages_parrain
                               WHERE id = NEW.parrain_id)
     WHERE id = NEW.id;
"""

# SQLite runs a trigger's own updates without firing that trigger again (its recursive
# triggers are off): the recopy below does not loop.
SQLITE = [
    f"""CREATE TRIGGER parrainages_lieux_du_binome_insertion
        AFTER INSERT ON parrainages_parrainage
        BEGIN {_RECOPIE_SQLITE} END;""",
    f"""CREATE TRIGGER parrainages_lieux_du_binome_modification
        AFTER UPDATE OF filleul_id, parrain_id, lieu_filleul_id, lieu_parrain_id
        ON parrainages_parrainage
        BEGIN {_RECOPIE_SQLITE} END;""",
    """CREATE TRIGGER parrainages_lieu_du_filleul
        AFTER UPDATE OF commune_id ON parrainages_filleul
        WHEN OLD.commune_id IS NOT NEW.commune_id
        BEGIN
            UPDATE parrainages_parrainage SET lieu_filleul_id = NEW.commune_id
             WHERE filleul_id = NEW.id;
        END;""",
    """CREATE TRIGGER parrainages_lieu_du_parrain
        AFTER UPDATE OF commune_id ON parrainages_parrain
        WHEN OLD.commune_id IS NOT NEW.commune_id
        BEGIN
            UPDATE parrainages_parrainage SET lieu_parrain_id = NEW.commune_id
             WHERE parrain_id = NEW.id;
        END;""",
]

SQLITE_RETOUR = [
    "DROP TRIGGER IF EXISTS parrainages_lieux_du_binome_insertion;",
    "DROP TRIGGER IF EXISTS parrainages_lieux_du_binome_modification;",
    "DROP TRIGGER IF EXISTS parrainages_lieu_du_filleul;",
    "DROP TRIGGER IF EXISTS parrainages_lieu_du_parrain;",
]

# Once, for the pairs already there, before the triggers (which would read the people again
# for each row): one pass, which a large database may take longer than the web requests'
# statement timeout to make.
REMPLISSAGE_PG = """
SET LOCAL statement_timeout = 0;
UPDATE parrainages_parrainage p
   SET lieu_filleul_id = f.commune_id, lieu_parrain_id = m.commune_id
  FROM parrainages_filleul f, parrainages_parrain m
 WHERE f.id = p.filleul_id AND m.id = p.parrain_id;
"""

REMPLISSAGE = """
UPDATE parrainages_parrainage
   SET lieu_filleul_id = (SELECT commune_id FROM parrainages_filleul
                           WHERE id = parrainages_parrainage.filleul_id),
       lieu_parrain_id = (SELECT commune_id FROM parrainages_parrain
                           WHERE id = parrainages_parrainage.parrain_id);
"""


def _index_pg():
    """The follow-up page's two sorted lists (``parrainages/suivi.py``), walked in their order
    on an index that holds the territory's columns, until 200 pairs of the region come up:
    the active regular pairs by the day of their last meeting held or else their start (the
    expression the page sorts on, in the site's time zone: with another one, the index is
    left unused, never wrong), the ended pairs by their end."""
    zone = settings.TIME_ZONE.replace("'", "")
    return f"""
SET LOCAL statement_timeout = 0;
CREATE INDEX parrainage_en_panne_idx ON parrainages_parrainage
    (programme_id,
     (COALESCE((derniere_rencontre_le AT TIME ZONE '{zone}')::date, date_debut)),
     id)
    INCLUDE (lieu_filleul_id, lieu_parrain_id)
    WHERE statut = 'actif' AND forme = 'regulier';
CREATE INDEX parrainage_termine_idx ON parrainages_parrainage (programme_id, date_fin, id)
    INCLUDE (lieu_filleul_id, lieu_parrain_id)
    WHERE statut IN ('termine', 'interrompu');
"""


INDEX_PG_RETOUR = """
DROP INDEX IF EXISTS parrainage_en_panne_idx;
DROP INDEX IF EXISTS parrainage_termine_idx;
"""


def declencheurs_creer(apps, schema_editor):
    with schema_editor.connection.cursor() as curseur:
        if schema_editor.connection.vendor == "postgresql":
            curseur.execute(REMPLISSAGE_PG)
            curseur.execute(POSTGRESQL)
            curseur.execute(_index_pg())
        else:
            curseur.execute(REMPLISSAGE)
            for instruction in SQLITE:
                curseur.execute(instruction)


def declencheurs_supprimer(apps, schema_editor):
    with schema_editor.connection.cursor() as curseur:
        if schema_editor.connection.vendor == "postgresql":
            curseur.execute(POSTGRESQL_RETOUR)
            curseur.execute(INDEX_PG_RETOUR)
        else:
            for instruction in SQLITE_RETOUR:
                curseur.execute(instruction)


def _lieu(nom):
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        db_index=False,
        editable=False,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        to="programmes.commune",
        verbose_name=nom,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0048_index_chiffres_partenaires"),
        ("programmes", "0016_objectifs_suggeres"),
    ]

    operations = [
        migrations.AddField(
            model_name="parrainage", name="lieu_filleul", field=_lieu("commune du filleul")
        ),
        migrations.AddField(
            model_name="parrainage", name="lieu_parrain", field=_lieu("commune du parrain")
        ),
        migrations.RunPython(declencheurs_creer, declencheurs_supprimer),
    ]
