from .appariement import MatchingRun
from .charte import Charte, DemandeSignature, Signature
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
    "BilanImmersion",
    "Candidature",
    "Charte",
    "DemandeSignature",
    "Filleul",
    "Immersion",
    "ImportParrains",
    "MatchingRun",
    "Parrain",
    "Parrainage",
    "Rencontre",
    "RepresentantLegal",
    "Signature",
    "Sortie",
    "Theme",
    "add_months",
    "age_on",
]
