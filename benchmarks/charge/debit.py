"""Closed-loop throughput: N connections, no think time, each page group between two bare runs.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_charge
    DEBUG=1 .venv/bin/python benchmarks/charge/prepare.py     # once (see its docstring)
    .venv/bin/python benchmarks/charge/debit.py [--connexions 8] [--duree 20] [groupe …]

Serves the site exactly as ``run.py`` does (same settings, same gunicorn command, the bare
view ``/_nu/``), logs in a few accounts of each kind (``prepare.py``'s accounts), then for each
group of pages runs three phases of ``--duree`` seconds: the bare view, the group, the bare
view again. In each phase ``--connexions`` client threads each keep one HTTP/1.1 connection
open and send their next request as soon as the previous answer is read — a closed loop: the
throughput is what the server gives, not what a user mix asks for (Locust, ``run.py``). The
first ``--echauffement`` seconds of a phase are not counted; a phase goes on past ``--duree``
until ``--min-requetes`` answers are counted (a group whose pages take seconds), at most
``--duree-max`` seconds, and its window ends when the first loop sees it over (answers still on
their way are left out).

Printed per phase: requests, throughput (req/s), p50 / p95 / p99, errors; per group: its
throughput as a share of the bare view's (the mean of the two bare runs around it, which also
shows how much the machine drifted meanwhile) and its p50 as a multiple of the bare p50. The
load average and the number of gunicorn worker restarts (none unless ``--max-requests``) are
printed too: the machine is shared, and the client threads run on the same cores as the
server, for the bare view as for the pages.

Results (Markdown and JSON) are also written to ``benchmarks/out/charge/``.
"""

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import http.client
import itertools
import json
import os
import re
import statistics
import struct
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.charge.run import (  # noqa: E402
    OUT,
    Serveur,
    add_server_options,
    load_average,
    percentile,
)

NU = "/_nu/"
# A surname of the synthetic data (``demo.noms.NOMS``), as staff would type it.
NOM_CHERCHE = "Benali"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ENTETES = {"X-Forwarded-Proto": "https", "Accept-Language": "fr"}


def groupes(comptes: dict, par_groupe: int) -> dict[str, list[dict]]:
    """Each group: its visitors, each one an account (or none) and the pages it cycles through.

    Connection ``i`` of a phase plays visitor ``i % len(visitors)``; several connections may
    share one session. ``par_groupe`` bounds the accounts logged in per group (allauth lets
    one address log in 30 times a minute)."""
    local, national = comptes["partenaires"]["local"], comptes["partenaires"]["national"]

    def partenaire(p):
        urls = ["/partenaire/", f"/partenaire/conventions/{p['convention']}/"]
        return [
            {"email": e, "urls": [*urls, "/partenaire/filleuls/"]}
            for e in p["comptes"][:par_groupe]
        ]

    staff = comptes["gestionnaires"][:par_groupe]
    listes = [
        "/admin/parrainages/filleul/",
        "/admin/parrainages/parrain/",
        "/admin/parrainages/parrainage/",
        "/admin/parrainages/parrainage/?statut__exact=actif",
        "/admin/parrainages/rencontre/",
        "/admin/parrainages/rencontre/?statut__exact=prevue",
        "/admin/parrainages/candidature/",
    ]
    recherche = [
        f"/admin/parrainages/rencontre/?q={NOM_CHERCHE}",
        f"/admin/parrainages/parrainage/?q={NOM_CHERCHE}",
        f"/admin/parrainages/filleul/?q={NOM_CHERCHE}",
        "/admin/parrainages/rencontre/?o=1",
        "/admin/parrainages/rencontre/?p=100",
    ]
    return {
        "public": [{"email": None, "urls": ["/", f"/programmes/{comptes['programme']}/"]}],
        "parrain": [
            {
                "email": p["email"],
                "urls": [
                    "/parrain/",
                    *(f"/parrain/binomes/{b}/" for b in p["binomes"][:2]),
                    "/parrain/binomes/",
                ],
            }
            for p in comptes["parrains"][:par_groupe]
        ],
        "filleul": [{"email": f["email"], "urls": ["/filleul/"]} for f in comptes["filleuls"]][
            :par_groupe
        ],
        "partenaire local": partenaire(local),
        "partenaire national": partenaire(national),
        "admin listes": [{"email": g["email"], "totp": g["totp"], "urls": listes} for g in staff],
        "admin recherche, tri, page 100": [
            {"email": g["email"], "totp": g["totp"], "urls": recherche} for g in staff
        ],
        "admin suivi des binômes": [
            {
                "email": g["email"],
                "totp": g["totp"],
                "urls": ["/admin/parrainages/parrainage/suivi/"],
            }
            for g in staff
        ],
    }


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar, as a browser behind the gateway."""

    def __init__(self, hote: str, cookies: dict | None = None):
        self.netloc = urlsplit(hote).netloc
        self.cookies = dict(cookies or {})
        self.connexion = None

    def requete(self, methode: str, url: str, corps: str | None = None):
        entetes = dict(ENTETES)
        if self.cookies:
            entetes["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if corps is not None:
            entetes["Content-Type"] = "application/x-www-form-urlencoded"
            entetes["Origin"] = f"https://{self.netloc}"
        for essai in range(2):
            if self.connexion is None:
                self.connexion = http.client.HTTPConnection(self.netloc, timeout=120)
            try:
                self.connexion.request(methode, url, body=corps, headers=entetes)
                reponse = self.connexion.getresponse()
                contenu = reponse.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the connection (a worker restarted): open another.
                self.connexion.close()
                self.connexion = None
                if essai:
                    raise
        for entete in reponse.headers.get_all("Set-Cookie") or []:
            morsel = SimpleCookie(entete)
            for nom, valeur in morsel.items():
                if valeur.value:
                    self.cookies[nom] = valeur.value
                else:
                    self.cookies.pop(nom, None)
        if reponse.getheader("Connection", "").lower() == "close":
            self.connexion.close()
            self.connexion = None
        return reponse.status, reponse.getheader("Location") or "", contenu

    def close(self):
        if self.connexion is not None:
            self.connexion.close()


def totp(comptes: dict, secret: str) -> str:
    """The current TOTP code (RFC 6238, allauth's period and digits)."""
    periode, chiffres = comptes["totp"]["periode"], comptes["totp"]["chiffres"]
    compteur = struct.pack(">Q", int(time.time()) // periode)
    mac = hmac.new(base64.b32decode(secret, casefold=True), compteur, hashlib.sha1).digest()
    decalage = mac[-1] & 0x0F
    valeur = struct.unpack(">I", mac[decalage : decalage + 4])[0] & 0x7FFFFFFF
    return f"{valeur % 10**chiffres:0{chiffres}}"


def formulaire(client: Client, url: str, champs: dict) -> tuple[int, str]:
    _statut, _suite, page = client.requete("GET", url)
    jeton = CSRF.search(page.decode(errors="replace"))
    champs = {"csrfmiddlewaretoken": jeton.group(1) if jeton else "", **champs}
    statut, suite, _ = client.requete("POST", url, urlencode(champs))
    return statut, suite


def connecter(hote: str, comptes: dict, email: str, secret_totp: str | None) -> dict:
    """allauth's login (and TOTP step): the session's cookies."""
    client = Client(hote)
    statut, suite = formulaire(
        client, "/comptes/login/", {"login": email, "password": comptes["mot_de_passe"]}
    )
    if "/2fa/authenticate/" in suite and secret_totp:
        statut, suite = formulaire(
            client, urlsplit(suite).path, {"code": totp(comptes, secret_totp)}
        )
    client.close()
    if statut != 302 or "/2fa/" in suite or "sessionid" not in client.cookies:
        raise SystemExit(f"Connexion refusée pour {email} ({statut} → {suite}).")
    return client.cookies


def phase(hote: str, visiteurs: list[dict], sessions: dict, args) -> dict:
    """``args.connexions`` closed loops, counted after ``args.echauffement`` seconds for
    ``args.duree`` seconds, or longer until ``args.min_requetes`` answers were counted (a slow
    group, at most ``args.duree_max`` seconds). The window ends when the first loop sees it
    over; answers that arrive after are not counted."""
    debut = time.monotonic()
    compte_a_partir = debut + args.echauffement
    fin = compte_a_partir + args.duree
    plafond = compte_a_partir + max(args.duree_max, args.duree)
    mesures: list[tuple[float, float, bool]] = []  # (arrival, ms, ok); list.append is atomic
    arret = []

    def fini(maintenant: float) -> bool:
        if arret:
            return True
        if maintenant < fin:
            return False
        comptees = sum(1 for t, _, _ in mesures if t >= compte_a_partir)
        if maintenant >= plafond or (maintenant >= fin and comptees >= args.min_requetes):
            arret.append(maintenant)
            return True
        return False

    def boucle(rang: int):
        visiteur = visiteurs[rang % len(visiteurs)]
        client = Client(hote, sessions.get(visiteur["email"]))
        urls = itertools.cycle(visiteur["urls"])
        # Connections of one visitor start at different pages.
        for _ in range(rang // len(visiteurs)):
            next(urls)
        try:
            while not fini(time.monotonic()):
                url = next(urls)
                envoi = time.monotonic()
                try:
                    statut, _, _ = client.requete("GET", url)
                    ok = statut == 200
                except (http.client.HTTPException, OSError):
                    ok = False
                arrivee = time.monotonic()
                if envoi >= compte_a_partir:
                    mesures.append((arrivee, (arrivee - envoi) * 1000, ok))
        finally:
            client.close()

    fils = [threading.Thread(target=boucle, args=(i,)) for i in range(args.connexions)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    fenetre = arret[0] - compte_a_partir
    comptees = [(ms, ok) for t, ms, ok in mesures if t <= arret[0]]
    durees = sorted(ms for ms, _ in comptees)
    return {
        "requetes": len(comptees),
        "duree": fenetre,
        "debit": len(comptees) / fenetre,
        "p50": percentile(durees, 50),
        "p95": percentile(durees, 95),
        "p99": percentile(durees, 99),
        "erreurs": sum(1 for _, ok in comptees if not ok),
        "charge": os.getloadavg()[0],
    }


def ligne(nom: str, s: dict, extra: str = "") -> str:
    return (
        f"| {nom} | {s['requetes']} | {s['duree']:.0f} | {s['debit']:.1f} | {s['p50']:.0f} | "
        f"{s['p95']:.0f} | {s['p99']:.0f} | {s['erreurs']} | {s['charge']:.2f} |{extra}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("groupe", nargs="*", help="only these groups (all by default)")
    parser.add_argument("--connexions", type=int, default=8, help="connections (8)")
    parser.add_argument("--duree", type=int, default=20, help="seconds counted per phase (20)")
    parser.add_argument("--echauffement", type=int, default=3, help="seconds not counted (3)")
    parser.add_argument(
        "--min-requetes",
        type=int,
        default=24,
        help="a phase goes on past --duree until this many answers are counted (24)",
    )
    parser.add_argument(
        "--duree-max", type=int, default=180, help="seconds counted per phase at most (180)"
    )
    parser.add_argument(
        "--comptes-par-groupe",
        type=int,
        default=4,
        help="accounts logged in per group (4): connections share their sessions",
    )
    add_server_options(parser)
    parser.add_argument("--comptes", default=str(OUT / "comptes.json"))
    args = parser.parse_args()
    if not Path(args.comptes).is_file():
        raise SystemExit(f"{args.comptes} manque : lancer d'abord benchmarks/charge/prepare.py.")
    comptes = json.loads(Path(args.comptes).read_text())
    tous = groupes(comptes, args.comptes_par_groupe)
    inconnus = [g for g in args.groupe if g not in tous]
    if inconnus:
        raise SystemExit(f"Groupes inconnus : {inconnus} ; groupes : {list(tous)}")
    choisis = {g: v for g, v in tous.items() if not args.groupe or g in args.groupe}

    OUT.mkdir(parents=True, exist_ok=True)
    resultats = {}
    with Serveur(args) as serveur:
        hote = serveur.hote
        charge_avant = load_average()
        print(
            f"Serveur : {hote} ({args.workers} × {args.threads} fils), {args.connexions} "
            f"connexions, {args.duree} s comptées par phase ; journaux : {serveur.tmp}"
        )
        print(f"Charge de la machine avant : {charge_avant}")
        sessions = {}
        for visiteurs in choisis.values():
            for v in visiteurs:
                if v["email"] and v["email"] not in sessions:
                    sessions[v["email"]] = connecter(hote, comptes, v["email"], v.get("totp"))
        temoin = [{"email": None, "urls": [NU]}]
        # Each page once, unmeasured: cold caches (templates, the partners' figures) filled.
        # A page that does not answer 200 is left out, and said (the 100th page of a list
        # holding fewer rows, on small data).
        for visiteurs in choisis.values():
            for v in visiteurs:
                client = Client(hote, sessions.get(v["email"]))
                gardees = []
                for url in v["urls"]:
                    statut, suite, _ = client.requete("GET", url)
                    if statut == 200:
                        gardees.append(url)
                    else:
                        print(f"Page laissée de côté : {url} → {statut} {suite} ({v['email']})")
                client.close()
                if not gardees:
                    raise SystemExit(f"Aucune page ne répond pour {v['email']}.")
                v["urls"] = gardees
        for nom, visiteurs in choisis.items():
            avant = phase(hote, temoin, sessions, args)
            groupe = phase(hote, visiteurs, sessions, args)
            apres = phase(hote, temoin, sessions, args)
            nu = statistics.mean([avant["debit"], apres["debit"]])
            nu_p50 = statistics.mean([avant["p50"], apres["p50"]])
            resultats[nom] = {
                "avant": avant,
                "groupe": groupe,
                "apres": apres,
                "part": groupe["debit"] / nu,
                "p50_sur_nu": groupe["p50"] / nu_p50,
            }
            print(
                f"{nom:<32} {groupe['debit']:7.1f} req/s ({100 * groupe['debit'] / nu:5.1f} % "
                f"du témoin : {avant['debit']:.0f} puis {apres['debit']:.0f} req/s), p50 "
                f"{groupe['p50']:.0f} ms, p95 {groupe['p95']:.0f} ms, erreurs "
                f"{groupe['erreurs']} ; charge {groupe['charge']:.2f}",
                flush=True,
            )
        charge_apres = load_average()
    quand = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lignes = [
        f"Mesuré le {quand} : {args.connexions} connexions sans pause, gunicorn "
        f"{args.workers} × {args.threads} fils, {args.duree} s comptées par phase après "
        f"{args.echauffement} s.",
        f"Charge de la machine (1 / 5 / 15 min) : avant {charge_avant}, après {charge_apres}.",
        f"Processus gunicorn redémarrés pendant le passage : {serveur.redemarrages}.",
        "",
        "| groupe | débit req/s | témoin avant / après req/s | part du témoin | p50 ms | "
        "p95 ms | p50 / témoin | erreurs | charge (1 min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for nom, r in resultats.items():
        g = r["groupe"]
        lignes.append(
            f"| {nom} | {g['debit']:.1f} | {r['avant']['debit']:.0f} / "
            f"{r['apres']['debit']:.0f} | {100 * r['part']:.1f} % | {g['p50']:.0f} | "
            f"{g['p95']:.0f} | {r['p50_sur_nu']:.1f} | {g['erreurs']} | {g['charge']:.2f} |"
        )
    lignes += [
        "",
        "Chaque phase :",
        "",
        "| phase | requêtes | durée s | req/s | p50 ms | p95 ms | p99 ms | erreurs "
        "| charge (1 min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for nom, r in resultats.items():
        lignes += [
            ligne(f"témoin avant {nom}", r["avant"]),
            ligne(nom, r["groupe"]),
            ligne(f"témoin après {nom}", r["apres"]),
        ]
    texte = "\n".join(lignes)
    print()
    print(texte)
    horodatage = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"debit-{horodatage}.md").write_text(texte + "\n")
    (OUT / f"debit-{horodatage}.json").write_text(
        json.dumps(
            {
                "quand": quand,
                "charge_avant": charge_avant,
                "charge_apres": charge_apres,
                "redemarrages": serveur.redemarrages,
                "options": vars(args),
                "groupes": resultats,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    if serveur.redemarrages:
        print(f"\nATTENTION : {serveur.redemarrages} processus gunicorn redémarrés.")
    if any(r["groupe"]["erreurs"] for r in resultats.values()):
        print(f"\nDes requêtes ont échoué : voir {serveur.tmp / 'gunicorn.log'}.")


if __name__ == "__main__":
    main()
