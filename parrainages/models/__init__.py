from .appariement import MatchingRun
from .autorisation import AutorisationParentale
from .charte import Charte
from .imports import ImportParrains
from .parrainage import (
    Candidature,
    Immersion,
    Parrainage,
    Rencontre,
    Sortie,
    Theme,
    add_months,
)
from .personnes import AGE_MAJORITE, Filleul, Parrain, RepresentantLegal, age_on

__all__ = [
    "AGE_MAJORITE",
    "AutorisationParentale",
    "Candidature",
    "Charte",
    "Filleul",
    "Immersion",
    "ImportParrains",
    "MatchingRun",
    "Parrain",
    "Parrainage",
    "Rencontre",
    "RepresentantLegal",
    "Sortie",
    "Theme",
    "add_months",
    "age_on",
]
