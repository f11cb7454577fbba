"""Locust users of the load test: visitors, sign-ups, mentors, mentees, partners and staff.

Run through ``benchmarks/charge/run.py``, which serves the site and reads the samples this file
writes. Environment:

- ``CHARGE_COMPTES``: the accounts file written by ``prepare.py``;
- ``CHARGE_ECHANTILLONS``: where to write every measured request (JSON);
- ``CHARGE_ECHAUFFEMENT``: seconds after the start during which nothing is measured
  (logins, cold caches);
- ``CHARGE_PAUSE_MIN`` / ``CHARGE_PAUSE_MAX``: think time of each user between two pages (s).

Request names are ``"<group>: <page>"``; run.py sums the figures per group. Every user also
fetches the bare view ``/_nu/`` ("témoin") between its pages, so that the floor is measured
under the very same load. The users behave as browsers behind the TLS gateway: they send
``X-Forwarded-Proto: https`` (the gateway's header), ``Origin`` on POST (CSRF over HTTPS), and
their cookie jar returns the secure cookies over the plain HTTP they speak to gunicorn.
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import struct
import time
import uuid
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit

from locust import FastHttpUser, between, constant_pacing, events, task
from locust.exception import StopUser

COMPTES = json.loads(Path(os.environ["CHARGE_COMPTES"]).read_text())
ECHANTILLONS = os.environ.get("CHARGE_ECHANTILLONS", "")
ECHAUFFEMENT = float(os.environ.get("CHARGE_ECHAUFFEMENT", "15"))
PAUSE = between(
    float(os.environ.get("CHARGE_PAUSE_MIN", "0.5")),
    float(os.environ.get("CHARGE_PAUSE_MAX", "1.5")),
)
# allauth allows 20 sign-ups a minute from one address: stay under it.
PAS_INSCRIPTION = float(os.environ.get("CHARGE_PAS_INSCRIPTION", "5"))

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FEUILLE = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="(/static/[^"]+)"')

_samples: list[tuple[float, str, float, bool]] = []
_debut = {"t": None}
# Users whose login failed (they stop: their pages would not be measured).
_connexions_echouees: list[str] = []


@events.test_start.add_listener
def _test_start(environment, **kwargs):
    _debut["t"] = time.time()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    maintenant = time.time()
    if _debut["t"] is None or maintenant - _debut["t"] < ECHAUFFEMENT:
        return
    _samples.append((maintenant, name, response_time, exception is None))


@events.quitting.add_listener
def _dump(environment, **kwargs):
    if ECHANTILLONS:
        Path(ECHANTILLONS).write_text(
            json.dumps(
                {
                    "debut": _debut["t"],
                    "echauffement": ECHAUFFEMENT,
                    "requetes": _samples,
                    "connexions_echouees": _connexions_echouees,
                }
            )
        )


def totp(secret: str) -> str:
    """The current TOTP code (RFC 6238, allauth's period and digits)."""
    periode, chiffres = COMPTES["totp"]["periode"], COMPTES["totp"]["chiffres"]
    compteur = struct.pack(">Q", int(time.time()) // periode)
    mac = hmac.new(base64.b32decode(secret, casefold=True), compteur, hashlib.sha1).digest()
    decalage = mac[-1] & 0x0F
    valeur = struct.unpack(">I", mac[decalage : decalage + 4])[0] & 0x7FFFFFFF
    return f"{valeur % 10**chiffres:0{chiffres}}"


class Navigateur(FastHttpUser):
    abstract = True
    wait_time = PAUSE
    default_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "fr"}

    def on_start(self):
        # Between the gateway and gunicorn the scheme is http: secure cookies must still go.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        netloc = urlsplit(self.host).netloc
        self.origine = {"Origin": f"https://{netloc}"}

    def page(self, url, nom, attendu=200):
        """GET a page without following redirects: anything but ``attendu`` is an error."""
        with self.client.get(url, name=nom, allow_redirects=False, catch_response=True) as r:
            if r.status_code != attendu:
                r.failure(f"{r.status_code} au lieu de {attendu}")
            return r

    def envoyer(self, url, nom, donnees, attendu=302):
        with self.client.post(
            url,
            name=nom,
            data=donnees,
            headers=self.origine,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != attendu:
                r.failure(f"{r.status_code} au lieu de {attendu}")
            return r

    def jeton(self, reponse) -> str:
        trouve = CSRF.search(reponse.text or "")
        return trouve.group(1) if trouve else ""

    def connecter(self, email, secret_totp=None):
        """allauth's login, then the TOTP step when the account has an authenticator."""
        formulaire = self.page("/comptes/login/", "connexion: formulaire")
        reponse = self.envoyer(
            "/comptes/login/",
            "connexion: mot de passe",
            {
                "csrfmiddlewaretoken": self.jeton(formulaire),
                "login": email,
                "password": COMPTES["mot_de_passe"],
            },
        )
        suite = reponse.headers.get("Location") or ""
        if "/2fa/authenticate/" in suite:
            if not secret_totp:
                self.abandonner(email)
            formulaire = self.page(suite, "connexion: formulaire TOTP")
            reponse = self.envoyer(
                suite,
                "connexion: code TOTP",
                {"csrfmiddlewaretoken": self.jeton(formulaire), "code": totp(secret_totp)},
            )
            suite = reponse.headers.get("Location") or ""
        if reponse.status_code != 302:
            self.abandonner(email)
        return suite

    def abandonner(self, email):
        _connexions_echouees.append(f"{type(self).__name__} {email}")
        raise StopUser()


class AvecTemoin(Navigateur):
    """Between its pages, the user fetches the bare view: one request in six or so."""

    abstract = True

    @task(1)
    def temoin(self):
        self.page("/_nu/", "témoin: /_nu/")


def _tourniquet(liste):
    return itertools.cycle(liste)


class Visiteur(AvecTemoin):
    """An anonymous visitor: home, a programme, the sign-up form, the stylesheet."""

    fixed_count = 5
    feuilles: list[str] = []

    @task(3)
    def accueil(self):
        r = self.page("/", "public: accueil")
        if not Visiteur.feuilles:
            Visiteur.feuilles = FEUILLE.findall(r.text or "")

    @task(3)
    def programme(self):
        self.page(f"/programmes/{COMPTES['programme']}/", "public: programme")

    @task(2)
    def formulaire(self):
        self.page("/comptes/signup/", "inscription: formulaire")

    @task(1)
    def statiques(self):
        for url in Visiteur.feuilles:
            self.page(url, "statiques: feuille de style")


class Inscription(Navigateur):
    """Someone who signs up: the form, then an account is created (an e-mail code is sent)."""

    fixed_count = 1
    wait_time = constant_pacing(PAS_INSCRIPTION)

    @task
    def inscrire(self):
        formulaire = self.page("/comptes/signup/", "inscription: formulaire")
        numero = uuid.uuid4().hex[:12]
        self.envoyer(
            "/comptes/signup/",
            "création de compte: envoi du formulaire",
            {
                "csrfmiddlewaretoken": self.jeton(formulaire),
                "first_name": "Camille",
                "last_name": f"Essai {numero}",
                "email": f"inscrit-{numero}@{COMPTES['domaine_inscriptions']}",
                "password1": "Un mot de passe solide 2026",
                "password2": "Un mot de passe solide 2026",
            },
        )
        # Start anew as an anonymous visitor.
        self.client.cookiejar.clear()


class Parrain(AvecTemoin):
    fixed_count = 4
    comptes = _tourniquet(COMPTES["parrains"])

    def on_start(self):
        super().on_start()
        compte = next(Parrain.comptes)
        self.binomes = itertools.cycle(compte["binomes"])
        self.connecter(compte["email"])

    @task(3)
    def tableau_de_bord(self):
        self.page("/parrain/", "parrain: tableau de bord")

    @task(3)
    def binome(self):
        self.page(f"/parrain/binomes/{next(self.binomes)}/", "parrain: binôme")

    @task(1)
    def binomes(self):
        self.page("/parrain/binomes/", "parrain: binômes")


class Filleul(AvecTemoin):
    fixed_count = 3
    comptes = _tourniquet(COMPTES["filleuls"])

    def on_start(self):
        super().on_start()
        self.connecter(next(Filleul.comptes)["email"])

    @task(5)
    def espace(self):
        self.page("/filleul/", "filleul: espace")


class Partenaire(AvecTemoin):
    abstract = True
    cle = ""
    rangs = itertools.count()

    def on_start(self):
        super().on_start()
        partenaire = COMPTES["partenaires"][self.cle]
        self.convention = partenaire["convention"]
        self.connecter(partenaire["comptes"][next(Partenaire.rangs) % len(partenaire["comptes"])])

    @task(2)
    def accueil(self):
        self.page("/partenaire/", f"partenaire {self.cle}: accueil")

    @task(2)
    def convention(self):
        self.page(
            f"/partenaire/conventions/{self.convention}/", f"partenaire {self.cle}: convention"
        )

    @task(1)
    def filleuls(self):
        self.page("/partenaire/filleuls/", f"partenaire {self.cle}: filleuls orientés")


class PartenaireLocal(Partenaire):
    """A Mission locale's counsellor: 2,000 people referred."""

    fixed_count = 1
    cle = "local"


class PartenaireNational(Partenaire):
    """France Travail at national level: 50,000 people referred."""

    fixed_count = 2
    cle = "national"


class Gestionnaire(AvecTemoin):
    """City staff in the admin: the changelists of the big tables, one filter each."""

    fixed_count = 4
    comptes = _tourniquet(COMPTES["gestionnaires"])

    def on_start(self):
        super().on_start()
        compte = next(Gestionnaire.comptes)
        self.connecter(compte["email"], compte["totp"])

    @task(1)
    def filleuls(self):
        self.page("/admin/parrainages/filleul/", "admin: filleuls")

    @task(1)
    def parrains(self):
        self.page("/admin/parrainages/parrain/", "admin: parrains")

    @task(1)
    def parrainages(self):
        self.page("/admin/parrainages/parrainage/", "admin: parrainages")

    @task(1)
    def parrainages_actifs(self):
        self.page("/admin/parrainages/parrainage/?statut__exact=actif", "admin: parrainages")

    @task(1)
    def rencontres(self):
        self.page("/admin/parrainages/rencontre/", "admin: rencontres")

    @task(1)
    def rencontres_prevues(self):
        self.page("/admin/parrainages/rencontre/?statut__exact=prevue", "admin: rencontres")

    @task(1)
    def candidatures(self):
        self.page("/admin/parrainages/candidature/", "admin: candidatures")
