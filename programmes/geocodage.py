"""Geocoding a postal address: its coordinates, to find the priority neighbourhood holding it.

Two geocoders, chosen by ``settings.GEOCODAGE``:

* ``"ban"`` (production): the national address base (Base Adresse Nationale) through the IGN
  Géoplateforme, ``https://data.geopf.fr/geocodage/search`` (it replaces
  api-adresse.data.gouv.fr, same GeoJSON answer: ``features[].geometry.coordinates`` = [lon,
  lat], ``properties.score``, ``label``, ``citycode``, ``postcode``). Short timeout; any
  failure gives an undetermined answer, never an exception;
* ``"echantillon"`` (development, demo, tests: no network): a shipped CSV of addresses and
  their coordinates, ``programmes/data/adresses_geocodees_echantillon.csv``.

An answer is kept only with a score at least ``settings.GEOCODAGE_SCORE_MIN`` and in the
commune (INSEE code) or postcode given: a street found in another town is not the person's.
"""

from __future__ import annotations

import csv
import functools
import logging
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

BAN = "ban"
ECHANTILLON = "echantillon"
NOMS = {
    BAN: "Base adresse nationale (Géoplateforme IGN)",
    ECHANTILLON: "échantillon d'adresses géocodées (démonstration)",
}
ECHANTILLON_PAR_DEFAUT = Path(__file__).parent / "data" / "adresses_geocodees_echantillon.csv"


@dataclass(frozen=True)
class Geocodage:
    """The coordinates found for an address, or why none were (``motif``, in French)."""

    geocodeur: str
    longitude: float | None = None
    latitude: float | None = None
    score: float | None = None
    libelle: str = ""
    motif: str = ""

    @property
    def trouve(self) -> bool:
        return self.longitude is not None and self.latitude is not None

    @property
    def geocodeur_nom(self) -> str:
        return NOMS.get(self.geocodeur, self.geocodeur)


def geocodeur_actif() -> str:
    return settings.GEOCODAGE


def geocodage_hors_reseau() -> bool:
    """True when geocoding needs no network (the shipped sample): it can run at once."""
    return geocodeur_actif() == ECHANTILLON


def geocoder(*, adresse: str, code_postal: str, commune) -> Geocodage:
    """Coordinates of ``adresse`` (street line), ``code_postal`` in ``commune`` (a Commune)."""
    nom = geocodeur_actif()
    if not adresse.strip() or not code_postal.strip():
        return Geocodage(nom, motif="Adresse incomplète.")
    if nom == BAN:
        return _ban(adresse, code_postal, commune)
    if nom == ECHANTILLON:
        return _echantillon(adresse, code_postal, commune)
    return Geocodage(nom, motif=f"Géocodeur « {nom} » inconnu (réglage GEOCODAGE).")


def _accepter(nom, *, lon, lat, score, libelle, citycode, postcode, code_postal, commune):
    """Check an answer: a real point, a sufficient score, the person's commune or postcode."""
    try:
        lon, lat = float(lon), float(lat)
        score = float(score) if score is not None else 0.0
    except (TypeError, ValueError):
        return Geocodage(nom, motif="Réponse du géocodeur illisible.")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return Geocodage(nom, motif="Réponse du géocodeur illisible.")
    if score < settings.GEOCODAGE_SCORE_MIN:
        return Geocodage(
            nom, score=score, libelle=libelle, motif=f"Adresse trop incertaine (score {score:.2f})."
        )
    if str(citycode or "") != commune.code_insee and str(postcode or "") != code_postal:
        return Geocodage(
            nom,
            score=score,
            libelle=libelle,
            motif=f"L'adresse trouvée (« {libelle} ») n'est pas dans la commune indiquée.",
        )
    return Geocodage(nom, longitude=lon, latitude=lat, score=score, libelle=libelle)


def _ban(adresse: str, code_postal: str, commune) -> Geocodage:
    requete = " ".join(f"{adresse} {code_postal} {commune.nom}".split())[:200]
    try:
        reponse = requests.get(
            settings.GEOCODAGE_URL,
            params={"q": requete, "limit": 1},
            timeout=settings.GEOCODAGE_DELAI,
            headers={"Accept": "application/json"},
        )
    except requests.Timeout:
        logger.warning("Géocodage : délai dépassé")
        return Geocodage(BAN, motif="Le service de géocodage n'a pas répondu à temps.")
    except requests.RequestException as exc:
        logger.warning("Géocodage : %s", exc.__class__.__name__)
        return Geocodage(BAN, motif="Le service de géocodage est injoignable.")
    if reponse.status_code != 200:
        logger.warning("Géocodage : réponse HTTP %s", reponse.status_code)
        return Geocodage(
            BAN, motif=f"Le service de géocodage a répondu par une erreur ({reponse.status_code})."
        )
    try:
        donnees = reponse.json()
        objets = donnees["features"]
        if not isinstance(objets, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return Geocodage(BAN, motif="Réponse du géocodeur illisible.")
    if not objets:
        return Geocodage(BAN, motif="Adresse introuvable dans la base adresse nationale.")
    try:
        lon, lat = objets[0]["geometry"]["coordinates"][:2]
        proprietes = objets[0].get("properties") or {}
    except (KeyError, TypeError, ValueError, AttributeError):
        return Geocodage(BAN, motif="Réponse du géocodeur illisible.")
    return _accepter(
        BAN,
        lon=lon,
        lat=lat,
        score=proprietes.get("score"),
        libelle=str(proprietes.get("label") or "")[:200],
        citycode=proprietes.get("citycode"),
        postcode=proprietes.get("postcode"),
        code_postal=code_postal,
        commune=commune,
    )


def normaliser(adresse: str) -> str:
    """« 12, Boulevard  Balzac » → « 12 boulevard balzac »: the sample's lookup key."""
    texte = unicodedata.normalize("NFKD", adresse.lower())
    texte = "".join(c for c in texte if not unicodedata.combining(c))
    texte = "".join(c if c.isalnum() else " " for c in texte)
    return " ".join(texte.split())


@functools.cache
def _echantillon_lire(chemin: str) -> dict[tuple[str, str], dict]:
    with open(chemin, encoding="utf-8", newline="") as fichier:
        return {
            (normaliser(ligne["adresse"]), ligne["code_postal"]): ligne
            for ligne in csv.DictReader(fichier)
        }


def _echantillon(adresse: str, code_postal: str, commune) -> Geocodage:
    chemin = str(getattr(settings, "GEOCODAGE_ECHANTILLON", "") or ECHANTILLON_PAR_DEFAUT)
    ligne = _echantillon_lire(chemin).get((normaliser(adresse), code_postal.strip()))
    if ligne is None:
        return Geocodage(ECHANTILLON, motif="Adresse absente de l'échantillon d'adresses.")
    return _accepter(
        ECHANTILLON,
        lon=ligne["longitude"],
        lat=ligne["latitude"],
        score=ligne["score"],
        libelle=ligne["libelle"],
        citycode=ligne["code_insee"],
        postcode=ligne["code_postal"],
        code_postal=code_postal.strip(),
        commune=commune,
    )
