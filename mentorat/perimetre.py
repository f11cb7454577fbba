"""What a staff member may see and change: the programmes and territories of their structures.

A staff member belongs to one or more *structures* (the city's employment service, a Mission
locale, a national programme's national team or one of its regional teams…) with a role in each
(coordinator, counsellor, read-only). A structure runs programmes and may be limited to a
territory (a region, départements, communes). The staff member's *perimeter* is the list of
(programme, territory, role) it gives; a record is theirs when one of its programmes is in the
list and its place (the person's commune) lies in that programme's territory. Whoever holds the
``programmes.tout_voir`` permission (the Administrateur group, superusers) sees everything.

This module is the one place that says it: the admin's querysets (``admin_perimetre``), the
follow-up page, the exports, the matching runs, the reports and the staff pages outside the
admin all ask ``perimetre_de(request)``. The perimeter is read once per request, in one query
(``programmes/perimetre.py`` registers how: this core app does not import the apps above it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q, QuerySet, Subquery

# Roles in a structure, from the least to the most rights.
LECTURE = "lecture"
CONSEILLER = "conseiller"
COORDINATEUR = "coordinateur"
RANG = {LECTURE: 0, CONSEILLER: 1, COORDINATEUR: 2}

PERMISSION_TOUT_VOIR = "programmes.tout_voir"


@dataclass(frozen=True)
class Entree:
    """One programme as one structure gives it: its territory (``None``: all of it) and role."""

    programme_id: int
    role: str
    structure_id: int
    departements: frozenset[str] | None = None
    communes: frozenset[str] = frozenset()

    @property
    def limitee(self) -> bool:
        return self.departements is not None


@dataclass(frozen=True)
class Portee:
    """How a model's rows reach a programme and a place, as ORM paths.

    ``programme``: paths to a programme's id field (``"programme"``, ``"parrainage__programme"``,
    ``"candidatures__programme"``); a row is in scope through any of them. ``lieu``: paths to a
    ``Commune`` (``"filleul__commune"``); a territory holds the row when one of them lies in it.
    Rows with no ``lieu`` (a programme's settings) are in scope with their programme whatever
    the territory. ``ecriture``: the least role that may add, change or delete such rows.
    ``multiple``: a path crosses a to-many relation (the rows are then filtered through their
    ids, never duplicated). ``sans_programme``: the relations whose emptiness makes a person
    attached to no programme yet (a mentee who has not applied nor been referred): seen by the
    staff of the structures that run the platform, in their territory.
    """

    programme: tuple[str, ...]
    lieu: tuple[str, ...] = ()
    ecriture: str = CONSEILLER
    multiple: bool = False
    sans_programme: tuple[str, ...] = ()

    def __init__(self, programme, lieu=(), ecriture=CONSEILLER, multiple=False, sans_programme=()):
        object.__setattr__(self, "programme", _tuple(programme))
        object.__setattr__(self, "lieu", _tuple(lieu))
        object.__setattr__(self, "ecriture", ecriture)
        object.__setattr__(self, "multiple", multiple)
        object.__setattr__(self, "sans_programme", _tuple(sans_programme))


def _tuple(value) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


# Rows no structure gives: platform internals and accounts' secrets (the Administrateur's).
RESERVE_ADMINISTRATEURS = "reserve_administrateurs"


@dataclass
class Perimetre:
    """A staff member's perimeter, read once per request."""

    tout: bool = False
    entrees: tuple[Entree, ...] = ()
    # (territory, role): where the people attached to no programme are seen (``None``: all).
    orphelins: tuple = ()
    _par_programme: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for entree in self.entrees:
            self._par_programme.setdefault(entree.programme_id, []).append(entree)

    # -- what it holds -------------------------------------------------------------------

    @property
    def vide(self) -> bool:
        return not self.tout and not self.entrees and not self.orphelins

    def programmes(self, role: str = LECTURE) -> set[int] | None:
        """The programmes' ids with at least ``role``; ``None`` when everything is seen."""
        if self.tout:
            return None
        return {e.programme_id for e in self.entrees if RANG[e.role] >= RANG[role]}

    def role(self, programme_id: int | None = None) -> str | None:
        """The best role on ``programme_id`` (any programme when ``None``)."""
        if self.tout:
            return COORDINATEUR
        if programme_id:
            roles = [e.role for e in self._par_programme.get(programme_id, ())]
        else:
            roles = [e.role for e in self.entrees] + [r for _t, r in self.orphelins]
        return max(roles, key=RANG.__getitem__, default=None)

    def peut(self, role: str, programme_id: int | None = None) -> bool:
        mien = self.role(programme_id)
        return mien is not None and RANG[mien] >= RANG[role]

    def peut_partout(self, role: str) -> bool:
        """Whether every programme and territory seen is seen with ``role`` at least (then any
        row seen may be changed: no need to ask row by row)."""
        if self.tout:
            return True
        roles = [e.role for e in self.entrees] + [r for _t, r in self.orphelins]
        return bool(roles) and all(RANG[r] >= RANG[role] for r in roles)

    def _entrees(self, programme_id: int, role: str = LECTURE) -> list[Entree]:
        return [e for e in self._par_programme.get(programme_id, ()) if RANG[e.role] >= RANG[role]]

    def national(self, programme_id: int, role: str = LECTURE) -> bool:
        """Whether the whole of ``programme_id`` is seen (no territory limit), with ``role``."""
        if self.tout:
            return True
        return any(not e.limitee for e in self._entrees(programme_id, role))

    def territoire(
        self, programme_id: int, role: str = LECTURE
    ) -> tuple[frozenset[str], frozenset[str]] | None:
        """The départements and communes seen of ``programme_id`` with ``role`` (``None``: all
        of it; two empty sets: none of it)."""
        if self.national(programme_id, role):
            return None
        deps, communes = set(), set()
        for e in self._entrees(programme_id, role):
            deps |= e.departements or set()
            communes |= e.communes
        return frozenset(deps), frozenset(communes)

    def structures(self, programme_id: int, role: str = LECTURE) -> list[int]:
        """The ids of the structures that give ``programme_id`` with ``role`` (the national
        ones first): whom a matching run or a figure is for."""
        entrees = sorted(
            self._entrees(programme_id, role), key=lambda e: (e.limitee, e.structure_id)
        )
        return [e.structure_id for e in entrees]

    # -- filters -------------------------------------------------------------------------

    def q(self, portee: Portee, role: str = LECTURE, model=None) -> Q:
        """The condition a row of ``portee`` meets to be in this perimeter (with ``role``).

        With ``model`` (the rows' model), every to-many hop of a path becomes a subquery
        (``pk IN (SELECT …)``): the rows are never duplicated and the database filters each
        relation on its own indexes instead of joining them all under one OR (on national
        data, 0.3 s instead of 6 s for a regional team's mentees)."""
        if self.tout:
            return Q()
        # Group programmes by territory: one condition per distinct territory.
        par_territoire: dict = {}
        for e in self.entrees:
            if RANG[e.role] < RANG[role]:
                continue
            cle = None if not e.limitee or not portee.lieu else (e.departements, e.communes)
            par_territoire.setdefault(cle, set()).add(e.programme_id)
        # A programme seen whole by one structure needs no territory from another.
        entiers = par_territoire.pop(None, set())
        condition = Q(pk__in=[])
        if entiers:
            condition |= self._par_un_chemin(model, portee, sorted(entiers))
        # The territory first, then the programme by any path: ``lieu AND (a OR b OR c)``, not
        # ``(a AND lieu) OR (b AND lieu) OR …``, which the database can only read by testing
        # every path on every row of the country before it looks at the place.
        for (deps, communes), ids in par_territoire.items():
            ids = sorted(ids - entiers)
            if ids:
                dedans = _dans_le_territoire(portee.lieu, deps, communes)
                condition |= dedans & self._par_un_chemin(model, portee, ids)
        territoires = [t for t, r in self.orphelins if RANG[r] >= RANG[role]]
        if portee.sans_programme and territoires:
            sans = Q()
            for relation in portee.sans_programme:
                sans &= _sans(model, relation)
            if None in territoires or not portee.lieu:
                condition |= sans
            else:
                for deps, communes in territoires:
                    condition |= sans & _dans_le_territoire(portee.lieu, deps, communes)
        return condition

    @staticmethod
    def _par_un_chemin(model, portee: Portee, ids: list[int]) -> Q:
        """A row reaching one of the programmes ``ids`` by any of ``portee``'s paths."""
        condition = Q(pk__in=[])
        for chemin in portee.programme:
            condition |= _condition(model, chemin, "in", ids)
        return condition

    def filtrer(self, queryset, portee: Portee, role: str = LECTURE):
        """``queryset`` limited to this perimeter (the same rows, never duplicated)."""
        if self.tout:
            return queryset
        if self.vide:
            return queryset.none()
        return queryset.filter(self.q(portee, role, queryset.model))

    def contient(self, programme_id: int | None, commune=None, role: str = LECTURE) -> bool:
        """Whether a row of ``programme_id`` placed in ``commune`` (a ``Commune`` or ``None``)
        is in this perimeter with ``role``: for pages that already hold the row."""
        if self.tout:
            return True
        for e in self._par_programme.get(programme_id, ()):
            if RANG[e.role] < RANG[role]:
                continue
            if not e.limitee:
                return True
            if commune is not None and (
                commune.departement in e.departements or commune.code_insee in e.communes
            ):
                return True
        return False


def _saut_multiple(model, chemin: str):
    """The first to-many hop of ``chemin`` from ``model``: (path before it, the relation
    field, path after it), or ``None`` when the path only follows foreign keys."""
    parties = chemin.split("__")
    courant = model
    for i, nom in enumerate(parties):
        try:
            champ = courant._meta.get_field(nom)
        except Exception:  # a lookup or a column name: no relation further
            return None
        if not champ.is_relation:
            return None
        if champ.one_to_many or champ.many_to_many:
            return "__".join(parties[:i]), champ, "__".join(parties[i + 1 :])
        courant = champ.related_model
    return None


def _sous_requete(champ, reste: str, lookup: str | None, valeur):
    """The ids of the rows on this side of the to-many relation ``champ`` whose other side
    meets ``reste__lookup=valeur`` (all of them that have one when ``lookup`` is ``None``)."""
    if champ.many_to_many:
        m2m = champ if not champ.auto_created else champ.field
        through = m2m.remote_field.through
        if not champ.auto_created:  # forward: this side is the source
            ici, la_bas = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        else:
            ici, la_bas = m2m.m2m_reverse_field_name(), m2m.m2m_field_name()
        lignes = through._default_manager.all()
        if lookup is not None:
            cible = la_bas + (f"__{reste}" if reste else "")
            lignes = lignes.filter(_condition(through, cible, lookup, valeur))
        return lignes.values(f"{ici}_id")
    # A reverse foreign key: the rows of the other model point here.
    autre = champ.related_model
    colonne = champ.field.attname
    lignes = autre._default_manager.filter(**{f"{colonne}__isnull": False})
    if lookup is not None:
        lignes = lignes.filter(_condition(autre, reste or "pk", lookup, valeur))
    return lignes.values(colonne)


def _condition(model, chemin: str, lookup: str, valeur) -> Q:
    """``Q(chemin__lookup=valeur)``, its to-many hops turned into subqueries."""
    saut = _saut_multiple(model, chemin) if model is not None else None
    if saut is None:
        return Q(**{f"{chemin}__{lookup}": valeur})
    avant, champ, reste = saut
    if not avant and champ.one_to_many:
        return Q(_existe(champ, reste, lookup, valeur))
    cle = f"{avant}__pk__in" if avant else "pk__in"
    return Q(**{cle: _sous_requete(champ, reste, lookup, valeur)})


def _existe(champ, reste: str, lookup: str | None, valeur) -> Exists:
    """``EXISTS`` a row of the reverse foreign key ``champ`` pointing at this row (and meeting
    ``reste__lookup=valeur``). Unlike ``pk IN (SELECT …)``, which the database can only read by
    hashing every row of the other table first (200,000 applications for one national
    programme, at each count, page and date bound), ``EXISTS`` lets it choose: the hash for a
    whole list, or the row's own index entry for the few rows a page or a bounded count
    reads."""
    autre = champ.related_model
    lignes = autre._default_manager.filter(**{champ.field.name: OuterRef("pk")})
    if lookup is not None:
        lignes = lignes.filter(_condition(autre, reste or "pk", lookup, valeur))
    return Exists(lignes)


def _sans(model, relation: str) -> Q:
    """The rows with nothing through the to-many ``relation`` (attached to no programme)."""
    saut = _saut_multiple(model, relation) if model is not None else None
    if saut is None:
        return Q(**{f"{relation}__isnull": True})
    avant, champ, _reste = saut
    if not avant and champ.one_to_many:
        return ~Q(_existe(champ, "", None, None))
    cle = f"{avant}__pk__in" if avant else "pk__in"
    return ~Q(**{cle: _sous_requete(champ, "", None, None)})


def _dans_le_territoire(lieux: Iterable[str], deps, communes) -> Q:
    """The rows placed (by one of the paths ``lieux``, each to a ``Commune``) in the
    départements ``deps`` or the communes ``communes``.

    One path: joined to its commune (``commune__departement IN …``), which lets the database
    start from the territory's communes when they are few. Several paths (a pair's mentee and
    mentor, ``lieu_filleul`` and ``lieu_parrain``): each key is tested against the
    territory's communes, read once (``lieu_filleul_id IN (SELECT id FROM commune WHERE …) OR
    lieu_parrain_id IN (…)``, each a hashed set in PostgreSQL). Joined under the OR, both
    communes were looked up for each row: the ended pairs of the follow-up page, 25,500 of
    them walked for the Hauts-de-France team on national data, 134–187 ms so, 14–28 ms by the
    keys. Both forms hold the same rows; a path with no commune (a mentor who gave none) is in
    no territory either way."""
    lieux = list(lieux)
    if len(lieux) > 1:
        dedans = _communes_du_territoire(deps, communes)
        condition = Q(pk__in=[])
        for lieu in lieux:
            condition |= Q(**{f"{lieu}__in": dedans})
        return condition
    condition = Q(pk__in=[])
    for lieu in lieux:
        if deps:
            condition |= Q(**{f"{lieu}__departement__in": sorted(deps)})
        if communes:
            condition |= Q(**{f"{lieu}__code_insee__in": sorted(communes)})
    return condition


def _communes_du_territoire(deps, communes) -> QuerySet:
    """The ids of the communes of the départements ``deps`` and the communes ``communes`` (by
    their INSEE code), as a subquery. The commune model is the reference data's
    (``programmes``), named here and not imported: this core app does not import the apps
    above it."""
    commune = apps.get_model("programmes", "Commune")
    lieu = Q(pk__in=[])
    if deps:
        lieu |= Q(departement__in=sorted(deps))
    if communes:
        lieu |= Q(code_insee__in=sorted(communes))
    return commune._base_manager.filter(lieu).order_by().values("pk")


class DansLesCles(Expression):
    """``colonne`` holds one of the keys ``cles`` (a query of one column, or an expression
    that is one: ``RawSQL("SELECT id FROM …")``).

    On PostgreSQL, ``colonne = ANY(ARRAY(SELECT …))``: the keys are read once, then looked up
    in the column's own index (several such tests joined by OR become one bitmap of the
    table's rows), where ``colonne IN (SELECT …)`` under an OR can only be tested row by row
    against a hash of the keys after reading every row the other conditions leave. Elsewhere
    (SQLite), ``colonne IN (SELECT …)``: the same rows. A NULL column is in no territory,
    as with the join it replaces. Not for a negated condition: ``~Q(DansLesCles(…))`` leaves
    the NULL column's rows out too, where Django's ``exclude()`` through a join keeps them."""

    conditional = True

    def __init__(self, colonne, cles):
        super().__init__(output_field=BooleanField())
        self.colonne = F(colonne) if isinstance(colonne, str) else colonne
        self.cles = Subquery(cles) if isinstance(cles, QuerySet) else cles

    def get_source_expressions(self):
        return [self.colonne, self.cles]

    def set_source_expressions(self, exprs):
        self.colonne, self.cles = exprs

    def as_sql(self, compiler, connection):
        colonne, params_colonne = compiler.compile(self.colonne)
        cles, params_cles = compiler.compile(self.cles)
        if connection.vendor == "postgresql":
            sql = f"{colonne} = ANY(ARRAY{cles})"
        else:
            sql = f"{colonne} IN {cles}"
        return sql, (*params_colonne, *params_cles)


# How a user's perimeter is read: registered by the app that holds the structures.
_lecteur: Callable | None = None


def lecteur_enregistrer(lecteur: Callable) -> None:
    """``lecteur(user) -> (entries, orphans' territories)`` reads a user's perimeter (one
    query)."""
    global _lecteur
    _lecteur = lecteur


def perimetre_de(request_or_user) -> Perimetre:
    """The perimeter of the request's user (read once per request) or of a user."""
    request = request_or_user if hasattr(request_or_user, "user") else None
    user = request.user if request is not None else request_or_user
    porteur = request if request is not None else user
    deja = getattr(porteur, "_perimetre", None)
    if deja is not None:
        return deja
    if not (user.is_authenticated and user.is_active and user.is_staff):
        perimetre = Perimetre()
    elif user.is_superuser or user.has_perm(PERMISSION_TOUT_VOIR):
        perimetre = Perimetre(tout=True)
    else:
        entrees, orphelins = _lecteur(user) if _lecteur else ((), ())
        perimetre = Perimetre(entrees=entrees, orphelins=orphelins)
    porteur._perimetre = perimetre
    return perimetre
