"""The documents of a partnership: the convention to sign (PDF) and a report's PDF, CSV, XLSX."""

from django.utils import timezone
from django.utils.text import slugify

from mentorat.exports import csv_ecrire
from mentorat.pdf import rendre_pdf

from . import graphiques
from .indicateurs import DEFINITIONS
from .publics import masquer
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
    if extension == "ventilation":
        return f"rapport-{reference}-{du}-au-{au}-publics-secteurs.csv"
    return f"rapport-{reference}-{du}-au-{au}.{extension}"


# What the report's files are, by the name the download URLs use: (field, MIME type).
FICHIERS_RAPPORT = {
    "pdf": ("pdf", TYPES_MIME["pdf"]),
    "csv": ("csv", TYPES_MIME["csv"]),
    "xlsx": ("xlsx", TYPES_MIME["xlsx"]),
    "ventilation": ("csv_ventilation", TYPES_MIME["csv"]),
}


# --- Convention ---------------------------------------------------------------------------------


def convention_contexte(convention, *, parties_signature=None) -> dict:
    from .selectors import actions_de_convention, parties_de_convention

    objectifs = list(convention.objectifs.select_related("secteur"))
    return {
        "convention": convention,
        "partenaire": convention.partenaire,
        "parties": parties_de_convention(convention),
        "actions": actions_de_convention(convention),
        "programmes": list(convention.programmes.all()),
        "objectifs": [(o, DEFINITIONS[o.indicateur]) for o in objectifs],
        # Online signing: each party's signature, as the machinery recorded it.
        "parties_signature": parties_signature,
    }


def convention_pdf(convention, *, parties_signature=None) -> bytes:
    return rendre_pdf(
        "partenaires/pdf/convention.html",
        convention_contexte(convention, parties_signature=parties_signature),
    )


# --- Report -------------------------------------------------------------------------------------


def ventilation_masquee(contenu: dict) -> list[list]:
    """The breakdown as a partner downloads it: one row per group, counts under 5 shown as
    « < 5 » (``publics.masquer``)."""
    return [
        [ligne.axe_libelle, ligne.libelle]
        + [masquer(ligne.valeurs[ind]) for ind, _libelle in contenu["ventilables"]]
        for ligne in contenu["ventilation"]
    ]


def entete_ventilation(contenu: dict) -> list[str]:
    return ["Axe", "Groupe"] + [libelle for _ind, libelle in contenu["ventilables"]]


def avancements_masques(contenu: dict) -> list:
    """The objectives, a targeted objective's value suppressed under 5 (``valeur_affichee``)."""
    for a in contenu["avancements"]:
        a.valeur_affichee = masquer(a.valeur) if a.cible_publique else a.valeur
    return contenu["avancements"]


def rapport_pdf(contenu: dict) -> bytes:
    avancements_masques(contenu)
    return rendre_pdf(
        "partenaires/pdf/rapport.html",
        {
            **contenu,
            "ventilation_entete": entete_ventilation(contenu),
            "ventilation_lignes": ventilation_masquee(contenu),
            "graphique_temps": graphiques.courbes(contenu["series"], largeur=680, hauteur=260),
            "graphique_sorties": graphiques.barres(contenu["sorties"], largeur=680),
        },
    )


def rapport_csv(lignes) -> bytes:
    """The referred people, one per line, through the platform's CSV writer (no formulas)."""
    return csv_ecrire(COLONNES_FILLEULS, lignes)


def rapport_csv_ventilation(contenu: dict) -> bytes:
    """Every broken-down indicator over the period, one row per public and per sector."""
    return csv_ecrire(entete_ventilation(contenu), ventilation_masquee(contenu))


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
            cible = a.cible_publique and masquer(a.valeur) != a.valeur
            indicateurs.append(
                [
                    a.libelle,
                    ligne.valeur,
                    ligne.cumul,
                    a.cible,
                    a.libelle_fenetre,
                    masquer(a.valeur) if a.cible_publique else a.valeur,
                    None if cible else a.taux,
                ]
            )
    classeur.feuille("Indicateurs", indicateurs)
    classeur.feuille(
        "Par public et secteur",
        ventilation_masquee(contenu),
        entete=entete_ventilation(contenu),
        figer_entete=True,
    )
    classeur.feuille(
        "Parties",
        [[p.partenaire.nom, p.get_role_display()] for p in contenu["parties"]],
        entete=["Partie", "Rôle"],
    )
    classeur.feuille(
        "Plan d'action",
        [
            [a.intitule, a.responsable_nom, a.echeance, a.get_statut_display()]
            for a in contenu["actions"]
        ],
        entete=["Action", "Responsable", "Échéance", "Statut"],
    )
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
        [[d.libelle, d.definition, d.date, d.attribution] for d in contenu["definitions"]]
        + [[libelle, definition, "", ""] for libelle, definition in contenu["definitions_publics"]],
        entete=["Indicateur", "Ce qui est compté", "Date retenue", "Attribution au partenaire"],
    )
    return classeur.contenu()
