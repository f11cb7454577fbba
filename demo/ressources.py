"""Resources for the demo programmes' mentors: a short guide rendered as a PDF (a text file
where WeasyPrint cannot run), a practical sheet, useful links, and a draft not yet published.
Idempotent: a resource already there (same programme, same title) is left as it is."""

from django.core.files.base import ContentFile
from django.utils.html import escape

from mentorat.televersements import format_detecter
from programmes.models import Ressource
from programmes.services import ressource_enregistrer

CONSEILS = [
    "Prenez contact dans la semaine qui suit l'acceptation : un appel suffit pour fixer la "
    "première rencontre.",
    "À la première rencontre, écoutez le projet de votre filleul avant de conseiller ; "
    "convenez ensemble de deux ou trois objectifs.",
    "Consignez chaque rencontre dans votre espace : l'équipe voit ainsi que tout va bien.",
    "Ouvrez votre carnet d'adresses : une mise en relation vaut souvent mieux qu'un conseil.",
    "Une difficulté, un doute ? Écrivez à l'équipe du programme, dont les coordonnées sont "
    "sur cette page.",
]

FICHE_PREMIERE_RENCONTRE = """Préparer la première rencontre

Avant :
- relisez la fiche de votre filleul (projet, secteurs souhaités, disponibilités) ;
- proposez un lieu calme ou une visioconférence, et une durée d'une heure.

Pendant :
- présentez votre parcours en quelques minutes ;
- laissez votre filleul raconter le sien et ce qu'il attend du parrainage ;
- fixez ensemble deux ou trois objectifs et la date de la prochaine rencontre.

Après :
- consignez la rencontre dans votre espace parrain ;
- envoyez le contact ou l'offre promis dans la semaine.
"""

LIENS = [
    (
        "Le mentorat sur 1 jeune 1 solution",
        Ressource.Type.SITE,
        "Le plan « 1 jeune 1 mentor » et les structures de mentorat.",
        "https://www.1jeune1solution.gouv.fr/mentorat",
    ),
    (
        "France Travail : les métiers qui recrutent",
        Ressource.Type.SITE,
        "Pour orienter les recherches de votre filleul vers les métiers porteurs.",
        "https://www.francetravail.fr/",
    ),
]


def _guide_html(programme) -> str:
    conseils = "".join(f"<li>{escape(c)}</li>" for c in CONSEILS)
    return (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>Guide du parrain — {escape(programme.nom)}</title></head><body>"
        f"<h1>Guide du parrain et de la marraine</h1><h2>{escape(programme.nom)}</h2>"
        f"<p>Porté par {escape(programme.porteur)}.</p>"
        f"<h3>Cinq conseils pour bien accompagner</h3><ol>{conseils}</ol></body></html>"
    )


def _guide(programme, pdf: bool) -> tuple[bytes, str]:
    if pdf:
        from mentorat.pdf import html_vers_pdf

        return html_vers_pdf(_guide_html(programme)), "guide-du-parrain.pdf"
    texte = f"Guide du parrain et de la marraine — {programme.nom}\n\n" + "\n".join(
        f"{i}. {c}" for i, c in enumerate(CONSEILS, 1)
    )
    return texte.encode(), "guide-du-parrain.txt"


def _creer(programme, titre, **champs) -> bool:
    if Ressource.objects.filter(programme=programme, titre=titre).exists():
        return False
    contenu, nom = champs.pop("contenu", (None, None))
    ressource = Ressource(programme=programme, titre=titre, **champs)
    format_code = ""
    if contenu is not None:
        fichier = ContentFile(contenu, name=nom)
        format_code = format_detecter(fichier)
        ressource.fichier = fichier
    ressource_enregistrer(ressource=ressource, format_code=format_code)
    return True


def ressources_demo(programmes, *, pdf: bool) -> int:
    """Resources for each programme; returns how many were created."""
    crees = 0
    for programme in programmes:
        crees += _creer(
            programme,
            "Guide du parrain et de la marraine",
            type=Ressource.Type.GUIDE,
            description="Le rôle du parrain, le déroulé d'un parrainage et cinq conseils.",
            contenu=_guide(programme, pdf),
            ordre=1,
            publiee=True,
        )
        crees += _creer(
            programme,
            "Fiche : préparer la première rencontre",
            type=Ressource.Type.FICHE,
            description="Avant, pendant, après : une page à garder sous la main.",
            contenu=(FICHE_PREMIERE_RENCONTRE.encode(), "premiere-rencontre.txt"),
            ordre=2,
            publiee=True,
        )
        for ordre, (titre, type_, description, lien) in enumerate(LIENS, 3):
            crees += _creer(
                programme,
                titre,
                type=type_,
                description=description,
                lien=lien,
                ordre=ordre,
                publiee=True,
            )
        crees += _creer(
            programme,
            "Calendrier des tables rondes (brouillon)",
            type=Ressource.Type.AUTRE,
            description="À publier quand les dates seront fixées.",
            lien="https://www.francetravail.fr/",
            ordre=9,
            publiee=False,
        )
    return crees
