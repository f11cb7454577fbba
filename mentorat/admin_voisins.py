"""The previous and next record of a change page, in the order of the list staff came from.

Django keeps the list's filters, search and sort in the change page's address
(``_changelist_filters``, the admin's "preserved filters"). ``voisins`` rebuilds that list —
the ModelAdmin's own changelist, hence its perimeter (``admin_perimetre``), filters, search and
order — without reading its page nor counting it, and asks the database, in one query, which
rows come just before and just after the record in that order. The record itself is placed in
the list even when it no longer matches its filters (it was just moved out of "Déposée" by a
decision): staff go on from where they were.
"""

import copy

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, SuspiciousOperation
from django.db.models import F, Q, Window
from django.db.models.functions import Lag, Lead
from django.http import QueryDict

from .admin_listes import ERREURS_DE_VALEUR

FILTRES_GARDES = "_changelist_filters"

_classes: dict[type, type] = {}


def _sans_resultats(classe: type) -> type:
    """``classe`` (a ChangeList class) that neither counts nor reads a page of its rows."""
    if classe not in _classes:
        _classes[classe] = type(
            f"Voisinage{classe.__name__}", (classe,), {"get_results": lambda self, request: None}
        )
    return _classes[classe]


def _liste(model_admin, request):
    """The changelist staff came from, as its filters were (``None`` when they are wrong)."""
    filtres = QueryDict(request.GET.get(FILTRES_GARDES, ""))
    # Encoded twice (``%2500``), a NUL passes the middleware that refuses it in the address and
    # appears only here: the database would refuse it.
    if any("\x00" in cle or any("\x00" in v for v in valeurs) for cle, valeurs in filtres.lists()):
        return None
    requete = copy.copy(request)
    requete.GET = filtres
    requete.method = "GET"
    list_display = model_admin.get_list_display(requete)
    # The sort's column numbers count the action checkbox, as on the list.
    if model_admin.get_actions(requete):
        list_display = ["action_checkbox", *list_display]
    classe = _sans_resultats(model_admin.get_changelist(requete))
    try:
        return classe(
            requete,
            model_admin.model,
            list_display,
            model_admin.get_list_display_links(requete, list_display),
            _filtres_utilises(model_admin.get_list_filter(requete), filtres),
            model_admin.date_hierarchy,
            model_admin.get_search_fields(requete),
            model_admin.get_list_select_related(requete),
            model_admin.list_per_page,
            model_admin.list_max_show_all,
            model_admin.list_editable,
            model_admin,
            model_admin.get_sortable_by(requete),
            model_admin.search_help_text,
        )
    except (IncorrectLookupParameters, SuspiciousOperation, *ERREURS_DE_VALEUR):
        return None


def _filtres_utilises(list_filter, filtres: QueryDict) -> list:
    """The list's filters that the address uses, and every filter of its own
    (``SimpleListFilter``: its ``queryset`` may filter with no parameter given).

    A field's filter without any of its parameters (``<path>__…``) in the address filters
    nothing, and building it reads its choices (a query for a relation's, the programmes'
    say): the neighbours never show them.
    """
    cles = list(filtres.keys())
    utilises = []
    for filtre in list_filter:
        if isinstance(filtre, str):
            chemin = filtre
        elif isinstance(filtre, tuple | list):
            chemin = filtre[0]
        else:
            utilises.append(filtre)
            continue
        if any(cle.startswith(f"{chemin}__") for cle in cles):
            utilises.append(filtre)
    return utilises


def _ordre(model, termes, profondeur: int = 0) -> list:
    """The list's ``order_by`` as expressions a window can take: a relation is ordered by its
    model's own ordering, as ``QuerySet.order_by`` does."""
    sortie = []
    for terme in termes:
        if not isinstance(terme, str):
            sortie.append(terme)
            continue
        if terme == "?":
            continue
        descendant = terme.startswith("-")
        chemin = terme.lstrip("-")
        champ = None
        if chemin != "pk":
            try:
                champ = get_fields_from_path(model, chemin)[-1]
            except (FieldDoesNotExist, Exception):
                champ = None
        if (
            champ is not None
            and champ.is_relation
            and (champ.many_to_one or champ.one_to_one)
            and champ.related_model._meta.ordering
            and profondeur < 3
        ):
            sous = []
            for terme_lie in champ.related_model._meta.ordering:
                if not isinstance(terme_lie, str):
                    continue
                inverse = terme_lie.startswith("-") != descendant
                sous.append(("-" if inverse else "") + f"{chemin}__{terme_lie.lstrip('-')}")
            sortie += _ordre(model, sous, profondeur + 1)
            continue
        sortie.append(F(chemin).desc() if descendant else F(chemin).asc())
    return sortie


def voisins(model_admin, request, obj) -> tuple:
    """The primary keys of the rows before and after ``obj`` in the list staff came from
    (``None`` at either end, or when the list's filters are wrong)."""
    liste = _liste(model_admin, request)
    if liste is None:
        return None, None
    lignes = liste.queryset
    ordre = _ordre(model_admin.model, lignes.query.order_by or model_admin.model._meta.ordering)
    if not ordre:
        ordre = [F("pk").asc()]
    ensemble = model_admin.model._default_manager.filter(
        Q(pk__in=lignes.order_by().values("pk")) | Q(pk=obj.pk)
    )
    autour = (
        ensemble.annotate(
            _precedent=Window(Lag("pk"), order_by=ordre),
            _suivant=Window(Lead("pk"), order_by=ordre),
        )
        .filter(Q(_precedent=obj.pk) | Q(_suivant=obj.pk))
        .values_list("pk", "_precedent", "_suivant")
    )
    try:
        # A hostile value that passed the filters fails here, as the list's count would
        # (``admin_listes``), before any SQL is sent: no neighbours, never a 500.
        autour = list(autour)
    except ERREURS_DE_VALEUR:
        return None, None
    precedent = suivant = None
    for pk, avant, apres in autour:
        if apres == obj.pk:
            precedent = pk
        if avant == obj.pk:
            suivant = pk
    return precedent, suivant
