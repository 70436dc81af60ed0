"""Paging for lists that grow with the data (issue 22 item 2): bounded by the page.

Django's Paginator counts every row of the list (an exact COUNT over every case the
user may see) before it shows the first 25. `BoundedPaginator` counts at most
`cap` + 1 rows (COUNT over a LIMIT subquery), so a list costs the same at a thousand
and at a hundred thousand rows: it knows "N" up to the cap and "more than the cap"
beyond it. Only the pages within the cap can be opened; a page number beyond them
(or past the end) gets the last known page, never an error. Narrowing the search or
the filters finds the rest; the list's sort options still apply to what is shown.

Usage: `page = BoundedPaginator(queryset, 25).get_page(request.GET.get("side"))`; the
template include `includes/pagination.html` and `page.paginator.more` /
`page.paginator.cap_shown` say when the count was cut.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property

# The most rows a list counts. A multiple of the usual page sizes (20, 25, 40, 50).
COUNT_CAP = 1000


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = int(COUNT_CAP if cap is None else cap)

    @cached_property
    def _known(self):
        """How many rows there are, counted up to cap + 1: one query at most."""
        rows = self.object_list
        if isinstance(rows, QuerySet) and not rows.query.combinator:
            # The ids only and no ORDER BY: which rows fall under the cap does not
            # matter for how many there are, and the database need not sort them all.
            return rows.order_by().values("pk")[: self.cap + 1].count()
        return len(rows[: self.cap + 1])

    @cached_property
    def count(self):
        """The rows that can be paged through: all of them, or the first `cap`."""
        return min(self._known, self.cap)

    @cached_property
    def more(self):
        """Whether there are more rows than the cap (and so than the pages show)."""
        return self._known > self.cap

    @property
    def cap_shown(self):
        """The cap as the user's language writes numbers ("1 000", "1,000")."""
        return number_format(self.cap, force_grouping=True)
