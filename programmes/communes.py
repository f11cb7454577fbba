"""Import of French communes from the official open-data postcode files.

Two layouts are read, recognised from their header row:

* La Poste « Base officielle des codes postaux » (``019HexaSmal.csv``,
  ``laposte_hexasmal.csv``): semicolon-separated, upper-case names without accents,
  coordinates as ``"lat,lon"`` in ``coordonnees_gps`` (absent from recent editions);
* data.gouv.fr « communes-departement-region.csv » (the same base, enriched):
  comma-separated, with the properly written name, département and coordinates.

Both files hold one row per (INSEE code, postcode, ligne 5): rows are grouped by INSEE
code into one ``Commune``. Every row is checked before anything is written; a single
bad row cancels the whole import.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import transaction

from mentorat.territoires import departement_of
from programmes.models import Commune

TAILLE_LOT = 2000
ENCODAGES_ESSAYES = ("utf-8-sig", "cp1252", "latin-1")

FORMAT_LAPOSTE = "La Poste « Base officielle des codes postaux »"
FORMAT_DATAGOUV = "data.gouv.fr « communes-departement-region »"

ENTETES_ATTENDUES = (
    "« #Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5;"
    "coordonnees_gps » (La Poste, base officielle des codes postaux, avec ou sans "
    "coordonnées), ou « code_commune_INSEE,nom_commune_postal,code_postal,"
    "libelle_acheminement,ligne_5,latitude,longitude,code_commune,article,nom_commune,"
    "nom_commune_complet,code_departement,nom_departement,code_region,nom_region » "
    "(data.gouv.fr, communes-departement-region.csv)"
)

CHAMPS_MIS_A_JOUR = ["nom", "code_postal", "codes_postaux", "departement", "latitude", "longitude"]

RE_CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
RE_CODE_POSTAL = re.compile(r"^\d{5}$")
RE_DEPARTEMENT = re.compile(r"^(\d{2,3}|2[AB])$")

COLONNES_GPS = ("coordonnees_gps", "coordonnees_geographiques", "geopoint", "_geopoint")
MOTS_MINUSCULES = {
    "de", "du", "des", "la", "le", "les", "sur", "sous", "en", "et", "aux", "au", "lez",
}  # fmt: skip

_NOM_LONGUEUR_MAX = Commune._meta.get_field("nom").max_length
_CODES_POSTAUX_LONGUEUR_MAX = Commune._meta.get_field("codes_postaux").max_length


class ImportCommunesError(Exception):
    """The file cannot be imported; the message says why, in French."""

    def __init__(self, message: str, erreurs: list[str] | None = None):
        self.erreurs = erreurs or []
        super().__init__("\n".join([message, *self.erreurs]))


@dataclass
class RapportImport:
    communes: int
    creees: int
    mises_a_jour: int
    lignes_lues: int
    duree: float
    format: str
    encodage: str

    def resume(self) -> str:
        duree = f"{self.duree:.1f}".replace(".", ",")
        return (
            f"Import terminé : {_nombre(self.communes)} communes importées "
            f"({_nombre(self.creees)} créées, {_nombre(self.mises_a_jour)} mises à jour), "
            f"{_nombre(self.lignes_lues)} lignes lues en {duree} s "
            f"(format {self.format}, encodage {self.encodage})."
        )


@dataclass
class _Commune:
    code_insee: str
    nom: str
    departement: str
    latitude: float | None
    longitude: float | None
    nom_principal: bool
    codes_postaux: set[str] = field(default_factory=set)

    def vers_modele(self) -> Commune:
        codes = sorted(self.codes_postaux)
        return Commune(
            code_insee=self.code_insee,
            nom=self.nom,
            code_postal=codes[0],
            codes_postaux=" ".join(codes),
            departement=self.departement,
            latitude=self.latitude,
            longitude=self.longitude,
        )


@dataclass
class _Format:
    nom: str
    colonnes: dict[str, int]
    nb_colonnes: int

    def valeur(self, ligne: list[str], *noms: str) -> str:
        for nom in noms:
            if nom in self.colonnes:
                return ligne[self.colonnes[nom]].strip()
        return ""


def importer_communes(
    *, chemin_ou_fichier: str | Path | IO, encodage: str | None = None, taille_lot: int = TAILLE_LOT
) -> RapportImport:
    """Import (create or update, by INSEE code) the communes of an official CSV file."""
    debut = time.monotonic()
    encodages = (encodage,) if encodage else ENCODAGES_ESSAYES
    for essai in encodages:
        try:
            format_, communes, lignes_lues = _lire(chemin_ou_fichier, essai)
        except UnicodeDecodeError as exc:
            if essai == encodages[-1]:
                raise ImportCommunesError(
                    f"Le fichier ne peut pas être lu avec l'encodage « {essai} » "
                    f"(octet invalide en position {exc.start}). Précisez --encoding."
                ) from exc
            continue
        except LookupError as exc:
            raise ImportCommunesError(f"Encodage inconnu : « {essai} ».") from exc
        encodage_lu = essai
        break

    creees = _enregistrer(communes, taille_lot)
    return RapportImport(
        communes=len(communes),
        creees=creees,
        mises_a_jour=len(communes) - creees,
        lignes_lues=lignes_lues,
        duree=time.monotonic() - debut,
        format=format_.nom,
        encodage=encodage_lu.removesuffix("-sig"),
    )


def _enregistrer(communes: dict[str, _Commune], taille_lot: int) -> int:
    """Upsert by INSEE code, in batches; returns how many communes were created."""
    with transaction.atomic():
        avant = Commune.objects.count()
        lot: list[Commune] = []
        for commune in communes.values():
            lot.append(commune.vers_modele())
            if len(lot) >= taille_lot:
                _upsert(lot)
                lot = []
        if lot:
            _upsert(lot)
        return Commune.objects.count() - avant


def _upsert(lot: list[Commune]) -> None:
    Commune.objects.bulk_create(
        lot,
        update_conflicts=True,
        unique_fields=["code_insee"],
        update_fields=CHAMPS_MIS_A_JOUR,
        batch_size=len(lot),
    )


def _lire(chemin_ou_fichier, encodage: str) -> tuple[_Format, dict[str, _Commune], int]:
    """Read and check every row; raise with every bad row, or return the communes."""
    with _ouvrir(chemin_ou_fichier, encodage) as fichier:
        lignes = _lignes_csv(fichier)
        entete = next(lignes, None)
        if entete is None:
            raise ImportCommunesError("Le fichier est vide : aucune ligne d'en-tête.")
        format_ = _reconnaitre_format(entete[1])
        communes: dict[str, _Commune] = {}
        erreurs: list[str] = []
        lignes_lues = 0
        for numero, ligne in lignes:
            if not any(cellule.strip() for cellule in ligne):
                continue
            lignes_lues += 1
            _lire_ligne(format_, numero, ligne, communes, erreurs)

    erreurs.extend(_verifier_communes(communes))
    if erreurs:
        raise ImportCommunesError(
            f"Import annulé : {_nombre(len(erreurs))} erreur(s), aucune commune n'a été "
            "enregistrée. Corrigez le fichier puis relancez l'import.",
            erreurs,
        )
    if not communes:
        raise ImportCommunesError("Le fichier ne contient aucune ligne de données.")
    return format_, communes, lignes_lues


def _ouvrir(chemin_ou_fichier, encodage: str) -> IO[str]:
    if hasattr(chemin_ou_fichier, "read"):
        # An open file (tests, uploads): small enough to be read at once.
        if hasattr(chemin_ou_fichier, "seek"):
            chemin_ou_fichier.seek(0)
        contenu = chemin_ou_fichier.read()
        if isinstance(contenu, bytes):
            contenu = contenu.decode(encodage)
        return io.StringIO(contenu, newline="")
    chemin = Path(chemin_ou_fichier)
    if not chemin.exists():
        raise ImportCommunesError(f"Fichier introuvable : « {chemin} ».")
    if not chemin.is_file():
        raise ImportCommunesError(f"« {chemin} » n'est pas un fichier.")
    return chemin.open(encoding=encodage, newline="")


def _lignes_csv(fichier: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) pairs; the delimiter is the header's (« ; » or « , »)."""
    premiere = fichier.readline()
    if not premiere.strip():
        return
    separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
    lecteur = csv.reader(_enchainer(premiere, fichier), delimiter=separateur)
    for ligne in lecteur:
        yield lecteur.line_num, ligne


def _enchainer(premiere: str, fichier: IO[str]) -> Iterator[str]:
    yield premiere
    yield from fichier


def _normaliser_entete(nom: str) -> str:
    nom = nom.strip().lstrip("\ufeff").lstrip("#").strip().lower()
    nom = unicodedata.normalize("NFKD", nom)
    return "".join(c for c in nom if not unicodedata.combining(c)).replace(" ", "_")


def _reconnaitre_format(entete: list[str]) -> _Format:
    colonnes = {}
    for index, nom in enumerate(entete):
        colonnes.setdefault(_normaliser_entete(nom), index)
    if {"code_commune_insee", "code_postal"} <= colonnes.keys():
        if {"latitude", "longitude"} <= colonnes.keys() and (
            {"nom_commune_complet", "nom_commune", "nom_commune_postal"} & colonnes.keys()
        ):
            return _Format(FORMAT_DATAGOUV, colonnes, len(entete))
        if {"nom_de_la_commune", "nom_commune"} & colonnes.keys():
            return _Format(FORMAT_LAPOSTE, colonnes, len(entete))
    lus = ", ".join(f"« {nom.strip()} »" for nom in entete) or "aucun"
    raise ImportCommunesError(
        f"Format de fichier non reconnu. En-têtes lus : {lus}. En-têtes attendus : "
        f"{ENTETES_ATTENDUES}."
    )


def _lire_ligne(format_, numero, ligne, communes, erreurs) -> None:
    attendu = format_.nb_colonnes
    if len(ligne) > attendu and any(cellule.strip() for cellule in ligne[attendu:]):
        erreurs.append(
            f"Ligne {numero} : {len(ligne)} colonnes au lieu de {attendu} "
            "(séparateur ou guillemets mal placés ?)."
        )
        return
    ligne = ligne + [""] * (attendu - len(ligne))
    erreurs_ligne: list[str] = []

    code_insee = format_.valeur(ligne, "code_commune_insee").upper()
    if len(code_insee) == 4 and code_insee.isdigit():
        code_insee = "0" + code_insee  # leading zero lost by a spreadsheet
    if not code_insee:
        erreurs_ligne.append("code INSEE manquant")
    elif not RE_CODE_INSEE.match(code_insee):
        erreurs_ligne.append(
            f"code INSEE « {code_insee} » invalide (5 caractères attendus : 5 chiffres, "
            "ou 2A/2B suivi de 3 chiffres pour la Corse)"
        )

    code_postal = format_.valeur(ligne, "code_postal")
    if len(code_postal) == 4 and code_postal.isdigit() and code_insee.startswith("0"):
        code_postal = "0" + code_postal  # leading zero lost by a spreadsheet
    if not code_postal:
        erreurs_ligne.append("code postal manquant")
    elif not RE_CODE_POSTAL.match(code_postal):
        erreurs_ligne.append(f"code postal « {code_postal} » invalide (5 chiffres attendus)")

    nom = _nom(format_, ligne)
    if not nom:
        erreurs_ligne.append("nom de la commune manquant")
    elif len(nom) > _NOM_LONGUEUR_MAX:
        erreurs_ligne.append(
            f"nom de la commune trop long ({len(nom)} caractères, {_NOM_LONGUEUR_MAX} au plus)"
        )

    departement = format_.valeur(ligne, "code_departement").upper()
    if len(departement) == 1 and departement.isdigit():
        departement = "0" + departement
    if not departement and RE_CODE_INSEE.match(code_insee):
        departement = departement_of(code_insee)
    if departement and not RE_DEPARTEMENT.match(departement):
        erreurs_ligne.append(f"code département « {departement} » invalide")

    latitude, longitude = _coordonnees(format_, ligne, erreurs_ligne)

    if erreurs_ligne:
        erreurs.extend(f"Ligne {numero} : {erreur}." for erreur in erreurs_ligne)
        return

    nom_principal = not format_.valeur(ligne, "ligne_5")
    commune = communes.get(code_insee)
    if commune is None:
        commune = communes[code_insee] = _Commune(
            code_insee, nom, departement, latitude, longitude, nom_principal
        )
    elif nom_principal and not commune.nom_principal:
        # A « ligne 5 » row (a hamlet, a former commune) came first: the main row wins.
        commune.nom, commune.nom_principal = nom, True
    if commune.latitude is None and latitude is not None:
        commune.latitude, commune.longitude = latitude, longitude
    commune.codes_postaux.add(code_postal)


def _nom(format_: _Format, ligne: list[str]) -> str:
    if format_.nom == FORMAT_DATAGOUV:
        nom = format_.valeur(ligne, "nom_commune_complet")
        if not nom:
            article = format_.valeur(ligne, "article")
            nom_court = format_.valeur(ligne, "nom_commune")
            nom = f"{article}{nom_court}" if article.endswith("'") else f"{article} {nom_court}"
            nom = nom.strip()
        return nom or nom_lisible(format_.valeur(ligne, "nom_commune_postal"))
    return nom_lisible(format_.valeur(ligne, "nom_de_la_commune", "nom_commune"))


def _coordonnees(format_, ligne, erreurs_ligne) -> tuple[float | None, float | None]:
    if format_.nom == FORMAT_DATAGOUV:
        brut_lat = format_.valeur(ligne, "latitude")
        brut_lon = format_.valeur(ligne, "longitude")
        if not brut_lat and not brut_lon:
            return None, None
        if not brut_lat or not brut_lon:
            erreurs_ligne.append(
                f"coordonnées incomplètes (latitude « {brut_lat} », longitude « {brut_lon} »)"
            )
            return None, None
    else:
        brut = format_.valeur(ligne, *COLONNES_GPS)
        if not brut:
            return None, None
        morceaux = [m.strip() for m in brut.split(",")]
        if len(morceaux) != 2:
            erreurs_ligne.append(
                f"coordonnées « {brut} » illisibles (« latitude,longitude » attendu)"
            )
            return None, None
        brut_lat, brut_lon = morceaux
    latitude = _decimal(brut_lat, "latitude", 90, erreurs_ligne)
    longitude = _decimal(brut_lon, "longitude", 180, erreurs_ligne)
    if latitude is None or longitude is None:
        return None, None
    return latitude, longitude


def _decimal(brut: str, quoi: str, limite: int, erreurs_ligne: list[str]) -> float | None:
    try:
        valeur = float(brut.replace(",", "."))
    except ValueError:
        erreurs_ligne.append(f"{quoi} « {brut} » illisible (nombre décimal attendu)")
        return None
    if not math.isfinite(valeur) or not -limite <= valeur <= limite:
        erreurs_ligne.append(f"{quoi} « {brut} » hors limites (entre -{limite} et {limite})")
        return None
    return valeur


def _verifier_communes(communes: dict[str, _Commune]) -> list[str]:
    erreurs = []
    for commune in communes.values():
        longueur = len(" ".join(commune.codes_postaux))
        if longueur > _CODES_POSTAUX_LONGUEUR_MAX:
            erreurs.append(
                f"Commune {commune.code_insee} : trop de codes postaux "
                f"({len(commune.codes_postaux)}, {longueur} caractères pour "
                f"{_CODES_POSTAUX_LONGUEUR_MAX} au plus)."
            )
    return erreurs


def nom_lisible(nom: str) -> str:
    """A readable name from La Poste's upper-case one: « ST DENIS » → « Saint Denis ».

    Hyphens and accents are gone from La Poste's names and cannot be put back;
    names that are not entirely upper case are already written properly and kept.
    """
    nom = " ".join(nom.split())
    if not nom or nom != nom.upper():
        return nom
    mots = nom.lower().split(" ")
    resultat: list[str] = []
    index = 0
    while index < len(mots):
        mot = {"st": "saint", "ste": "sainte"}.get(mots[index], mots[index])
        if mot in {"l", "d"} and index + 1 < len(mots):
            # « L HAY LES ROSES » → « L'Hay les Roses », « VILLE D AVRAY » → « Ville d'Avray »
            suivant = {"st": "saint", "ste": "sainte"}.get(mots[index + 1], mots[index + 1])
            prefixe = mot.upper() if not resultat else mot
            resultat.append(f"{prefixe}'{_majuscule(suivant)}")
            index += 2
            continue
        if resultat and mot in MOTS_MINUSCULES:
            resultat.append(mot)
        else:
            resultat.append(_majuscule(mot))
        index += 1
    return " ".join(resultat)


def _majuscule(mot: str) -> str:
    # « 1ER », « 16E » stay « 1er », « 16e » (str.title() would give « 1Er »).
    return mot[:1].upper() + mot[1:] if mot[:1].isalpha() else mot


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")
