"""Admin lists that answer hostile query strings with the whole list and a message, never a 500.

Django validates most of a changelist's query string itself: an unknown field, or a value
a built-in list filter cannot convert, raises ``IncorrectLookupParameters``, and the changelist
redirects to ``?e=1`` (the unfiltered list). Three holes remained, each a 500:

- the date hierarchy turns ``<field>__year``, ``__month`` and ``__day`` into a ``datetime``
  without bounds: a 23-digit year overflows (``OverflowError``), year 9999 has no next year,
  and year 1 overflows when shifted to UTC for the query;
- a ``SimpleListFilter`` (ours, or a third-party app's) filters with the raw value, and
  Django does not catch what its ``queryset()`` raises (``?matching_run__id__exact='``);
- a value may pass the filters and fail only when the count runs (again a date out of range);
- an action posted with a selection that is not a list of ids (``_selected_action=abc``, 30
  digits) failed in ``queryset.filter(pk__in=…)``.

``SafeChangeListMixin`` closes them for every ModelAdmin of the site, ours and third-party
ones alike: ``MentoratAdminSite.register`` mixes it into each (``admin_site.py``). A NUL
character never gets this far: ``NullCharacterMiddleware`` answers 400 first.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ValidationError

from .admin_pagination import liste_par_les_cles

# What a bad value raises on its way to a query: conversions (ValueError, TypeError,
# ValidationError) and dates out of Python's range (OverflowError).
ERREURS_DE_VALEUR = (ValueError, TypeError, OverflowError, ValidationError)

# The hierarchy's year, month and day, as Django reads them, must give a period whose end and
# UTC shift stay inside Python's dates.
BORNES_HIERARCHIE = {
    "year": (dt.MINYEAR + 1, dt.MAXYEAR - 1),
    "month": (1, 12),
    "day": (1, 31),
}

MESSAGE_FILTRES_INVALIDES = (
    "Les filtres demandés ne sont pas valides (une date ou un identifiant impossible) : "
    "la liste est affichée sans eux."
)


def _hierarchie_valide(params, champ: str) -> bool:
    for partie, (minimum, maximum) in BORNES_HIERARCHIE.items():
        valeurs = params.getlist(f"{champ}__{partie}")
        for valeur in valeurs:
            # At most 5 characters before int(): no 5,000-digit conversion either.
            if not (valeur.isascii() and valeur.isdigit() and len(valeur) <= 5):
                return False
            if not minimum <= int(valeur) <= maximum:
                return False
    return True


def _identifiant_valide(model, valeur: str) -> bool:
    """Whether ``valeur`` can be one of ``model``'s primary keys (in the database's range)."""
    if "\x00" in valeur:
        return False
    try:
        pk = model._meta.pk.to_python(valeur)
    except ERREURS_DE_VALEUR:
        return False
    return not isinstance(pk, int) or -(2**63) <= pk < 2**63


_classes_sures: dict[type, type] = {}


def safe_changelist(base: type) -> type:
    """``base`` (a ChangeList class) whose bad filters raise IncorrectLookupParameters."""
    if issubclass(base, SafeChangeListBase):
        return base
    if base not in _classes_sures:
        _classes_sures[base] = type(f"Safe{base.__name__}", (SafeChangeListBase, base), {})
    return _classes_sures[base]


class SafeChangeListBase:
    """Mixed before a ChangeList class by ``safe_changelist``."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Each row's link keeps the list's filters (``?_changelist_filters=…``). Django adds
        # them row by row in ``items_for_result`` (``add_preserved_filters``), resolving each
        # row's URL against every admin pattern to learn whether it is the changelist's: a
        # hundred resolutions per searched or filtered page (25 ms of a 250 ms meetings
        # search on national data). A row's link is its change page, never the changelist:
        # the filters are added here once, to the same link Django would write.
        self._filtres_des_lignes = self.preserved_filters
        self.preserved_filters = ""

    def url_for_result(self, result):
        url = super().url_for_result(result)
        if self._filtres_des_lignes:
            url = f"{url}{'&' if '?' in url else '?'}{self._filtres_des_lignes}"
        return url

    def get_filters(self, request):
        if self.date_hierarchy and not _hierarchie_valide(request.GET, self.date_hierarchy):
            raise IncorrectLookupParameters(f"{self.date_hierarchy} : date hors limites")
        try:
            return super().get_filters(request)
        except ERREURS_DE_VALEUR as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_queryset(self, request, exclude_parameters=None):
        try:
            return super().get_queryset(request, exclude_parameters)
        except ERREURS_DE_VALEUR as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request):
        try:
            super().get_results(request)
        except ERREURS_DE_VALEUR as exc:
            raise IncorrectLookupParameters(exc) from exc
        liste_par_les_cles(self)


class SafeChangeListMixin:
    """For a ModelAdmin: its changelist never answers 500 to a filter or to an action's
    selection, and says why the list it shows after Django's ``?e=1`` redirect is unfiltered."""

    def get_changelist(self, request, **kwargs):
        return safe_changelist(super().get_changelist(request, **kwargs))

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and ERROR_FLAG in request.GET:
            messages.warning(request, MESSAGE_FILTRES_INVALIDES)
        return super().changelist_view(request, extra_context)

    def response_action(self, request, queryset):
        selection = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if not all(_identifiant_valide(self.model, valeur) for valeur in selection):
            self.message_user(
                request,
                "La sélection envoyée ne désigne pas des lignes de cette liste : aucune action "
                "n'a été effectuée.",
                messages.WARNING,
            )
            return None  # Django then shows the list again
        return super().response_action(request, queryset)
