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
from .qualite import (
    OBJECTIFS_MAX,
    Avancement,
    AvancementObjectif,
    ObjectifBinome,
    PointEtape,
)
from .selection import (
    CritereEvaluation,
    DemiJournee,
    EvaluateurInvite,
    Evaluation,
    Note,
    ParticipationSelection,
    Presence,
    SessionSelection,
    invitations_tenues,
    membre_de_cohorte,
)

__all__ = [
    "AGE_MAJORITE",
    "AutorisationParentale",
    "Avancement",
    "AvancementObjectif",
    "BilanImmersion",
    "Candidature",
    "Charte",
    "CritereEvaluation",
    "DemiJournee",
    "EvaluateurInvite",
    "Evaluation",
    "EvenementCandidature",
    "Filleul",
    "Immersion",
    "ImportParrains",
    "MatchingRun",
    "MotifRefus",
    "OBJECTIFS_MAX",
    "ObjectifBinome",
    "Note",
    "Parrain",
    "Parrainage",
    "ParticipationSelection",
    "PointEtape",
    "Presence",
    "Rencontre",
    "RepresentantLegal",
    "SessionSelection",
    "Sortie",
    "Theme",
    "add_months",
    "age_on",
    "invitations_tenues",
    "membre_de_cohorte",
]
