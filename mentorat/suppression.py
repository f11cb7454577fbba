"""Deleting many rows at once, with their audit entries written in bulk.

auditlog records a deletion from a ``post_delete`` receiver, one INSERT per row. Worse, a
receiver on a model makes Django's deletion load every row of that model in full (to hand
it to the signal) instead of deleting it with one query: deleting a city's 200,000 mentees
with their pairs and meetings that way loads millions of rows and writes as many entries
one by one, and does not finish.

``supprimer`` deletes the way Django does (the same cascades, ``PROTECT`` and
``RESTRICT`` refusals, ``SET_NULL`` updates), but treats auditlog's receiver as absent when it
collects the rows, so that related rows go in batches of primary keys; it then writes the
entries auditlog would have written — the same changes, label and correlation id, and the
request's author through auditlog's own middleware hook — 500 to an INSERT, reading the
rows of each journaled model 500 at a time, and deletes with auditlog's receiver switched off
for this deletion only (``auditlog.context.disable_auditlog``: a context variable, not a
global switch). Any other ``pre_delete``/``post_delete`` receiver still makes Django load and
signal its model's rows as before.

The admin's bulk deletion goes through it (``admin_site.SuppressionJournaliseeMixin``), as
do the large deletions of the benchmarks' clean-ups.
"""

from collections.abc import Iterable

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from auditlog.receivers import log_delete
from auditlog.registry import auditlog
from django.db import models, router, transaction
from django.db.models import signals
from django.db.models.deletion import Collector

from .audit import TAILLE_LOT, _journal_ecrire


def _recepteurs_hors_journal(signal, model) -> bool:
    """Whether ``signal`` has a live receiver for ``model`` other than auditlog's."""
    if not signal.has_listeners(model):
        return False
    synchrones, asynchrones = signal._live_receivers(model)
    return any(r is not log_delete for r in (*synchrones, *asynchrones))


class _Collecteur(Collector):
    def _has_signal_listeners(self, model):
        return _recepteurs_hors_journal(signals.pre_delete, model) or _recepteurs_hors_journal(
            signals.post_delete, model
        )

    def cles_par_modele(self) -> dict[type[models.Model], set]:
        """The primary keys this deletion removes, per model: rows collected one by one and
        rows the fast deletes' queries match (read before anything is deleted)."""
        cles: dict[type[models.Model], set] = {}
        for model, instances in self.data.items():
            cles.setdefault(model, set()).update(o.pk for o in instances)
        for qs in self.fast_deletes:
            model = qs.model
            if auditlog.contains(model):
                cles.setdefault(model, set()).update(qs.values_list("pk", flat=True))
        return cles


def _liens(model, *, profondeur: int) -> list[str]:
    """The paths of ``model``'s foreign keys, nullable ones included (``select_related()``
    alone follows only the others), and theirs down to ``profondeur``."""
    chemins = []
    for champ in model._meta.concrete_fields:
        if champ.is_relation and (champ.many_to_one or champ.one_to_one):
            chemins.append(champ.name)
            if profondeur > 1:
                cible = champ.related_model
                chemins += [f"{champ.name}__{c}" for c in _liens(cible, profondeur=profondeur - 1)]
    return chemins


def _journaliser(model, cles: set, acteur) -> int:
    """The deletion entries of ``model``'s rows ``cles``, as auditlog writes one per row."""
    if not auditlog.contains(model) or not cles:
        return 0
    ecrites = 0
    ordonnees = sorted(cles)
    for debut in range(0, len(ordonnees), TAILLE_LOT):
        lot = ordonnees[debut : debut + TAILLE_LOT]
        # The row's label (``str``) often names related rows: loaded in the same query.
        lignes = (
            model._base_manager.filter(pk__in=lot)
            .select_related(*_liens(model, profondeur=2))
            .order_by("pk")
        )
        ecrites += _journal_ecrire(
            LogEntry.Action.DELETE, [(o, None) for o in lignes], None, acteur
        )
    return ecrites


def supprimer(objets: models.QuerySet | Iterable[models.Model], *, acteur=None) -> int:
    """Delete ``objets`` (a queryset or model instances) and everything that cascades from
    them, recording each journaled row's deletion in bulk. Returns the number of rows deleted.
    Raises ``ProtectedError``/``RestrictedError`` as ``QuerySet.delete`` does."""
    if isinstance(objets, models.QuerySet):
        model, objets = objets.model, objets
    else:
        objets = list(objets)
        if not objets:
            return 0
        model = type(objets[0])
    using = router.db_for_write(model)
    with transaction.atomic(using=using):
        collecteur = _Collecteur(using=using, origin=objets)
        collecteur.collect(objets)
        for modele, cles in collecteur.cles_par_modele().items():
            _journaliser(modele, cles, acteur)
        with disable_auditlog():
            nombre, _detail = collecteur.delete()
    return nombre
