"""What the matching core reads and returns: plain dataclasses, no database."""

from collections.abc import Mapping
from dataclasses import dataclass, field

REGULIER, PONCTUEL, IMMERSION = "regulier", "ponctuel", "immersion"
# A pair gets the first form, in this order, that the programme, the mentor and the mentee share.
FORMES = (REGULIER, PONCTUEL, IMMERSION)
# An immersion happens inside the mentor's company: it cannot be done remotely.
FORMES_A_DISTANCE = (REGULIER, PONCTUEL)


@dataclass(frozen=True, slots=True)
class FilleulFeatures:
    """A mentee waiting for a mentor in one programme."""

    id: int
    latitude: float | None = None
    longitude: float | None = None
    departement: str = ""
    secteurs: frozenset[str] = frozenset()
    disponibilites: frozenset[str] = frozenset()
    niveau_diplome: int = 0
    attente_jours: int = 0
    distanciel_accepte: bool = True
    formes: frozenset[str] | None = None  # None: every form of the programme
    parrains_exclus: frozenset[int] = frozenset()  # mentors already declined for this mentee
    mineur: bool = False  # under 18 on the day of the run


@dataclass(frozen=True, slots=True)
class ParrainFeatures:
    """A mentor of the programme, with the places they have left."""

    id: int
    latitude: float | None = None
    longitude: float | None = None
    departement: str = ""
    secteurs: frozenset[str] = frozenset()
    disponibilites: frozenset[str] = frozenset()
    annees_experience: int = 0
    places: int = 1
    distanciel_accepte: bool = False
    formes: frozenset[str] = frozenset({REGULIER})
    honorabilite_verifiee: bool = False  # staff recorded a background check


@dataclass(frozen=True)
class ProgrammeRules:
    """The programme's hard rules: its forms, its maximum distance, its territory, and
    whether a minor may only be paired with a mentor whose background check is recorded."""

    formes: frozenset[str] = frozenset(FORMES)
    distance_max_km: float | None = None
    departements: frozenset[str] = frozenset()  # empty: the whole country
    controle_honorabilite: bool = False


@dataclass(frozen=True)
class Weights:
    """Points of each score component for a perfect fit (set per programme by staff)."""

    secteur: int = 35
    distance: int = 25
    disponibilites: int = 15
    niveau: int = 10
    attente: int = 15

    def __post_init__(self):
        values = (self.secteur, self.distance, self.disponibilites, self.niveau, self.attente)
        if min(values) < 0:
            raise ValueError("Les poids ne peuvent pas être négatifs.")


@dataclass(frozen=True)
class Labels:
    """How to name sectors and availability slots in the reasons (codes by default)."""

    secteurs: Mapping[str, str] = field(default_factory=dict)
    disponibilites: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """How many candidate mentors each mentee keeps.

    The number follows from an edge budget: a city programme keeps (nearly) every valid pair,
    a national one a few per mentee, so that the assignment stays fast and its memory bounded.
    """

    edge_budget: int = 300_000
    min_candidates: int = 8
    max_candidates: int = 200
    # Search radius of the in-person score when the programme sets no maximum distance.
    distance_scale_km: float = 50.0

    def candidates_per_mentee(self, mentees: int) -> int:
        per_mentee = self.edge_budget // max(mentees, 1)
        return max(self.min_candidates, min(self.max_candidates, per_mentee))


@dataclass(frozen=True, slots=True)
class Reason:
    """One component of a pair's score, in the words staff read, with its points; ``bref``
    says it in two or three words for a list (« secteur ✓ », « 4 km », « disponibilités 2/3 »)
    and ``composante`` names the component (``scoring.COMPONENTS``)."""

    libelle: str
    points: int
    composante: str = ""
    bref: str = ""

    def __str__(self):
        unit = "point" if abs(self.points) <= 1 else "points"
        return f"{self.libelle} — {self.points} {unit}"


@dataclass(frozen=True, slots=True)
class Proposal:
    filleul_id: int
    parrain_id: int
    forme: str
    score: int
    reasons: tuple[Reason, ...]
    distance_km: float | None = None
    # 0: the mentee's one proposal. Where the mentee chooses among several (``options``):
    # 1 for the optimal assignment's mentor, 2, 3… for the next best-scoring valid mentors.
    rang: int = 0


@dataclass(frozen=True, slots=True)
class Unmatched:
    filleul_id: int
    reason: str


@dataclass
class MatchingResult:
    proposals: list[Proposal]
    unmatched: list[Unmatched]
    stats: dict = field(default_factory=dict)

    @property
    def total_score(self) -> int:
        return sum(p.score for p in self.proposals)

    @property
    def mean_score(self) -> float | None:
        return self.total_score / len(self.proposals) if self.proposals else None
