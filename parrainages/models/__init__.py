from .appariement import MatchingRun
from .autorisation import AutorisationParentale
from .charte import Charte
from .decisions import EvenementCandidature, MotifRefus
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
    "EvenementCandidature",
    "Filleul",
    "Immersion",
    "ImportParrains",
    "MatchingRun",
    "MotifRefus",
    "Parrain",
    "Parrainage",
    "Rencontre",
    "RepresentantLegal",
    "Sortie",
    "Theme",
    "add_months",
    "age_on",
]
