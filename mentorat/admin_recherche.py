"""The admin's search box, fast on national data.

Django's search joins every table its ``search_fields`` name and tests each field with
``UPPER(…) LIKE '%…%'``, all ORed together: searching the meetings for « Benali » joined a
million meetings to their pairs, mentees, mentors and accounts and read them all, for the
count, the page and the date bar each (3.4 s).

``RechercheIndexeeMixin`` (mixed into every ModelAdmin by ``MentoratAdminSite.register``)
answers the same search with the same rows, differently: the fields are grouped by the
relation they go through, and each relation becomes a subquery on its own table — the
accounts whose name or e-mail matches, the pairs of those accounts, the meetings of those
pairs — joined by primary keys. On PostgreSQL the name, e-mail and company columns carry
trigram indexes (``pg_trgm``, migrations ``mentorat 0021`` and ``parrainages 0044``), so the
innermost subquery reads an index rather than the table; elsewhere (SQLite) the same query
runs without them. A term made of digits also matches the row's number exactly.

Fields that go through a many-to-many or reverse relation keep Django's own search (which
joins), as do ModelAdmins that override ``get_search_results`` themselves.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import smart_split, unescape_string_literal

PREFIXES = {"^": "istartswith", "=": "iexact", "@": "search"}
# Words of one search taken into account (the others are ignored): staff type a name or two.
MOTS_MAX = 6
# Beyond this, a number typed in the box cannot be a primary key (bigint).
CHIFFRES_MAX = 18


def _analyser(champ: str) -> tuple[list[str], str]:
    """``"=parrainage__filleul__user__email"`` → (["parrainage", "filleul", "user"],
    "email__iexact"). A field already ending in a lookup (``"pk__exact"``) is not ours:
    ``_directe`` sends it to Django's search."""
    lookup = "icontains"
    if champ[:1] in PREFIXES:
        lookup, champ = PREFIXES[champ[0]], champ[1:]
    *chemin, nom = champ.split(LOOKUP_SEP)
    return chemin, f"{nom}__{lookup}"


def _directe(model, chemin: list[str], lookup: str) -> bool:
    """Whether ``chemin`` follows only forward foreign keys (each row has at most one) to a
    model that has the field the lookup tests (not a relation, not a lookup of its own)."""
    for nom in chemin:
        try:
            champ = model._meta.get_field(nom)
        except FieldDoesNotExist:
            return False
        # Forward only: the reverse side of a one-to-one is not concrete.
        if not (champ.is_relation and champ.concrete and (champ.many_to_one or champ.one_to_one)):
            return False
        model = champ.related_model
    try:
        champ = model._meta.get_field(lookup.split(LOOKUP_SEP)[0])
    except FieldDoesNotExist:
        return False
    return champ.concrete and not champ.is_relation


def _arbre(model, champs: list[tuple[list[str], str]]) -> dict:
    """The fields as a tree of relations: ``{"": [lookups here], "fk": subtree, …}``."""
    arbre: dict = {"": []}
    for chemin, lookup in champs:
        noeud = arbre
        for nom in chemin:
            noeud = noeud.setdefault(nom, {"": []})
        noeud[""].append(lookup)
    return arbre


def _cles(model, arbre: dict, terme: str):
    """The primary keys of ``model``'s rows matching ``terme`` on the tree's fields: rows whose
    own fields match, and rows whose related row matches (by its key, from a subquery on that
    row's table). Each branch is its own query on one table, the branches a UNION: each can
    use its index, where one ``OR`` across them makes PostgreSQL read the whole table."""
    branches = []
    if arbre[""]:
        propres = Q()
        for lookup in arbre[""]:
            propres |= Q(**{lookup: terme})
        branches.append(model._base_manager.filter(propres))
    for nom, sous_arbre in arbre.items():
        if nom:
            cible = model._meta.get_field(nom).related_model
            cles = _cles(cible, sous_arbre, terme)
            branches.append(model._base_manager.filter(**{f"{nom}__in": cles}))
    branches = [b.order_by().values("pk") for b in branches]
    return branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]


def _condition(model, arbre: dict, terme: str) -> Q:
    """The rows of the list matching ``terme``. When every field goes through one foreign key
    (the meetings: their pair's people), the condition is on that key's column itself —
    ``parrainage_id IN (the pairs found)`` — rather than on the row's own key through a
    subquery on the same table (``id IN (SELECT id … WHERE parrainage_id IN …)``), which made
    PostgreSQL read the million meetings a second time to join them back by key."""
    relations = [nom for nom in arbre if nom]
    if not arbre[""] and len(relations) == 1:
        (nom,) = relations
        cible = model._meta.get_field(nom).related_model
        return Q(**{f"{nom}__in": _cles(cible, arbre[nom], terme)})
    return Q(pk__in=_cles(model, arbre, terme))


def _mots(recherche: str) -> list[str]:
    """The words searched, as Django splits them (quotes keep a phrase), each once, the
    first ``MOTS_MAX``: every word is a subquery per relation, and four hundred of them (a
    pasted text, a hostile address) would hold the database for minutes."""
    mots = []
    for morceau in smart_split(recherche):
        if morceau[:1] in ('"', "'") and morceau[-1:] == morceau[:1]:
            morceau = unescape_string_literal(morceau)
        if morceau and morceau.casefold() not in {m.casefold() for m in mots}:
            mots.append(morceau)
    return mots[:MOTS_MAX]


class RechercheIndexeeMixin:
    def get_search_results(self, request, queryset, search_term):
        champs = [_analyser(c) for c in self.get_search_fields(request)]
        model = queryset.model
        directs = [(c, lookup) for c, lookup in champs if _directe(model, c, lookup)]
        if not search_term or not champs or len(directs) < len(champs):
            return super().get_search_results(request, queryset, search_term)
        arbre = _arbre(model, directs)
        for morceau in _mots(search_term):
            condition = _condition(model, arbre, morceau)
            if morceau.isascii() and morceau.isdigit() and len(morceau) <= CHIFFRES_MAX:
                condition |= Q(pk=int(morceau))
            queryset = queryset.filter(condition)
        # Subqueries by primary key: a row appears once, whatever matched.
        return queryset, False
