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

les-emplois met the same wall on its big admin lists (``show_full_result_count = False``, a
paginator that does not count): here a count is kept, because staff use it up to thousands.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

PLAFOND = 10_000


class PaginationBornee(Paginator):
    """A paginator that counts at most ``plafond`` + 1 rows of a queryset."""

    plafond = PLAFOND

    @cached_property
    def count(self):
        lignes = self.object_list
        if not hasattr(lignes, "query") or lignes.query.is_sliced:
            return super().count
        # Without its order: the database may stop at the bound instead of sorting all rows.
        return min(lignes.order_by()[: self.plafond + 1].count(), self.plafond + 1)

    @property
    def depasse(self) -> bool:
        """Whether the list holds more rows than the bound (its count is then a floor)."""
        return self.count > self.plafond

    @cached_property
    def num_pages(self):
        # The pages of the bounded rows only: no OFFSET past the bound.
        if self.depasse:
            return max(1, -(-self.plafond // self.per_page))
        return super().num_pages


class PaginationBorneeMixin:
    """For a ModelAdmin: its changelist paginated by ``PaginationBornee``."""

    paginator = PaginationBornee
