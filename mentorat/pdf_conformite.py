"""What of PDF/UA-1 (ISO 14289-1) a program can check in a document, without a person.

The Matterhorn Protocol (PDF Association) lists the PDF/UA failure conditions and says which a
machine can detect. This module checks the ones that decide whether a screen reader can use the
file at all:

- the file says it is tagged (``/MarkInfo /Marked true``, Matterhorn 01-002) and holds a
  structure tree with content (``/StructTreeRoot``, 01-001);
- it declares its natural language (``/Lang``, 11-006);
- it has a title in its metadata (``dc:title``, 06-003) that the viewer shows instead of the
  file name (``/ViewerPreferences /DisplayDocTitle true``, 07-001);
- its metadata identify it as PDF/UA (``pdfuaid:part``, 06-002);
- every font is embedded (31-001 and following);
- each page with annotations orders their tabbing by structure (``/Tabs /S``, 28-... for links).

It does not replace a full validator (veraPDF, PAC), which also checks that every piece of
content is tagged and that tags are used as their standard meaning says; none is available from
the package registries this project installs from. ``manage.py verifier_pdf <fichier>`` runs it
on any file; the tests run it on every kind of document the platform produces.
"""

import io
import re

from pypdf import PdfReader
from pypdf.generic import IndirectObject


def _objet(valeur):
    return valeur.get_object() if isinstance(valeur, IndirectObject) else valeur


def _polices(ressources, vues: set) -> list:
    """The font dictionaries used by a page's resources (their XObjects' too)."""
    ressources = _objet(ressources) or {}
    polices = []
    for police in (_objet(ressources.get("/Font")) or {}).values():
        police = _objet(police)
        if id(police) not in vues:
            vues.add(id(police))
            polices.append(police)
    for xobjet in (_objet(ressources.get("/XObject")) or {}).values():
        xobjet = _objet(xobjet)
        if xobjet.get("/Subtype") == "/Form" and "/Resources" in xobjet:
            polices += _polices(xobjet["/Resources"], vues)
    return polices


def _police_incorporee(police) -> bool:
    if police.get("/Subtype") == "/Type3":
        return True  # drawn by the file itself
    if police.get("/Subtype") == "/Type0":
        return all(_police_incorporee(_objet(d)) for d in police.get("/DescendantFonts", []))
    descripteur = _objet(police.get("/FontDescriptor"))
    return bool(descripteur) and any(
        cle in descripteur for cle in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def verifier_pdf_ua(contenu: bytes) -> list[str]:
    """The failures found, in French (an empty list: nothing found)."""
    lecteur = PdfReader(io.BytesIO(contenu))
    racine = lecteur.trailer["/Root"]
    echecs = []
    if not (_objet(racine.get("/MarkInfo")) or {}).get("/Marked"):
        echecs.append("Le document ne se déclare pas balisé (/MarkInfo /Marked).")
    arbre = _objet(racine.get("/StructTreeRoot"))
    if not arbre or not arbre.get("/K"):
        echecs.append("Le document n'a pas d'arbre de structure (/StructTreeRoot).")
    if not str(racine.get("/Lang") or "").strip():
        echecs.append("La langue du document n'est pas déclarée (/Lang).")
    if not (_objet(racine.get("/ViewerPreferences")) or {}).get("/DisplayDocTitle"):
        echecs.append("Le lecteur n'affiche pas le titre du document (/DisplayDocTitle).")
    metadonnees = _objet(racine.get("/Metadata"))
    xmp = metadonnees.get_data().decode("utf-8", "replace") if metadonnees else ""
    if not re.search(r'pdfuaid:part(="|>)\s*1', xmp):
        echecs.append("Les métadonnées n'identifient pas le document comme PDF/UA-1.")
    titre = re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", xmp, re.S)
    if not titre or not titre.group(1).strip():
        echecs.append("Le document n'a pas de titre dans ses métadonnées (dc:title).")
    vues: set = set()
    for numero, page in enumerate(lecteur.pages, start=1):
        for police in _polices(page.get("/Resources"), vues):
            if not _police_incorporee(police):
                nom = str(police.get("/BaseFont", "?"))
                echecs.append(f"Page {numero} : la police {nom} n'est pas incorporée.")
        if page.get("/Annots") and page.get("/Tabs") != "/S":
            echecs.append(f"Page {numero} : l'ordre de tabulation ne suit pas la structure.")
    return echecs
