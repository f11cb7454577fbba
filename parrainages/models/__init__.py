from .appariement import MatchingRun
from .autorisation import AutorisationParentale
from .charte import Charte
from .immersion import BilanImmersion, Immersion
from .imports import ImportParrains
from .parrainage import (
    Candidature,
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
    "BilanImmersion",
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
