"""The documents of a partnership: the convention to sign (PDF) and a report's PDF, CSV, XLSX."""

from django.utils import timezone
from django.utils.text import slugify

from mentorat.exports import csv_ecrire
from mentorat.pdf import rendre_pdf

from . import graphiques
from .indicateurs import DEFINITIONS
from .selectors import COLONNES_FILLEULS
from .tableur import Classeur

TYPES_MIME = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- File names ---------------------------------------------------------------------------------


def nom_convention(convention) -> str:
    return f"convention-{slugify(convention.reference)}.pdf"


def nom_rapport(rapport, extension: str) -> str:
    reference = slugify(rapport.convention.reference)
    du, au = f"{rapport.periode_debut:%Y-%m-%d}", f"{rapport.periode_fin:%Y-%m-%d}"
    return f"rapport-{reference}-{du}-au-{au}.{extension}"


# --- Convention ---------------------------------------------------------------------------------


def convention_pdf(convention) -> bytes:
    objectifs = list(convention.objectifs.all())
    return rendre_pdf(
        "partenaires/pdf/convention.html",
        {
            "convention": convention,
            "partenaire": convention.partenaire,
            "programmes": list(convention.programmes.all()),
            "objectifs": [(o, DEFINITIONS[o.indicateur]) for o in objectifs],
        },
    )


# --- Report -------------------------------------------------------------------------------------


def rapport_pdf(contenu: dict) -> bytes:
    return rendre_pdf(
        "partenaires/pdf/rapport.html",
        {
            **contenu,
            "graphique_temps": graphiques.courbes(contenu["series"], largeur=680, hauteur=260),
            "graphique_sorties": graphiques.barres(contenu["sorties"], largeur=680),
        },
    )


def rapport_csv(lignes) -> bytes:
    """The referred people, one per line, through the platform's CSV writer (no formulas)."""
    return csv_ecrire(COLONNES_FILLEULS, lignes)


def rapport_xlsx(contenu: dict, lignes) -> bytes:
    """Sheets: the referred people, the indicators, the outcomes, the cohort (programmes that
    count outcomes over their selection week), the events, the definitions."""
    convention, debut, fin = contenu["convention"], contenu["debut"], contenu["fin"]
    classeur = Classeur()
    classeur.feuille("Filleuls orientés", lignes, entete=COLONNES_FILLEULS, figer_entete=True)

    indicateurs = [
        [f"Convention {convention.reference} — {convention.partenaire.nom}"],
        [f"Période du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}"],
        [],
        [
            "Indicateur",
            "Sur la période",
            "Depuis le début de la convention",
            "Objectif",
            "Fenêtre",
            "Réalisé sur la fenêtre",
            "Taux d'atteinte (%)",
        ],
    ]
    for ligne in contenu["lignes"]:
        if not ligne.avancements:
            indicateurs.append([ligne.libelle, ligne.valeur, ligne.cumul])
        for a in ligne.avancements:
            indicateurs.append(
                [
                    ligne.libelle,
                    ligne.valeur,
                    ligne.cumul,
                    a.cible,
                    a.libelle_fenetre,
                    a.valeur,
                    a.taux,
                ]
            )
    classeur.feuille("Indicateurs", indicateurs)
    classeur.feuille(
        "Sorties",
        [
            [s.libelle, "oui" if s.positive else "non", s.fin, s.six_mois]
            for s in contenu["sorties"]
        ],
        entete=["Situation", "Sortie positive", "À la fin du parrainage", "À six mois"],
    )
    cohorte = contenu.get("cohorte")
    if cohorte is not None:
        classeur.feuille(
            "Cohorte",
            [
                ["Membres de la cohorte (invités à la semaine de sélection)", cohorte.membres],
                ["Dont avec un binôme", cohorte.avec_binome],
                ["Dont retenus sans binôme", cohorte.retenus_sans_binome],
                ["Dont partis après la semaine de sélection", cohorte.partis_apres_selection],
                ["Dont sur liste d'attente", cohorte.en_liste_attente],
                ["Dont en attente de décision", cohorte.en_attente_de_decision],
                ["Situations à six mois relevées", cohorte.reponses_six_mois],
                ["Sorties positives à six mois", cohorte.positives_six_mois],
                ["Taux de sorties positives sur la cohorte (%)", cohorte.taux],
            ],
            entete=[f"Cohorte au {cohorte.jusqu_au:%d/%m/%Y}", "Nombre"],
        )
    classeur.feuille(
        "Événements",
        [
            [
                e.titre,
                e.programme.nom,
                e.get_type_display(),
                timezone.localtime(e.debut).replace(tzinfo=None),
                "oui" if e.compte else "non",
                e.inscrits,
                e.presents,
                e.presences_attribuees,
            ]
            for e in contenu["evenements"]
        ],
        entete=[
            "Événement",
            "Programme",
            "Type",
            "Date",
            "Compté pour le partenaire",
            "Inscrits",
            "Présents",
            "Présences attribuées au partenaire",
        ],
    )
    classeur.feuille(
        "Définitions",
        [[d.libelle, d.definition, d.date, d.attribution] for d in contenu["definitions"]],
        entete=["Indicateur", "Ce qui est compté", "Date retenue", "Attribution au partenaire"],
    )
    return classeur.contenu()
