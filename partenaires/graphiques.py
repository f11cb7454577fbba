"""Geometry of the hand-written SVG charts (portal and report PDF): plain numbers for templates.

``courbes`` draws cumulative monthly curves (referrals and pairs over time); ``barres`` draws
the outcomes breakdown. Templates ``partenaires/graphiques/*.html`` turn them into SVG.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

MOIS_COURTS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
# Distinct by colour and by stroke pattern (readable without colours, and in grey print).
STYLES = [
    {"couleur": "#000091", "tirets": ""},
    {"couleur": "#b34000", "tirets": "8 5"},
    {"couleur": "#18753c", "tirets": "2 4"},
]


def mois_court(jour: dt.date) -> str:
    return f"{MOIS_COURTS[jour.month - 1]} {jour:%y}"


def pas_arrondi(maximum: int, graduations: int = 4) -> int:
    """A round step (1, 2, 5 × 10^n) so that ``graduations`` steps cover ``maximum``."""
    brut = max(1, maximum) / graduations
    puissance = 10 ** math.floor(math.log10(brut))
    for facteur in (1, 2, 5, 10):
        if facteur * puissance >= brut:
            return max(1, int(facteur * puissance))
    return max(1, int(10 * puissance))


@dataclass
class Courbe:
    libelle: str
    couleur: str
    tirets: str
    points: str  # "x,y x,y …" for <polyline>
    marques: list[tuple[float, float]]
    dernier: int
    legende_x: int = 0


@dataclass
class GraphiqueCourbes:
    largeur: int
    hauteur: int
    gauche: int
    haut: int
    bas: int  # y of the x axis
    droite: int  # x of the right edge of the plot
    graduations: list[tuple[float, int]]  # (y, value)
    etiquettes: list[tuple[float, str]]  # (x, month label)
    courbes: list[Courbe]
    resume: str
    donnees: list[tuple[str, list[int]]] = field(default_factory=list)  # month, values

    @property
    def legende_y(self) -> int:
        return self.hauteur - 8

    @property
    def etiquette_y(self) -> int:
        return self.bas + 18


def courbes(series, *, largeur: int = 640, hauteur: int = 260) -> GraphiqueCourbes:
    """Cumulative curves of monthly series (``selectors.Serie``) sharing the same months."""
    gauche, droite_marge, haut, bas_marge = 52, 30, 16, 44
    droite, bas = largeur - droite_marge, hauteur - bas_marge
    cumuls = [s.cumul for s in series]
    mois = [m for m, _ in cumuls[0]] if cumuls else []
    maximum = max((v for c in cumuls for _, v in c), default=0)
    pas = pas_arrondi(maximum)
    plafond = max(pas, math.ceil(max(1, maximum) / pas) * pas)

    def x(i):
        if len(mois) <= 1:
            return (gauche + droite) / 2
        return gauche + i * (droite - gauche) / (len(mois) - 1)

    def y(valeur):
        return bas - valeur * (bas - haut) / plafond

    tracees = []
    for rang, (serie, cumul, style) in enumerate(zip(series, cumuls, STYLES, strict=False)):
        marques = [(round(x(i), 1), round(y(v), 1)) for i, (_, v) in enumerate(cumul)]
        tracees.append(
            Courbe(
                libelle=serie.libelle,
                couleur=style["couleur"],
                tirets=style["tirets"],
                points=" ".join(f"{a},{b}" for a, b in marques),
                marques=marques if len(marques) <= 24 else [],
                dernier=cumul[-1][1] if cumul else 0,
                legende_x=gauche + rang * 280,
            )
        )
    tous = max(1, math.ceil(len(mois) / 8))
    etiquettes = [(round(x(i), 1), mois_court(m)) for i, m in enumerate(mois) if i % tous == 0]
    graduations = [(round(y(v), 1), v) for v in range(0, plafond + 1, pas)]
    fin = f"fin {mois_court(mois[-1])}" if mois else ""
    resume = (
        f"Cumul depuis {mois_court(mois[0])} jusqu'à {fin} : "
        + ", ".join(f"{c.libelle.lower()} {c.dernier}" for c in tracees)
        + "."
        if mois
        else "Aucune donnée."
    )
    donnees = [(mois_court(m), [c[i][1] for c in cumuls]) for i, m in enumerate(mois)]
    return GraphiqueCourbes(
        largeur=largeur,
        hauteur=hauteur,
        gauche=gauche,
        haut=haut,
        bas=bas,
        droite=droite,
        graduations=graduations,
        etiquettes=etiquettes,
        courbes=tracees,
        resume=resume,
        donnees=donnees,
    )


@dataclass
class Barre:
    libelle: str
    positive: bool
    y: float
    fin: int
    six_mois: int
    largeur_fin: float
    largeur_six_mois: float
    x_fin: float = 0
    x_six_mois: float = 0


@dataclass
class GraphiqueBarres:
    largeur: int
    hauteur: int
    gauche: int
    echelle_max: int
    barres: list[Barre]
    resume: str

    @property
    def legende_y(self) -> int:
        return self.hauteur - 8

    couleur_fin: str = "#6a6af4"
    couleur_six_mois: str = "#000091"


def barres(lignes, *, largeur: int = 640) -> GraphiqueBarres:
    """Horizontal bars of outcomes by type (``selectors.LigneSortie``): at the end, at 6 months."""
    gauche, droite_marge, rang = 210, 48, 30
    maximum = max((max(ligne.fin, ligne.six_mois) for ligne in lignes), default=0)
    utile = largeur - gauche - droite_marge
    barres_ = [
        Barre(
            libelle=ligne.libelle.split(" (")[0],
            positive=ligne.positive,
            y=8 + i * rang,
            fin=ligne.fin,
            six_mois=ligne.six_mois,
            largeur_fin=round(utile * ligne.fin / maximum, 1) if maximum else 0,
            largeur_six_mois=round(utile * ligne.six_mois / maximum, 1) if maximum else 0,
        )
        for i, ligne in enumerate(lignes)
    ]
    for b in barres_:
        b.x_fin = round(gauche + b.largeur_fin + 4, 1)
        b.x_six_mois = round(gauche + b.largeur_six_mois + 4, 1)
    resume = "; ".join(
        f"{b.libelle} : {b.fin} à la fin, {b.six_mois} à six mois"
        for b in barres_
        if b.fin or b.six_mois
    )
    return GraphiqueBarres(
        largeur=largeur,
        hauteur=16 + len(barres_) * rang + 24,
        gauche=gauche,
        echelle_max=maximum,
        barres=barres_,
        resume=(resume + ".") if resume else "Aucune sortie enregistrée sur la période.",
    )
