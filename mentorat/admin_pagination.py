"""Admin lists counted up to a bound: "plus de 10 000 filleuls", never a count of the country.

Django's changelist counts every row of the list before it shows the first page, and numbers
the pages down to the last one. On national data a regional team's list of mentees is 65,000
rows: counting them is a scan of the region with the perimeter's conditions on each row (0.2 s
at rest, more under load), repeated at every page, for a figure nobody reads past "a lot". A
page 600 deep is an ``OFFSET 60000`` that reads and throws away 60,000 rows.

``PaginationBornee`` counts at most ``PLAFOND`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT
10001)``: the database stops at the 10,001st row) and offers the pages of those rows only. The
list then says "Plus de 10 000 …" and its pages stop at the 100th; a deeper row is found with
the search, the filters, the date bar or a sort — what staff do anyway. Below the bound the
count is exact, as before. ``MentoratAdminSite.register`` gives it to every ModelAdmin that
keeps Django's own paginator; the templates ``admin/pagination.html``, ``admin/search_form.html``
and ``admin/actions.html`` say "plus de" when the bound is reached.

A list found past the bound is remembered as such for five minutes (``DUREE_DEPASSE``), keyed
by its exact SQL (the perimeter's ids and the filters are in it): paging through it, sorting it
or coming back to it does not count again what can only say "plus de 10 000". A list under the
bound is counted at every view, exactly.

les-emplois met the same wall on its big admin lists (``show_full_result_count = False``, a
paginator that does not count): here a count is kept, because staff use it up to thousands.
"""

import hashlib

from django.contrib.admin.views.main import SEARCH_VAR
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property

PLAFOND = 10_000
DUREE_DEPASSE = 300  # seconds


def cle_de_liste(nature: str, queryset) -> str | None:
    """A cache key for what is read of ``queryset`` (its exact SQL and parameters), or
    ``None`` when it has none (an empty ``IN ()`` is never run)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    empreinte = hashlib.sha256(repr((queryset.db, sql, params)).encode()).hexdigest()
    return f"admin_liste:{nature}:{empreinte}"


def _lignes_des_cles(lignes, cles):
    """The rows of ``lignes`` whose keys are ``cles`` (a list, or a query of keys already
    filtered by ``lignes``' conditions), read with their related rows in ``lignes``' order,
    without its conditions again: the keys have passed them."""
    query = lignes.query
    page = lignes.model._base_manager.all()
    page.query.select_related = query.select_related
    page.query.deferred_loading = query.deferred_loading
    page._prefetch_related_lookups = lignes._prefetch_related_lookups
    page = page.filter(pk__in=cles)
    if query.order_by:
        page = page.order_by(*query.order_by)
    elif not query.default_ordering:
        page = page.order_by()
    if not query.standard_ordering:
        page = page.reverse()
    return page


def _a_part(lignes) -> bool:
    """Whether ``lignes`` must be read as it is (its keys alone would not give its rows):
    no related rows to join, ``DISTINCT``, annotated, or already sliced."""
    query = getattr(lignes, "query", None)
    return (
        query is None
        or not query.select_related
        or query.distinct
        or query.annotations
        or query.extra
        or query.is_sliced
        or getattr(lignes, "_fields", None) is not None
    )


def _lignes_de_la_page(lignes, bas: int, haut: int):
    """``lignes[bas:haut]``, in one query whose rows are chosen before they are joined.

    A list read with its related rows (``list_select_related``: the pair, the mentee, the
    mentor and their accounts of each meeting) and sorted on something its conditions do not
    give in order — a search that matches 40,000 meetings, a sort on a column — made
    PostgreSQL join all the matching rows to their related ones before it sorted them and kept
    a hundred. Here the page is ``WHERE id IN (SELECT id … ORDER BY … LIMIT 100 OFFSET …)``:
    the subquery sorts the keys of the list's own table, the outer query joins the hundred
    rows kept. One query, as before; the same rows in the same order.

    Left as it was: a list without related rows, one that is ``DISTINCT`` or annotated (an
    annotation may join what the keys alone would lose), or already sliced."""
    if _a_part(lignes):
        return lignes[bas:haut]
    return _lignes_des_cles(lignes, lignes.values("pk")[bas:haut])


class PaginationBornee(Paginator):
    """A paginator that counts at most ``plafond`` + 1 rows of a queryset."""

    plafond = PLAFOND
    # Set for a search (``PaginationBorneeMixin.get_paginator``): the count is the number of
    # the list's keys, read in order once, and a page the rows of its slice of them.
    cles_d_abord = False
    _cles = None

    @cached_property
    def count(self):
        lignes = self.object_list
        if not hasattr(lignes, "query") or lignes.query.is_sliced:
            return super().count
        if self.cles_d_abord and not _a_part(lignes):
            return self._compter_par_les_cles(lignes)
        # Without its order: the database may stop at the bound instead of sorting all rows.
        lignes = lignes.order_by()
        cle = cle_de_liste(f"depasse:{self.plafond}", lignes)
        if cle is not None and cache.get(cle):
            return self.plafond + 1
        compte = min(lignes[: self.plafond + 1].count(), self.plafond + 1)
        if cle is not None and compte > self.plafond:
            cache.set(cle, True, DUREE_DEPASSE)
        return compte

    @property
    def depasse(self) -> bool:
        """Whether the list holds more rows than the bound (its count is then a floor)."""
        return self.count > self.plafond

    def page(self, number):
        """The page's rows, chosen and sorted on the list's own table first (its keys only,
        ``_cles_de_la_page``), then read whole with their related rows for those keys."""
        number = self.validate_number(number)
        bas = (number - 1) * self.per_page
        haut = bas + self.per_page
        if haut + self.orphans >= self.count:
            haut = self.count
        if self._cles is not None:
            lignes = _lignes_des_cles(self.object_list, self._cles[bas:haut])
        else:
            lignes = _lignes_de_la_page(self.object_list, bas, haut)
        return self._get_page(lignes, number, self)

    def _compter_par_les_cles(self, lignes) -> int:
        """The count of a searched list, from its first ``plafond`` + 1 keys in its order.

        A search (a common surname: 3,400 accounts, 1,800 meetings of a region) costs the
        same to count as to sort: the database finds every match and tests the perimeter on
        each, then does it all again for the page (170 ms + 200 ms on national data). Its
        keys are read once here, in the list's order and up to the bound; the count is their
        number and each page the rows of its slice, read by key. A list past the bound
        (remembered, ``DUREE_DEPASSE``) is counted and paged as any other."""
        cle = cle_de_liste(f"depasse:{self.plafond}", lignes.order_by())
        if cle is not None and cache.get(cle):
            return self.plafond + 1
        self._cles = list(lignes.values_list("pk", flat=True)[: self.plafond + 1])
        compte = len(self._cles)
        if compte > self.plafond:
            self._cles = None  # past the bound: its pages as any other list's
            if cle is not None:
                cache.set(cle, True, DUREE_DEPASSE)
        return compte

    @cached_property
    def num_pages(self):
        # The pages of the bounded rows only: no OFFSET past the bound.
        if self.depasse:
            return max(1, -(-self.plafond // self.per_page))
        return super().num_pages


def liste_par_les_cles(changelist) -> None:
    """After a searched list is counted by its keys: its rows, shown whole on one page (at
    most a page of them, or « Tout afficher »), and its date bar's first and last dates are
    read by those keys, not by the search again (Django reads the list's queryset again for
    both).

    Called once per changelist (a second call does nothing), by ``SafeChangeListBase`` after
    the changelist's own ``get_results``, or earlier by a changelist that works on its rows
    (``parrainages.admin.ParrainageChangeList``). Rows already read are left as they are: a
    changelist may have set attributes on them."""
    if getattr(changelist, "_lue_par_les_cles", False):
        return
    changelist._lue_par_les_cles = True
    cles = getattr(changelist.paginator, "_cles", None)
    if cles is None:
        return
    une_page = not changelist.multi_page or (changelist.show_all and changelist.can_show_all)
    if une_page and getattr(changelist.result_list, "_result_cache", None) is None:
        changelist.result_list = _lignes_des_cles(changelist.queryset, cles)
    lignes = changelist.queryset.model._base_manager.filter(pk__in=cles)
    lignes.__class__ = type(changelist.queryset)  # the date bar's bounded dates, if any
    changelist.queryset = lignes


class PaginationBorneeMixin:
    """For a ModelAdmin: its changelist paginated by ``PaginationBornee``."""

    paginator = PaginationBornee

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        if (
            isinstance(paginator, PaginationBornee)
            and request.GET.get(SEARCH_VAR, "").strip()
            and self.get_search_fields(request)
        ):
            paginator.cles_d_abord = True
        return paginator
