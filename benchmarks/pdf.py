"""Charter PDFs: render + seal time against a bare WeasyPrint render, and throughput.

Run: DEBUG=1 .venv/bin/python benchmarks/pdf.py [--charters 1000] [--workers 2] [--samples 15]

Prints the median time of a bare render and of render + seal of the same HTML in the same run
(target: ratio ≤ 1.25), then the throughput of N charters rendered and sealed by W processes.
Nothing is written to the database; a temporary self-signed certificate is used.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import timezone  # noqa: E402

from mentorat.models import Partie, User  # noqa: E402
from mentorat.pdf import html_vers_pdf  # noqa: E402
from parrainages.models import Charte, Filleul, Parrain, Parrainage  # noqa: E402
from programmes.models import ModeleCharte, Programme  # noqa: E402

TEXTE = "\n\n".join(
    [
        "Préambule. La présente charte fixe les engagements réciproques du parrain, du filleul "
        "et du programme pendant toute la durée du parrainage.",
        *[
            f"Article {i}. Le parrain s'engage à rencontrer son filleul au moins une fois par "
            "mois, à l'aider à préparer ses entretiens, à lui ouvrir son carnet d'adresses et à "
            "respecter la confidentialité de ce qu'il apprend de sa situation."
            for i in range(1, 9)
        ],
    ]
)


CIBLE = 1.25  # sealed / bare render


def charte_html(n: int) -> str:
    parrain_user = User(first_name="Claire", last_name=f"Fontaine {n}", email="c@x.fr")
    filleul_user = User(first_name="Yanis", last_name=f"Benali {n}", email="y@x.fr")
    programme = Programme(nom="1.000 parrains pour 1.000 emplois", porteur="Ville de Paris")
    parrainage = Parrainage(
        programme=programme,
        parrain=Parrain(user=parrain_user, entreprise="Groupe Rivoli", fonction="DRH"),
        filleul=Filleul(user=filleul_user),
        date_debut=dt.date(2026, 11, 2),
        date_fin_prevue=dt.date(2027, 5, 2),
    )
    charte = Charte(
        parrainage=parrainage,
        modele=ModeleCharte(titre="Charte du parrainage", version=1),
        texte=TEXTE,
        texte_sha256="a" * 64,
        emise_le=timezone.now(),
    )
    parties = [
        Partie(
            role=role,
            libelle=libelle,
            prenom=user.first_name,
            nom=user.last_name,
            organisme=organisme,
            fonction=fonction,
            signee_le=timezone.now(),
            adresse_ip="203.0.113.7",
            user_agent="Mozilla/5.0 (Linux; Android 14) Mobile",
            methode=Partie.Methode.CODE_EMAIL,
            texte_sha256="a" * 64,
        )
        for role, libelle, user, organisme, fonction in (
            ("parrain", "Parrain ou marraine", parrain_user, "Groupe Rivoli", "DRH"),
            ("filleul", "Filleul ou filleule", filleul_user, "", ""),
        )
    ]
    import segno

    url = f"{settings.SITE_URL}/charte/verifier/00000000-0000-0000-0000-{n:012d}/"
    return render_to_string(
        "parrainages/pdf/charte.html",
        {
            "charte": charte,
            "parrainage": parrainage,
            "parties": parties,
            "url_verification": url,
            "qr_svg": segno.make(url, error="m").svg_data_uri(scale=4, border=1),
            "produit_le": timezone.now(),
        },
    )


def render_and_seal(n: int) -> int:
    from mentorat.scellement import sceller

    return len(sceller(html_vers_pdf(charte_html(n)), raison="Charte de parrainage"))


def _init_worker(cert: str, password: str):
    settings.SCEAU_CERTIFICAT = Path(cert)
    settings.SCEAU_MOT_DE_PASSE = password


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--charters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()

    from mentorat.scellement import creer_certificat_autosigne, sceller

    tmp = Path(tempfile.mkdtemp())
    cert = tmp / "bench.p12"
    creer_certificat_autosigne(cert, mot_de_passe="bench", nom="Sceau de mesure")
    _init_worker(str(cert), "bench")

    html = charte_html(0)
    html_vers_pdf(html)  # warm-up: fonts, caches
    sceller(html_vers_pdf(html), raison="échauffement")
    bare, sealed, seal = [], [], []
    for _ in range(args.samples):
        t = time.perf_counter()
        rendu = html_vers_pdf(html)
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        sceller(html_vers_pdf(html), raison="Charte de parrainage")
        sealed.append(time.perf_counter() - t)
        t = time.perf_counter()
        sceller(rendu, raison="Charte de parrainage")
        seal.append(time.perf_counter() - t)
    m_bare, m_sealed = statistics.median(bare), statistics.median(sealed)
    print(
        f"Charge de la machine (1 / 5 / 15 min) : {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"Rendu seul (médiane sur {args.samples})      : {m_bare * 1000:7.1f} ms")
    print(f"Rendu + scellement (médiane)        : {m_sealed * 1000:7.1f} ms")
    print(f"Scellement seul (médiane)           : {statistics.median(seal) * 1000:7.1f} ms")
    ratio = m_sealed / m_bare
    print(
        f"Rapport                             : {ratio:7.2f} (objectif ≤ {CIBLE}) "
        f"{'OK' if ratio <= CIBLE else 'DÉPASSÉ'}"
    )

    t = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=args.workers, initializer=_init_worker, initargs=(str(cert), "bench")
    ) as pool:
        sizes = list(pool.map(render_and_seal, range(args.charters), chunksize=10))
    elapsed = time.perf_counter() - t
    print(
        f"{args.charters} chartes rendues et scellées par {args.workers} processus : "
        f"{elapsed:.1f} s, soit {args.charters / elapsed:.1f} chartes/s "
        f"(taille moyenne {statistics.mean(sizes) / 1024:.0f} Ko)"
    )


if __name__ == "__main__":
    main()
