"""How a staff member's perimeter is read from their structures (``mentorat/perimetre.py``).

One query: the user's places in structures, with each structure's programmes, territory and
communes. A structure with no programme gives nothing; one with no territory gives its
programmes whole.
"""

from collections import defaultdict

from mentorat.perimetre import Entree, lecteur_enregistrer
from mentorat.territoires import DEPARTEMENTS_DE_REGION

from .models import Affectation


def entrees_lire(user) -> tuple[tuple[Entree, ...], tuple]:
    """The user's entries, and the territories where they see the people attached to no
    programme yet (``None``: everywhere), from the structures that run the platform."""
    lignes = Affectation.objects.filter(user=user).values_list(
        "role",
        "structure_id",
        "structure__operateur",
        "structure__region",
        "structure__departements",
        "structure__programmes",
        "structure__communes__code_insee",
    )
    structures: dict = {}
    programmes = defaultdict(set)
    communes = defaultdict(set)
    for role, structure_id, operateur, region, deps, programme_id, commune in lignes:
        structures[structure_id] = (role, operateur, region, deps)
        if programme_id:
            programmes[structure_id].add(programme_id)
        if commune:
            communes[structure_id].add(commune)
    entrees, orphelins = [], []
    for structure_id, (role, operateur, region, deps) in structures.items():
        deps = set(deps or ()) | set(DEPARTEMENTS_DE_REGION.get(region or "", ()))
        limitee = bool(deps or communes[structure_id])
        territoire = (frozenset(deps), frozenset(communes[structure_id])) if limitee else None
        if operateur:
            orphelins.append((territoire, role))
        for programme_id in programmes[structure_id]:
            entrees.append(
                Entree(
                    programme_id=programme_id,
                    role=role,
                    structure_id=structure_id,
                    departements=territoire[0] if territoire else None,
                    communes=territoire[1] if territoire else frozenset(),
                )
            )
    entrees.sort(key=lambda e: (e.programme_id, e.structure_id))
    return tuple(entrees), tuple(orphelins)


def installer():
    lecteur_enregistrer(entrees_lire)


def coordinateurs(*, programme, commune=None) -> list:
    """The staff who coordinate ``programme`` where ``commune`` lies: the active staff with the
    coordinator role in a structure that runs the programme and whose territory holds the
    commune (a structure with no territory holds every commune). None found: the programme's
    named coordinator, if any. One query (two with the fallback)."""
    affectations = (
        Affectation.objects.filter(
            role=Affectation.Role.COORDINATEUR,
            structure__programmes=programme,
            user__is_active=True,
            user__is_staff=True,
        )
        .select_related("user", "structure")
        .prefetch_related("structure__communes")
        .order_by("user_id")
    )
    trouves = {}
    for affectation in affectations:
        structure = affectation.structure
        deps = set(structure.departements_du_territoire)
        codes = {c.code_insee for c in structure.communes.all()}
        if (
            (not deps and not codes)
            or (commune is not None and commune.departement in deps)
            or (commune is not None and commune.code_insee in codes)
        ):
            trouves.setdefault(affectation.user_id, affectation.user)
    if not trouves and programme.coordinateur_id:
        coordinateur = programme.coordinateur
        if coordinateur.is_active:
            trouves[coordinateur.pk] = coordinateur
    return list(trouves.values())
