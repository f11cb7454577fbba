"""Priority neighbourhoods (QPV): import of the official perimeters, and which one holds a point.

Source: ANCT, « Quartiers prioritaires de la politique de la ville (QPV) », data.gouv.fr
(https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/),
Licence Ouverte 2.0. The 2024 perimeters are those of the décret n° 2023-1314 du 28 décembre
2023 (metropolitan France) and of the décrets n° 2024-1211 and n° 2024-1212 du 27 décembre 2024
(overseas), taken under the loi n° 2014-173 du 21 février 2014, art. 5. See ``docs/qpv.md``.

The file read is the GeoJSON in WGS 84 (EPSG:4326 / CRS84), one feature per neighbourhood and
commune (a neighbourhood over two communes comes twice, with one geometry each): features are
grouped by code and their geometries united. Every feature is checked before anything is
written; one bad feature cancels the whole import. Point-in-polygon by shapely (GEOS).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import shapely
from django.db import transaction
from django.utils import timezone
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.ops import unary_union

from .models import QuartierPrioritaire

# The property names of the known editions: ANCT 2024 (« code_qp », « lib_qp »,
# « insee_com »…), the same in capitals (shapefile exports), and the « code_quartier »,
# « nom_quartier » of some republications. Any other layout is refused.
PROPRIETES_CODE = ("code_qp", "CODE_QP", "code_quartier")
PROPRIETES_NOM = ("lib_qp", "LIB_QP", "nom_qp", "NOM_QP", "nom_quartier")
PROPRIETES_COMMUNES = ("insee_com", "INSEE_COM", "code_insee", "insee_code")
PROPRIETES_DEPARTEMENT = ("insee_dep", "INSEE_DEP", "code_dep")
CRS_ACCEPTES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}

RE_CODE_QPV = re.compile(r"^QN(\d{3}|02[AB])\d{2}[A-Z]$")
RE_CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_CODE_LONGUEUR_MAX = QuartierPrioritaire._meta.get_field("code").max_length
_NOM_LONGUEUR_MAX = QuartierPrioritaire._meta.get_field("nom").max_length
_COMMUNES_LONGUEUR_MAX = QuartierPrioritaire._meta.get_field("communes").max_length


class ImportQPVError(Exception):
    """The file cannot be imported; the message says why, in French."""

    def __init__(self, message: str, erreurs: list[str] | None = None):
        self.erreurs = erreurs or []
        super().__init__("\n".join([message, *self.erreurs[:50]]))


@dataclass
class RapportImportQPV:
    quartiers: int
    crees: int
    mis_a_jour: int
    supprimes: int
    absents: int
    objets_lus: int
    duree: float

    def resume(self) -> str:
        duree = f"{self.duree:.1f}".replace(".", ",")
        texte = (
            f"Import terminé : {self.quartiers} quartiers prioritaires importés "
            f"({self.crees} créés, {self.mis_a_jour} mis à jour), {self.objets_lus} objets "
            f"GeoJSON lus en {duree} s."
        )
        if self.supprimes:
            texte += f" {self.supprimes} quartiers absents du fichier ont été supprimés."
        elif self.absents:
            texte += (
                f" {self.absents} quartiers déjà connus sont absents du fichier et ont été "
                "gardés (--remplacer pour les supprimer)."
            )
        return texte


@dataclass
class _Quartier:
    code: str
    nom: str
    communes: list[str]
    departement: str
    geometries: list


def importer_qpv(
    *, chemin_ou_fichier: str | Path | IO, remplacer: bool = False
) -> RapportImportQPV:
    """Import (create or update, by code) the perimeters of an ANCT QPV GeoJSON file.

    ``remplacer``: also delete the neighbourhoods the file does not hold (a new list).
    """
    debut = time.monotonic()
    donnees = _charger(chemin_ou_fichier)
    quartiers, objets_lus = _lire(donnees)
    source = Path(chemin_ou_fichier).name if isinstance(chemin_ou_fichier, str | Path) else ""
    maintenant = timezone.now()
    crees = mis_a_jour = 0
    with transaction.atomic():
        existants = {q.code: q for q in QuartierPrioritaire.objects.select_for_update()}
        for quartier in quartiers.values():
            geometrie = _unir(quartier.geometries)
            lon_min, lat_min, lon_max, lat_max = geometrie.bounds
            valeurs = {
                "nom": quartier.nom,
                "communes": " ".join(quartier.communes),
                "departement": quartier.departement,
                "geometrie": json.dumps(mapping(geometrie), separators=(",", ":")),
                "lon_min": lon_min,
                "lon_max": lon_max,
                "lat_min": lat_min,
                "lat_max": lat_max,
                "source": source[:200],
                "importe_le": maintenant,
            }
            objet = existants.get(quartier.code)
            if objet is None:
                QuartierPrioritaire.objects.create(code=quartier.code, **valeurs)
                crees += 1
            else:
                for champ, valeur in valeurs.items():
                    setattr(objet, champ, valeur)
                objet.save()
                mis_a_jour += 1
        absents = [code for code in existants if code not in quartiers]
        supprimes = 0
        if remplacer and absents:
            supprimes, _ = QuartierPrioritaire.objects.filter(code__in=absents).delete()
    return RapportImportQPV(
        quartiers=len(quartiers),
        crees=crees,
        mis_a_jour=mis_a_jour,
        supprimes=supprimes,
        absents=len(absents),
        objets_lus=objets_lus,
        duree=time.monotonic() - debut,
    )


def _charger(chemin_ou_fichier) -> dict:
    try:
        if hasattr(chemin_ou_fichier, "read"):
            if hasattr(chemin_ou_fichier, "seek"):
                chemin_ou_fichier.seek(0)
            contenu = chemin_ou_fichier.read()
            if isinstance(contenu, bytes):
                contenu = contenu.decode("utf-8-sig")
            return json.loads(contenu)
        chemin = Path(chemin_ou_fichier)
        if not chemin.is_file():
            raise ImportQPVError(f"Fichier introuvable : « {chemin} ».")
        with chemin.open(encoding="utf-8-sig") as fichier:
            return json.load(fichier)
    except UnicodeDecodeError as exc:
        raise ImportQPVError(
            "Le fichier n'est pas un GeoJSON lisible (encodage UTF-8 attendu)."
        ) from exc
    except json.JSONDecodeError as exc:
        raise ImportQPVError(
            f"Le fichier n'est pas un GeoJSON valide (ligne {exc.lineno}, colonne {exc.colno} : "
            f"{exc.msg}). Téléchargez le fichier « QP2024_France_Hexagonale_Outre_Mer_WGS84"
            ".geojson » du jeu de données de l'ANCT."
        ) from exc


def _lire(donnees) -> tuple[dict[str, _Quartier], int]:
    if not isinstance(donnees, dict) or donnees.get("type") != "FeatureCollection":
        raise ImportQPVError(
            "Le fichier n'est pas une collection GeoJSON (« FeatureCollection » attendue)."
        )
    crs = ((donnees.get("crs") or {}).get("properties") or {}).get("name")
    if crs and crs not in CRS_ACCEPTES:
        raise ImportQPVError(
            f"Système de coordonnées « {crs} » non pris en charge : prenez le fichier en WGS 84 "
            "(EPSG:4326), « QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson », et non celui "
            "en Lambert-93 ou en UTM."
        )
    objets = donnees.get("features")
    if not isinstance(objets, list) or not objets:
        raise ImportQPVError("Le fichier ne contient aucun quartier (liste « features » vide).")
    premier = (objets[0] or {}).get("properties") or {} if isinstance(objets[0], dict) else {}
    if not _cle(premier, PROPRIETES_CODE) or not _cle(premier, PROPRIETES_NOM):
        lues = ", ".join(f"« {nom} »" for nom in premier) or "aucune"
        raise ImportQPVError(
            f"Format de fichier non reconnu. Propriétés lues : {lues}. Propriétés attendues : "
            "« code_qp » et « lib_qp » (fichier QPV 2024 de l'ANCT), ou « CODE_QP » et "
            "« LIB_QP », ou « code_quartier » et « nom_quartier »."
        )
    quartiers: dict[str, _Quartier] = {}
    erreurs: list[str] = []
    for numero, objet in enumerate(objets, start=1):
        _lire_objet(numero, objet, quartiers, erreurs)
    if erreurs:
        raise ImportQPVError(
            f"Import annulé : {len(erreurs)} erreur(s), aucun quartier n'a été enregistré. "
            "Corrigez le fichier puis relancez l'import.",
            erreurs,
        )
    return quartiers, len(objets)


def _cle(proprietes: dict, noms: tuple[str, ...]) -> str | None:
    return next((nom for nom in noms if nom in proprietes), None)


def _texte(proprietes: dict, noms: tuple[str, ...]) -> str:
    cle = _cle(proprietes, noms)
    valeur = proprietes.get(cle) if cle else None
    return "" if valeur is None else str(valeur).strip()


def _lire_objet(numero, objet, quartiers, erreurs) -> None:
    if not isinstance(objet, dict):
        erreurs.append(f"Objet n° {numero} : ce n'est pas un objet GeoJSON (« Feature »).")
        return
    proprietes = objet.get("properties") or {}
    code = _texte(proprietes, PROPRIETES_CODE).upper()
    nom = " ".join(_texte(proprietes, PROPRIETES_NOM).split())
    ici = f"Objet n° {numero} ({code or 'sans code'})"
    erreurs_objet = []
    if not code:
        erreurs_objet.append("code du quartier manquant")
    elif len(code) > _CODE_LONGUEUR_MAX or not RE_CODE_QPV.match(code):
        erreurs_objet.append(f"code « {code[:20]} » invalide (format QN suivi de 6 caractères)")
    if not nom:
        erreurs_objet.append("nom du quartier manquant")
    elif len(nom) > _NOM_LONGUEUR_MAX:
        erreurs_objet.append(f"nom trop long ({len(nom)} caractères)")
    communes = _communes(proprietes, erreurs_objet)
    geometrie = _geometrie(objet.get("geometry"), erreurs_objet)
    if erreurs_objet:
        erreurs.extend(f"{ici} : {erreur}." for erreur in erreurs_objet)
        return
    departement = _texte(proprietes, PROPRIETES_DEPARTEMENT).upper() or _departement(code)
    quartier = quartiers.get(code)
    if quartier is None:
        quartiers[code] = _Quartier(code, nom, communes, departement[:3], [geometrie])
        return
    quartier.geometries.append(geometrie)
    quartier.communes.extend(c for c in communes if c not in quartier.communes)
    if len(" ".join(quartier.communes)) > _COMMUNES_LONGUEUR_MAX:
        erreurs.append(f"{ici} : trop de communes pour un quartier.")


def _communes(proprietes, erreurs_objet) -> list[str]:
    cle = _cle(proprietes, PROPRIETES_COMMUNES)
    valeur = proprietes.get(cle) if cle else None
    if valeur is None:
        return []
    morceaux = valeur if isinstance(valeur, list) else re.split(r"[,; ]+", str(valeur))
    communes = []
    for morceau in morceaux:
        code = str(morceau).strip().upper()
        if not code:
            continue
        if len(code) == 4 and code.isdigit():
            code = "0" + code
        if not RE_CODE_INSEE.match(code):
            erreurs_objet.append(f"code INSEE de commune « {code[:20]} » invalide")
            continue
        communes.append(code)
    return communes


def _geometrie(brute, erreurs_objet):
    if not isinstance(brute, dict) or brute.get("type") not in ("Polygon", "MultiPolygon"):
        type_lu = brute.get("type") if isinstance(brute, dict) else None
        erreurs_objet.append(
            f"périmètre absent ou d'un type non pris en charge (« {type_lu or 'aucun'} » ; "
            "Polygon ou MultiPolygon attendu)"
        )
        return None
    try:
        geometrie = shape(brute)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        erreurs_objet.append("périmètre illisible (coordonnées mal formées)")
        return None
    if geometrie.is_empty:
        erreurs_objet.append("périmètre vide")
        return None
    lon_min, lat_min, lon_max, lat_max = geometrie.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        erreurs_objet.append(
            "coordonnées hors des bornes de WGS 84 (fichier en Lambert-93 ou en UTM ? prenez "
            "celui en WGS 84)"
        )
        return None
    if not geometrie.is_valid:
        # Published perimeters may touch themselves at a vertex: GEOS repairs that without
        # moving any boundary, keeping only the polygonal parts.
        geometrie = _polygones(shapely.make_valid(geometrie))
        if geometrie is None:
            erreurs_objet.append("périmètre invalide, impossible à réparer")
    return geometrie


def _polygones(geometrie):
    if isinstance(geometrie, Polygon | MultiPolygon):
        return geometrie
    parties = [g for g in getattr(geometrie, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return unary_union(parties) if parties else None


def _unir(geometries):
    return geometries[0] if len(geometries) == 1 else unary_union(geometries)


def _departement(code: str) -> str:
    # QN + the département on three characters (« 067 », « 971 », « 02A »).
    return code[2:5].removeprefix("0")


# --- Which neighbourhood holds a point ------------------------------------------------------------


def qpv_du_point(*, longitude: float, latitude: float) -> QuartierPrioritaire | None:
    """The priority neighbourhood holding the point (WGS 84), or None.

    The bounding boxes filter in the database; shapely decides on the few left. A point on a
    boundary counts as inside (``covers``); QPV do not overlap, the first match is the one.
    """
    point = Point(longitude, latitude)
    for quartier in QuartierPrioritaire.objects.autour(longitude=longitude, latitude=latitude):
        if shape(json.loads(quartier.geometrie)).covers(point):
            return quartier
    return None


def perimetres_date():
    """When the perimeters in use were last imported (None before any import)."""
    return (
        QuartierPrioritaire.objects.order_by("-importe_le")
        .values_list("importe_le", flat=True)
        .first()
    )
