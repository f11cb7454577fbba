"""Inserting many new rows at once: COPY on PostgreSQL, ``bulk_create`` by batches elsewhere.

On PostgreSQL the primary keys are first taken from the table's sequence (one query), then
every row goes in by a single COPY: two statements whatever the number of rows, and none of
the per-row cost of an INSERT with RETURNING. The rows are those the ORM would have written
(each field's value prepared by the field itself), with their primary keys set on the objects
as ``bulk_create`` would. Other databases (SQLite in development and tests) take the ORM's
``bulk_create`` in batches of ``taille_lot``, and so does PostgreSQL for fewer rows than
``copie_des`` (a single batch: two statements would only cost one more).
"""

from collections.abc import Sequence

from django.db import connections, models, router

TAILLE_LOT = 1000
COPIE_DES = 1000


def inserer_en_masse(
    objets: Sequence[models.Model], *, taille_lot: int = TAILLE_LOT, copie_des: int | None = None
) -> int:
    """Insert ``objets`` (new rows of one model, without primary keys); returns their number."""
    if not objets:
        return 0
    copie_des = COPIE_DES if copie_des is None else copie_des
    model = type(objets[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    # What COPY cannot write as ``bulk_create`` would: a parent table (multi-table
    # inheritance), a generated column, a default computed by the database.
    simple = not meta.parents and not any(
        getattr(f, "generated", False)
        or getattr(f, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED
        for f in meta.concrete_fields
    )
    if connection.vendor != "postgresql" or len(objets) < copie_des or not simple:
        for start in range(0, len(objets), taille_lot):
            model._base_manager.using(alias).bulk_create(objets[start : start + taille_lot])
        return len(objets)
    champs = list(meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objets)],
        )
        for objet, (pk,) in zip(objets, cursor.fetchall(), strict=True):
            setattr(objet, meta.pk.attname, pk)
        colonnes = ", ".join(connection.ops.quote_name(f.column) for f in champs)
        table = connection.ops.quote_name(meta.db_table)
        with cursor.copy(f"COPY {table} ({colonnes}) FROM STDIN") as copie:
            for objet in objets:
                # ``pre_save`` as the ORM calls it on an insert (``auto_now``, ``auto_now_add``).
                copie.write_row(
                    [f.get_db_prep_save(f.pre_save(objet, add=True), connection) for f in champs]
                )
    for objet in objets:
        objet._state.adding = False
        objet._state.db = alias
    return len(objets)
