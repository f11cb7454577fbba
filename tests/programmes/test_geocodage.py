"""The geocoding client: the national address base (BAN, IGN Géoplateforme) against a fake
HTTP server started in the test (no network), and the shipped sample."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from programmes.geocodage import geocoder, normaliser
from programmes.models import Commune

STRASBOURG = Commune(
    code_insee="67482", nom="Strasbourg", code_postal="67000", codes_postaux="67000 67100 67200"
)


def _reponse_ban(*, lon=7.6989, lat=48.5941, score=0.93, citycode="67482", postcode="67200"):
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "label": "12 Boulevard Balzac 67200 Strasbourg",
                    "score": score,
                    "citycode": citycode,
                    "postcode": postcode,
                },
            }
        ],
    }


class _Serveur:
    """A local HTTP server answering what the test says; it records the queries received."""

    def __init__(self):
        self.statut, self.corps, self.attente, self.requetes = 200, b"{}", 0.0, []
        serveur = self

        class Gestionnaire(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                serveur.requetes.append(self.path)
                if serveur.attente:
                    time.sleep(serveur.attente)
                self.send_response(serveur.statut)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(serveur.corps)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Gestionnaire)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/geocodage/search"
        self.fil = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.fil.start()

    def repondre(self, donnees=None, *, statut=200, brut=None, attente=0.0):
        self.statut, self.attente = statut, attente
        self.corps = brut if brut is not None else json.dumps(donnees).encode()

    def arreter(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def ban(settings):
    serveur = _Serveur()
    settings.GEOCODAGE = "ban"
    settings.GEOCODAGE_URL = serveur.url
    settings.GEOCODAGE_DELAI = 0.5
    settings.GEOCODAGE_SCORE_MIN = 0.6
    yield serveur
    serveur.arreter()


def _geocoder():
    return geocoder(adresse="12 boulevard Balzac", code_postal="67200", commune=STRASBOURG)


def test_ban_une_adresse_trouvee(ban):
    ban.repondre(_reponse_ban())
    resultat = _geocoder()
    assert resultat.trouve and not resultat.motif
    assert (resultat.longitude, resultat.latitude, resultat.score) == (7.6989, 48.5941, 0.93)
    assert resultat.libelle == "12 Boulevard Balzac 67200 Strasbourg"
    assert "q=12+boulevard+Balzac+67200+Strasbourg" in ban.requetes[0]
    assert "limit=1" in ban.requetes[0]


@pytest.mark.parametrize(
    "reponse, motif",
    [
        ({"statut": 500, "brut": b"erreur"}, "a répondu par une erreur (500)"),
        ({"brut": b"<html>pas du json"}, "Réponse du géocodeur illisible"),
        ({"brut": b'{"features": "non"}'}, "Réponse du géocodeur illisible"),
        ({"brut": b'{"features": [{"geometry": null}]}'}, "Réponse du géocodeur illisible"),
        ({"donnees": {"type": "FeatureCollection", "features": []}}, "Adresse introuvable"),
        ({"donnees": _reponse_ban(score=0.41)}, "Adresse trop incertaine (score 0.41)"),
        (
            {"donnees": _reponse_ban(citycode="67218", postcode="67400")},
            "n'est pas dans la commune indiquée",
        ),
        ({"donnees": _reponse_ban(lon="abc")}, "Réponse du géocodeur illisible"),
    ],
)
def test_ban_chaque_echec_donne_un_resultat_indetermine_sans_exception(ban, reponse, motif):
    ban.repondre(
        reponse.get("donnees"), statut=reponse.get("statut", 200), brut=reponse.get("brut")
    )
    resultat = _geocoder()
    assert not resultat.trouve
    assert motif in resultat.motif


def test_ban_un_service_trop_lent_donne_un_resultat_indetermine(ban, settings):
    settings.GEOCODAGE_DELAI = 0.2
    ban.repondre(_reponse_ban(), attente=1.0)
    resultat = _geocoder()
    assert not resultat.trouve
    assert resultat.motif == "Le service de géocodage n'a pas répondu à temps."


def test_ban_un_service_injoignable_donne_un_resultat_indetermine(ban, settings):
    ban.arreter()
    resultat = _geocoder()
    assert not resultat.trouve
    assert "n'a pas répondu à temps" in resultat.motif or "injoignable" in resultat.motif


def test_l_echantillon_trouve_ses_adresses_quelle_que_soit_leur_ecriture():
    resultat = geocoder(adresse="12, BOULEVARD  Balzac", code_postal="67200", commune=STRASBOURG)
    assert resultat.trouve and resultat.geocodeur == "echantillon"
    assert (resultat.longitude, resultat.latitude) == (7.698947, 48.5941)


def test_l_echantillon_dit_pourquoi_il_ne_trouve_pas():
    absente = geocoder(adresse="99 rue Inconnue", code_postal="67200", commune=STRASBOURG)
    assert absente.motif == "Adresse absente de l'échantillon d'adresses."
    incertaine = geocoder(adresse="Quartier de la Gare", code_postal="67000", commune=STRASBOURG)
    assert "trop incertaine" in incertaine.motif
    assert geocoder(adresse=" ", code_postal="67000", commune=STRASBOURG).motif == (
        "Adresse incomplète."
    )


def test_normaliser():
    assert normaliser("  12, Rue de la Goutte-d'Or ") == "12 rue de la goutte d or"
