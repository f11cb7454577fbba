"""The weighted score of candidate pairs, component by component, in whole points.

Each component is rounded to whole points before they are added up, so that the points shown
in a pair's reasons always add up exactly to its score.
"""

import numpy as np

from .arrays import Mentees, Mentors, bitset_any, bitset_count
from .features import Limits, ProgrammeRules, Weights

COMPONENTS = ("secteur", "distance", "disponibilites", "niveau", "attente")
# Shared availability slots beyond this many add nothing.
SLOTS_FOR_FULL_POINTS = 3
# A mentee retained this many days ago (or more) gets every waiting point.
WAITING_DAYS_FOR_FULL_POINTS = 90
# Years of experience expected of a mentor, by the mentee's diploma level (French
# national framework, 0 to 8): more qualified profiles call for more seasoned mentors.
EXPECTED_YEARS = np.array([3, 3, 3, 5, 6, 8, 10, 12, 15], dtype=np.float64)


def expected_years(levels: np.ndarray) -> np.ndarray:
    return EXPECTED_YEARS[np.clip(levels, 0, len(EXPECTED_YEARS) - 1)]


def component_points(
    mentees: Mentees,
    mentors: Mentors,
    mi: np.ndarray,
    pj: np.ndarray,
    *,
    distance_km: np.ndarray,
    remote: np.ndarray,
    rules: ProgrammeRules,
    weights: Weights,
    limits: Limits,
) -> dict[str, np.ndarray]:
    """Points of each component for the pairs (mentee ``mi[k]``, mentor ``pj[k]``)."""
    scale = rules.distance_max_km or limits.distance_scale_km
    closeness = np.clip(1.0 - distance_km / scale, 0.0, 1.0)
    closeness[np.isnan(closeness) | remote] = 0.0
    slots = np.minimum(bitset_count(mentees.slots[mi], mentors.slots[pj]), SLOTS_FOR_FULL_POINTS)
    fit = np.minimum(1.0, mentors.years[pj] / expected_years(mentees.level[mi]))
    waiting = np.minimum(1.0, mentees.waiting[mi] / WAITING_DAYS_FOR_FULL_POINTS)
    fractions = {
        "secteur": bitset_any(mentees.sectors[mi], mentors.sectors[pj]).astype(np.float64),
        "distance": closeness,
        "disponibilites": slots / SLOTS_FOR_FULL_POINTS,
        "niveau": fit,
        "attente": waiting,
    }
    return {
        name: np.rint(getattr(weights, name) * fractions[name]).astype(np.int32)
        for name in COMPONENTS
    }


def total(points: dict[str, np.ndarray]) -> np.ndarray:
    return sum(points[name] for name in COMPONENTS)
