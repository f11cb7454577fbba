"""The audit trail: who changed what, and when, on people, pairs, charters and conventions.

django-auditlog writes one entry per change of a registered model, in its own table, with the
actor its middleware takes from the request. Each app registers its models with
``journaliser``, saying which fields are never recorded (secrets, noise) and which values stay
readable once the person concerned is anonymised (``lisibles``: statuses, dates, links by id).

When a person's account is erased, ``journal_anonymiser`` takes their identity out of the
trail: the entries about their records keep the fields that changed, when and by whom, but
every other value and the record's label are replaced; the entries they made as actor lose
their e-mail and network address. ``historique_admin_anonymiser`` does the same in Django's
own history of admin actions (``django_admin_log``). The account erasure calls both (see
``parrainages.services.effacement``), so every way an account goes (the person, the admin,
the retention task) goes through them.

auditlog listens to ``save`` and ``delete``; a bulk write (``QuerySet.update``,
``bulk_update``, ``bulk_create``) sends no signal. A service that writes a journaled model's
status in bulk writes the entries in bulk too, with ``journal_modifications`` or
``journal_creations``: the same entries auditlog would have written row by row, in one query.
``tests/test_journal_transitions.py`` fails for a status changed without its entry.
"""

import json
from collections.abc import Iterable, Mapping, Sequence

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import (
    get_field_value,
    get_mask_function,
    is_primitive,
    model_instance_diff,
    track_field,
)
from auditlog.models import DEFAULT_OBJECT_REPR, LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.admin.models import LogEntry as EntreeAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str
from django.utils.text import capfirst

from mentorat.insertion import inserer_en_masse

EFFACE = "[effacé]"

_LISIBLES: dict[type[models.Model], frozenset[str]] = {}


def journaliser(
    model,
    *,
    exclure: Iterable[str] = (),
    lisibles: Iterable[str] = (),
    plusieurs: Iterable[str] = (),
) -> None:
    """Record every change of ``model`` in the audit trail.

    ``exclure``: fields never recorded. ``lisibles``: fields whose values stay readable after
    the person concerned is anonymised; every other value is then replaced by ``[effacé]``.
    ``plusieurs``: many-to-many fields whose additions and removals are recorded too.
    """
    lisibles, plusieurs = frozenset(lisibles), frozenset(plusieurs)
    for name in (*exclure, *lisibles, *plusieurs):
        model._meta.get_field(name)  # a misspelt field fails at start-up, not silently
    _LISIBLES[model] = lisibles
    # The model's own columns only: auditlog would otherwise list every reverse relation
    # ("candidatures: None → parrainages.Candidature.None") in each creation entry.
    champs = [f.name for f in model._meta.concrete_fields if f.name not in exclure]
    if not auditlog.contains(model):
        auditlog.register(model, include_fields=champs, m2m_fields=plusieurs)


def modeles_journalises() -> list[type[models.Model]]:
    return list(_LISIBLES)


# --- Entries of bulk writes ----------------------------------------------------------------------

TAILLE_LOT = 500


def journal_modifications(
    objets: Sequence[models.Model],
    *,
    avant: Mapping[object, models.Model],
    champs: Iterable[str],
    acteur=None,
) -> int:
    """Record rows changed by a bulk write, as auditlog records a ``save(update_fields=…)``.

    ``objets``: the rows as written; ``avant``: each one as it was before, by primary key (a
    copy taken before changing it); ``champs``: the fields the write set. One UPDATE entry per
    row whose recorded fields changed, all in one insert per 500 rows. Returns the entries
    written.
    """
    champs = list(champs)
    return _journal_ecrire(
        LogEntry.Action.UPDATE, [(avant[o.pk], o) for o in objets], champs, acteur
    )


def journal_creations(objets: Sequence[models.Model], *, acteur=None) -> int:
    """Record rows created by ``bulk_create`` (with their primary keys), as auditlog records
    each row's first save. Returns the entries written."""
    return _journal_ecrire(LogEntry.Action.CREATE, [(None, o) for o in objets], None, acteur)


def _journal_ecrire(action, paires, champs, acteur) -> int:
    """What auditlog's receivers and ``LogEntry.objects.log_create`` write, without a save per
    row: the same changes (``model_instance_diff``), label and correlation id."""
    if not paires or auditlog_disabled.get():
        return 0
    # A deletion's pair is (row, None): the row named is the one that is there.
    model = type(paires[0][1] if paires[0][1] is not None else paires[0][0])
    if not auditlog.contains(model):
        return 0
    type_de_fiche = ContentType.objects.get_for_model(model)
    cid = get_cid()
    entrees = []
    creation = _diff_de_creation(model) if champs is None else None
    for ancien, nouveau in paires:
        if ancien is None and creation is not None:
            changes = creation(nouveau)
        else:
            changes = model_instance_diff(
                ancien,
                nouveau,
                fields_to_check=champs,
                use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
            )
        if not changes:
            continue
        objet = nouveau if nouveau is not None else ancien
        pk = objet.pk
        additional_data = getattr(objet, "get_additional_data", None)
        entree = LogEntry(
            content_type=type_de_fiche,
            object_pk=smart_str(pk),
            object_id=pk if isinstance(pk, int) else None,
            object_repr=_libelle(objet),
            action=action,
            changes=changes,
            additional_data=additional_data() if callable(additional_data) else None,
            cid=cid,
            actor=acteur,
            actor_email=getattr(acteur, "email", None),
        )
        # auditlog's middleware gives each entry the request's author and network address
        # from a pre_save receiver it connects for the request only (no query): sent here as
        # a save would, so that a bulk entry gets exactly what a saved one would.
        pre_save.send(
            sender=LogEntry,
            instance=entree,
            raw=False,
            using=LogEntry.objects.db,
            update_fields=None,
        )
        entrees.append(entree)
    # COPY on PostgreSQL for many entries (``mentorat.insertion``).
    inserer_en_masse(entrees, taille_lot=TAILLE_LOT)
    return len(entrees)


def _diff_de_creation(model):
    """``model_instance_diff(None, objet)`` for new rows of ``model``: the fields it compares
    and what it reads for "no row" are the same for every row, so they are worked out once
    here, and each row only reads its own values (``get_field_value``, as auditlog does).
    auditlog works them out anew for each row: 71 s of the 80 s spent writing the national
    matching's 133,000 proposals went there. The same changes, masks and JSON choice
    (``tests/mentorat/test_journal_audit.py`` compares both on every journaled model)."""
    json_ = settings.AUDITLOG_STORE_JSON_CHANGES
    reglages = auditlog.get_model_fields(model)
    champs = [f for f in model._meta.get_fields() if track_field(f)]
    if reglages and (reglages["include_fields"] or reglages["exclude_fields"]):
        if reglages["include_fields"]:
            champs = [f for f in champs if f.name in reglages["include_fields"]]
        if reglages["exclude_fields"]:
            champs = [f for f in champs if f.name not in reglages["exclude_fields"]]
    masques = set(reglages["mask_fields"]) if reglages else set()
    masquer = get_mask_function(reglages.get("mask_callable")) if masques else None
    # What auditlog reads for a field of no row (``None``): its "None", once per field.
    lus = [(f, f.name, get_field_value(None, f, json_), f.name in masques) for f in champs]

    def diff(objet):
        changes = {}
        for champ, nom, ancien, masque in lus:
            nouveau = get_field_value(objet, champ, json_)
            if ancien == nouveau:
                continue
            if masque:
                changes[nom] = (masquer(smart_str(ancien)), masquer(smart_str(nouveau)))
            elif not json_:
                changes[nom] = (smart_str(ancien), smart_str(nouveau))
            else:
                changes[nom] = (
                    ancien if is_primitive(ancien) else smart_str(ancien),
                    nouveau if is_primitive(nouveau) else smart_str(nouveau),
                )
        return changes or None

    return diff


def _libelle(objet) -> str:
    try:
        return smart_str(objet)
    except ObjectDoesNotExist:
        return DEFAULT_OBJECT_REPR


def _effacer_changements(changes, lisibles: frozenset[str]):
    if not isinstance(changes, dict):
        return None
    effaces = {}
    for champ, valeurs in changes.items():
        if champ in lisibles:
            effaces[champ] = valeurs
        elif isinstance(valeurs, dict):  # many-to-many: {"type": "m2m", "objects": [...]}
            effaces[champ] = {**valeurs, "objects": [EFFACE] * len(valeurs.get("objects", []))}
        else:
            effaces[champ] = [EFFACE, EFFACE]
    return effaces


def journal_anonymiser(
    *,
    objets: dict[type[models.Model], Iterable[int]],
    acteur_id: int | None = None,
    acteur_email: str = "",
) -> int:
    """Take a person's identity out of the audit trail; return the number of entries redacted.

    ``objets``: the person's records by model (their account, profile, applications, pairs,
    charters, signatures), as ids, so that it also works after the rows were deleted.
    ``acteur_id``, ``acteur_email``: their account, whose entries as actor lose the e-mail and
    network address (and the link to the account, which is gone; deleting the account already
    unlinked the older ones, hence the e-mail). Call it last in the erasing transaction: the
    entries written by the erasure itself (profile cleared, account deleted) are redacted too.

    Rows are updated in bulk, never saved one by one: a saved entry would be given the
    current request's actor by auditlog.
    """
    acteur = models.Q(actor_id=acteur_id) if acteur_id is not None else models.Q(pk__in=[])
    if acteur_email:
        acteur |= models.Q(actor_email__iexact=acteur_email)
    LogEntry.objects.filter(acteur).update(
        actor=None, actor_email=None, remote_addr=None, remote_port=None
    )
    types = ContentType.objects.get_for_models(*objets)
    modifiees = []
    for model, ids in objets.items():
        ids = list(ids)
        if not ids:
            continue
        lisibles = _LISIBLES.get(model, frozenset())
        libelle = capfirst(model._meta.verbose_name)
        for entree in LogEntry.objects.filter(content_type=types[model], object_id__in=ids):
            entree.object_repr = f"{libelle} n° {entree.object_pk}"
            entree.changes = _effacer_changements(entree.changes, lisibles)
            entree.changes_text = ""
            entree.serialized_data = None
            entree.additional_data = None
            modifiees.append(entree)
    LogEntry.objects.bulk_update(
        modifiees,
        ["object_repr", "changes", "changes_text", "serialized_data", "additional_data"],
        batch_size=500,
    )
    return len(modifiees)


def historique_admin_anonymiser(
    *, objets: dict[type[models.Model], Iterable[int]], mentions: Iterable[str]
) -> int:
    """Take a person out of Django's history of admin actions; return the entries redacted.

    ``objets``: the person's records by model, as ids (see ``journal_anonymiser``).
    ``mentions``: how the admin may have named them elsewhere (their e-mail, their full name),
    for the entries about someone else's record that list theirs ("added: membre « … »").
    The entries keep their action, date, author and the fields changed; their label becomes
    "Filleul n° 12", and the labels of related records in their message "[effacé]". The
    entries the person wrote as staff go with their account (Django deletes them).
    """
    types = ContentType.objects.get_for_models(*objets)
    concernees = models.Q(pk__in=[])
    for model, ids in objets.items():
        ids = [str(pk) for pk in ids]
        if ids:
            concernees |= models.Q(content_type=types[model], object_id__in=ids)
    # As typed, and as the admin writes its messages (JSON: "Z\u00e9phyrine").
    mentions = {m.strip() for m in mentions if m and m.strip()}
    formes = mentions | {json.dumps(m)[1:-1] for m in mentions}
    for forme in formes:
        concernees |= models.Q(object_repr__icontains=forme)
        concernees |= models.Q(change_message__icontains=forme)
    entrees = list(EntreeAdmin.objects.filter(concernees).select_related("content_type"))
    for entree in entrees:
        model = entree.content_type.model_class() if entree.content_type_id else None
        libelle = capfirst(model._meta.verbose_name) if model else "Objet"
        entree.object_repr = f"{libelle} n° {entree.object_id}"
        entree.change_message = _message_efface(entree.change_message, formes)
    EntreeAdmin.objects.bulk_update(entrees, ["object_repr", "change_message"], batch_size=500)
    return len(entrees)


def _message_efface(message: str, formes: set[str]) -> str:
    """An admin change message without the labels of related records.

    The admin writes a JSON list: ``[{"changed": {"fields": […]}}, {"added": {"name":
    "membre", "object": "<label>"}}]``; the field names stay, every label goes. A message in
    plain text (a status change: "Retenir : Déposée → Retenue.") stays, unless it names the
    person (``formes``): then it goes whole.
    """
    try:
        elements = json.loads(message)
    except ValueError:
        elements = None
    if not isinstance(elements, list):
        texte = message.casefold()
        return EFFACE if any(forme.casefold() in texte for forme in formes) else message
    for element in elements:
        for detail in element.values() if isinstance(element, dict) else ():
            if isinstance(detail, dict) and "object" in detail:
                detail["object"] = EFFACE
    return json.dumps(elements)


def journal_purger(*, avant, lot: int = 5000, dry_run: bool = False) -> int:
    """Delete the audit entries written before ``avant`` (``RETENTION_JOURNAL_JOURS``)."""
    vieux = LogEntry.objects.filter(timestamp__lt=avant)
    if dry_run:
        return vieux.count()
    total = 0
    while ids := list(vieux.order_by("pk").values_list("pk", flat=True)[:lot]):
        total += LogEntry.objects.filter(pk__in=ids).delete()[0]
    return total
