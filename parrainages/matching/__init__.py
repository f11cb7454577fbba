"""The matching core: mentees and mentors in, an optimal explained assignment out.

Pure Python and NumPy/SciPy: no database here. The service (``parrainages.services.matching``)
reads the features from the database, calls ``match`` and writes the proposals.
"""

from .assignment import AssignmentError, assign_greedy, assign_optimal
from .engine import Problem, match
from .features import (
    FORMES,
    FORMES_A_DISTANCE,
    IMMERSION,
    PONCTUEL,
    REGULIER,
    FilleulFeatures,
    Labels,
    Limits,
    MatchingResult,
    ParrainFeatures,
    ProgrammeRules,
    Proposal,
    Reason,
    Unmatched,
    Weights,
)

__all__ = [
    "FORMES",
    "FORMES_A_DISTANCE",
    "IMMERSION",
    "PONCTUEL",
    "REGULIER",
    "AssignmentError",
    "FilleulFeatures",
    "Labels",
    "Limits",
    "MatchingResult",
    "ParrainFeatures",
    "Problem",
    "ProgrammeRules",
    "Proposal",
    "Reason",
    "Unmatched",
    "Weights",
    "assign_greedy",
    "assign_optimal",
    "match",
]
