"""Who the demo mentors and mentees of each programme are: sizes, places, profiles."""

from dataclasses import dataclass, field

from programmes.models import NiveauDiplome as N
from programmes.models import Situation as S

from . import partenaires as org
from .noms import FONCTIONS_MANAGERS, FONCTIONS_RH
from .programmes import AUVERGNE, HAUTE_GARONNE, NQT, PARIS, STRASBOURG

TOUS_SECTEURS = "ABCDEFGHIJKLMN"
SECTEURS_EN_TENSION = "GHFK"  # hôtellerie-restauration, industrie, construction, services

# Big cities for the national programme (INSEE codes; Paris by arrondissement).
GRANDES_VILLES = [
    "75111",
    "75118",
    "75119",
    "75120",
    "69123",
    "13055",
    "59350",
    "33063",
    "44109",
    "31555",
    "67482",
    "34172",
    "35238",
    "06088",
    "63113",
]


@dataclass
class ProfilFilleul:
    poids: int
    ages: tuple[int, int]
    niveaux: dict[int, int]
    situations: dict[str, int]
    qpv: float  # share living in a priority neighbourhood
    secteurs: str
    prescripteurs: list[tuple[str | None, int]]  # partner name (None: online sign-up)
    anciennete_ft_mois: tuple[int, int] = (1, 30)
    part_immersion: float = 0.15  # share of pairs in the immersion form, when offered
    part_ville_principale: float | None = None  # overrides the programme's share


@dataclass
class PopulationDemo:
    slug: str
    parrains: int
    filleuls: int
    entreprises: str  # key of noms.ENTREPRISES
    fonctions: list[tuple[str, str]]
    ville_principale: str | None  # INSEE code weighted more
    part_ville_principale: float
    profils: list[ProfilFilleul]
    ineligibilites: list[str]  # ways some candidates fall outside the rules
    communes: list[str] = field(default_factory=list)  # fixed list (national programme)
    mobilite_km: tuple[int, ...] = (5, 10, 15, 20)


NIVEAUX_PEU_QUALIFIES = {N.AUCUN: 3, N.BREVET: 2, N.CAP_BEP: 4, N.BAC: 4, N.BAC_2: 1}

POPULATIONS = [
    PopulationDemo(
        slug=PARIS,
        parrains=70,
        filleuls=200,
        entreprises="paris",
        fonctions=FONCTIONS_RH,
        ville_principale=None,
        part_ville_principale=0,
        profils=[
            ProfilFilleul(
                poids=1,
                ages=(18, 58),
                niveaux={N.AUCUN: 1, N.CAP_BEP: 3, N.BAC: 3, N.BAC_2: 2, N.BAC_3: 2, N.BAC_5: 1},
                situations={S.DEMANDEUR_EMPLOI: 6, S.MISSION_LOCALE: 3},
                qpv=0.45,
                secteurs=TOUS_SECTEURS,
                prescripteurs=[(org.ML_PARIS, 3), (org.FT_PARIS_19, 3), (None, 4)],
                part_immersion=0.15,
            )
        ],
        ineligibilites=["age_bas", "territoire", "situation"],
        mobilite_km=(5, 10),
    ),
    PopulationDemo(
        slug=STRASBOURG,
        parrains=30,
        filleuls=100,
        entreprises="strasbourg",
        fonctions=FONCTIONS_MANAGERS,
        ville_principale="67482",
        part_ville_principale=0.7,
        profils=[
            ProfilFilleul(
                poids=1,
                ages=(18, 30),
                niveaux=NIVEAUX_PEU_QUALIFIES,
                situations={S.DEMANDEUR_EMPLOI: 4, S.MISSION_LOCALE: 4, S.SANS_ACTIVITE: 1},
                qpv=1.0,
                secteurs="DFGHIKN",
                prescripteurs=[
                    (org.ML_STRASBOURG, 4),
                    (org.FT_HAUTEPIERRE, 3),
                    (org.ASSO_100_CHANCES, 2),
                ],
                part_immersion=0.25,
            )
        ],
        ineligibilites=["age_haut", "qpv", "territoire"],
        mobilite_km=(10, 15, 20, 30),
    ),
    PopulationDemo(
        slug=NQT,
        parrains=40,
        filleuls=130,
        entreprises="national",
        fonctions=FONCTIONS_MANAGERS + FONCTIONS_RH,
        ville_principale=None,
        part_ville_principale=0,
        communes=GRANDES_VILLES,
        profils=[
            ProfilFilleul(
                poids=1,
                ages=(21, 29),
                niveaux={N.BAC_3: 5, N.BAC_5: 4, N.BAC_8: 1},
                situations={S.JEUNE_DIPLOME: 6, S.DEMANDEUR_EMPLOI: 3},
                qpv=1.0,
                secteurs="CDEHIJMN",
                prescripteurs=[(org.FT_PARIS_19, 2), (org.NQT_ASSO, 3), (None, 5)],
                anciennete_ft_mois=(1, 14),
            )
        ],
        ineligibilites=["diplome", "age_haut", "qpv"],
        mobilite_km=(10, 20, 50),
    ),
    PopulationDemo(
        slug=AUVERGNE,
        parrains=30,
        filleuls=90,
        entreprises="auvergne",
        fonctions=FONCTIONS_MANAGERS,
        ville_principale="63113",
        part_ville_principale=0.5,
        profils=[
            ProfilFilleul(
                poids=13,
                ages=(22, 58),
                niveaux=NIVEAUX_PEU_QUALIFIES,
                situations={S.DEMANDEUR_EMPLOI: 1},
                qpv=0.3,
                secteurs=SECTEURS_EN_TENSION,
                prescripteurs=[(org.FT_CLERMONT, 6), (org.CLUB_AUVERGNE, 1), (None, 2)],
                anciennete_ft_mois=(12, 48),
                part_immersion=0.2,
            ),
            ProfilFilleul(
                poids=7,
                ages=(14, 15),
                niveaux={N.AUCUN: 1},
                situations={S.ELEVE_3E_REP: 1},
                qpv=0.8,
                secteurs=SECTEURS_EN_TENSION + "DJM",
                prescripteurs=[(org.COLLEGE_CLERMONT, 1)],
                part_immersion=0.5,
                part_ville_principale=1.0,  # pupils of the REP collège in Clermont-Ferrand
            ),
        ],
        ineligibilites=["anciennete", "territoire", "situation"],
        mobilite_km=(10, 20, 30, 40),
    ),
    PopulationDemo(
        slug=HAUTE_GARONNE,
        parrains=30,
        filleuls=80,
        entreprises="toulouse",
        fonctions=FONCTIONS_MANAGERS,
        ville_principale="31555",
        part_ville_principale=0.65,
        profils=[
            ProfilFilleul(
                poids=1,
                ages=(16, 25),
                niveaux=NIVEAUX_PEU_QUALIFIES,
                situations={S.MISSION_LOCALE: 1},
                qpv=0.35,
                secteurs="FHIJKMN",
                prescripteurs=[(org.ML_HAUTE_GARONNE, 5), (org.FT_TOULOUSE, 2)],
            )
        ],
        ineligibilites=["age_haut", "situation", "territoire"],
        mobilite_km=(10, 15, 20, 30),
    ),
]
