"""Convention reports at scale: a convention whose partner referred 20,000 mentees.

Run on a throwaway database (it is migrated, filled, and the benchmark rows removed at the end):

    createdb -h 127.0.0.1 -U postgres mentorat_bench_rapports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorat_bench_rapports DEBUG=1 \\
        .venv/bin/python benchmarks/reports.py --mentees 20000
    dropdb -h 127.0.0.1 -U postgres mentorat_bench_rapports

Builds the data with ``seed_scale`` (mentees, mentors, pairs, meetings, outcomes) unless the
database already holds at least that many synthetic applications (national data, say: it is
kept, and left in place at the end). One partner becomes the prescriber of ``--mentees``
applications exactly, spread over the programme (every k-th of those no other partner referred),
and brings a third of the mentors in the same share; it gets an active convention with
objectives and a few events. Then times each step of a report over the convention's last
twelve months — the figures (a dozen queries), the PDF, the mentees' rows (as many as
printed), the XLSX and the CSV — and the whole production as the Celery task runs it (files
written to a temporary folder). At the end the applications get their former source back and
the partner, its convention and events go (``--garder`` keeps them).
Target: PDF + XLSX, data included, in 5 s or less.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.scale import PROGRAMME_SLUG, synthetic_data_create, synthetic_data_delete  # noqa: E402
from parrainages.models import Candidature, Parrain  # noqa: E402
from partenaires import documents, selectors, services  # noqa: E402
from partenaires.models import Convention, Objectif, ParrainApporte, Partenaire, Rapport  # noqa: E402
from programmes.models import Evenement, Inscription, Programme  # noqa: E402

REFERENCE = "BENCH-RAPPORTS"
NOM_PARTENAIRE = "Mission locale (banc d'essai des rapports)"
CIBLE_S = 5.0


def chrono(fonction, *args, **kwargs):
    debut = time.perf_counter()
    resultat = fonction(*args, **kwargs)
    return resultat, time.perf_counter() - debut


def orienter(programme, partenaire, mentees: int, log) -> dict[int, str]:
    """Make ``partenaire`` the prescriber of ``mentees`` applications of ``programme``, spread
    over the whole programme (every k-th by id), no more: on a database that already holds
    national data, the partner is the size asked for, not the whole country.

    Applications another partner referred are left alone. Returns the applications given to
    the partner by this run with their former source, for ``rendre``."""
    # An earlier run stopped before its clean-up: its applications start from nothing.
    Candidature.objects.filter(prescripteur=partenaire).update(
        prescripteur=None, source=Candidature.Source.EN_LIGNE
    )
    libres = Candidature.objects.filter(programme=programme, prescripteur__isnull=True)
    total = libres.count()
    if total < mentees:
        raise SystemExit(
            f"{total} candidatures sans prescripteur dans « {programme.slug} » : moins que "
            f"les {mentees} demandées."
        )
    pas = total // mentees
    choisies = dict(libres.order_by("pk").values_list("pk", "source")[: pas * mentees : pas])
    for debut in range(0, len(choisies), 10_000):
        lot = list(choisies)[debut : debut + 10_000]
        Candidature.objects.filter(pk__in=lot).update(
            prescripteur=partenaire, source=Candidature.Source.PRESCRIPTION
        )
    log(
        f"  {len(choisies)} candidatures orientées par « {partenaire.nom} » "
        f"(une sur {pas} des {total} sans prescripteur)"
    )
    return choisies


def rendre(choisies: dict[int, str]) -> None:
    """The applications ``orienter`` gave to the partner get their former source back."""
    par_source: dict[str, list[int]] = {}
    for pk, source in choisies.items():
        par_source.setdefault(source, []).append(pk)
    for source, cles in par_source.items():
        for debut in range(0, len(cles), 10_000):
            Candidature.objects.filter(pk__in=cles[debut : debut + 10_000]).update(
                prescripteur=None, source=source
            )


def preparer(mentees: int, mentors: int, log) -> tuple[Convention, dict[int, str], bool]:
    """The convention, the applications given to its partner, and whether the synthetic data
    was created by this run (then it goes at the end; data already there stays)."""
    call_command("migrate", verbosity=0)
    synthetiques = Candidature.objects.filter(programme__slug=PROGRAMME_SLUG).count()
    creees = synthetiques < mentees
    if creees:
        synthetic_data_create(mentees=mentees, mentors=mentors, reset=True, log=log)
    else:
        log(f"  {synthetiques} candidatures synthétiques déjà là : gardées")
    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    partenaire, _ = Partenaire.objects.get_or_create(
        nom=NOM_PARTENAIRE, type=Partenaire.Type.MISSION_LOCALE
    )
    choisies = orienter(programme, partenaire, mentees, log)
    total = Candidature.objects.filter(programme=programme).count()
    # A third of the mentors, in the partner's share of the applications.
    parrains = list(
        Parrain.objects.filter(programmes=programme).order_by("pk").values_list("pk", flat=True)
    )
    apportes = len(parrains) * len(choisies) // (3 * total)
    ParrainApporte.objects.filter(partenaire=partenaire).delete()
    ParrainApporte.objects.bulk_create(
        [ParrainApporte(partenaire=partenaire, parrain_id=pk) for pk in parrains[:apportes]],
        ignore_conflicts=True,
    )
    log(f"  {apportes} parrains apportés par le partenaire")
    aujourd_hui = timezone.localdate()
    convention, _ = Convention.objects.update_or_create(
        reference=REFERENCE,
        defaults={
            "partenaire": partenaire,
            "titre": "Convention du banc d'essai des rapports",
            "date_debut": programme.date_debut,
            "date_fin": aujourd_hui + dt.timedelta(days=365),
            "statut": Convention.Statut.ACTIVE,
        },
    )
    convention.programmes.set([programme])
    for indicateur, cible, periode in [
        (Objectif.Indicateur.FILLEULS_ORIENTES, 15_000, Objectif.Periode.ANNEE),
        (Objectif.Indicateur.BINOMES_FORMES, 10_000, Objectif.Periode.CONVENTION),
        (Objectif.Indicateur.RENCONTRES_TENUES, 20_000, Objectif.Periode.TRIMESTRE),
        (Objectif.Indicateur.SORTIES_POSITIVES_6_MOIS, 2_000, Objectif.Periode.CONVENTION),
        (Objectif.Indicateur.PARTICIPATION, 500, Objectif.Periode.MOIS),
    ]:
        Objectif.objects.update_or_create(
            convention=convention,
            indicateur=indicateur,
            periode=periode,
            defaults={"valeur_cible": cible},
        )
    if not Evenement.objects.filter(programme=programme, titre__startswith="Banc d'essai").exists():
        filleuls = list(
            Candidature.objects.filter(prescripteur=partenaire)
            .order_by("pk")
            .values_list("filleul_id", flat=True)[:3000]
        )
        for i in range(24):
            debut = timezone.now() - dt.timedelta(days=15 * i + 3)
            evenement = Evenement.objects.create(
                programme=programme,
                type=Evenement.Type.WEBINAIRE,
                titre=f"Banc d'essai : webinaire n° {i + 1}",
                debut=debut,
                fin=debut + dt.timedelta(hours=2),
                statut=Evenement.Statut.TERMINE,
            )
            Inscription.objects.bulk_create(
                [
                    Inscription(
                        evenement=evenement,
                        filleul_id=f,
                        statut=Inscription.Statut.PRESENT if k % 3 else Inscription.Statut.ABSENT,
                    )
                    for k, f in enumerate(filleuls[i * 120 : (i + 1) * 120])
                ]
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return convention, choisies, creees


def mesurer(convention: Convention, repetitions: int, log, sql: bool = False) -> dict:
    fin = timezone.localdate()
    debut = fin - dt.timedelta(days=364)
    mesures = {k: [] for k in ("donnees", "pdf", "lignes", "xlsx", "csv", "pdf_xlsx", "tache")}
    # A worker imports WeasyPrint when it starts (``mentorat/celery.py``), not in a report:
    # imported here first, timed apart, so that the first repetition's PDF does not carry it.
    debut_import = time.perf_counter()
    import weasyprint  # noqa: F401

    duree_import = time.perf_counter() - debut_import
    log(f"  import de WeasyPrint (une fois par processus) : {duree_import:.2f} s")
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as requetes:
            contenu, t_donnees = chrono(selectors.contenu_rapport, convention, debut, fin)
        pdf, t_pdf = chrono(documents.rapport_pdf, contenu)
        lignes, t_lignes = chrono(lambda: list(selectors.lignes_filleuls(convention, debut, fin)))
        xlsx, t_xlsx = chrono(documents.rapport_xlsx, contenu, lignes)
        csv, t_csv = chrono(documents.rapport_csv, lignes)
        mesures["donnees"].append(t_donnees)
        mesures["pdf"].append(t_pdf)
        mesures["lignes"].append(t_lignes)
        mesures["xlsx"].append(t_xlsx)
        mesures["csv"].append(t_csv)
        mesures["pdf_xlsx"].append(t_donnees + t_pdf + t_lignes + t_xlsx)
        rapport, t_tache = chrono(
            services.rapport_demander,
            convention=convention,
            debut=debut,
            fin=fin,
            sur_le_champ=True,
        )
        assert rapport.statut == Rapport.Statut.PRET, rapport.erreur
        mesures["tache"].append(t_tache)
    mesures["nombre_lignes"] = len(lignes)
    log(
        f"  {len(lignes)} lignes de filleuls ; PDF {len(pdf) // 1024} Kio, XLSX "
        f"{len(xlsx) // 1024} Kio, CSV {len(csv) // 1024} Kio ; chiffres du rapport en "
        f"{len(requetes)} requêtes"
    )
    if sql:  # the figures' slowest statements, last repetition
        for q in sorted(requetes.captured_queries, key=lambda q: -float(q["time"]))[:5]:
            log(f"    {float(q['time']) * 1000:8.1f} ms  {q['sql'][:400]}")
    return mesures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=20_000)
    parser.add_argument("--mentors", type=int, default=6_000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument(
        "--garder", action="store_true", help="ne pas supprimer les données du banc d'essai"
    )
    parser.add_argument(
        "--sql", action="store_true", help="les requêtes les plus lentes des chiffres"
    )
    options = parser.parse_args()
    base = settings.DATABASES["default"]
    print(f"Base : {base['ENGINE'].rsplit('.', 1)[-1]} {base.get('NAME')}")
    with tempfile.TemporaryDirectory() as dossier:
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": dossier},
            },
        }
        debut = time.perf_counter()
        convention, choisies, creees = preparer(options.mentees, options.mentors, print)
        print(f"Préparation : {time.perf_counter() - debut:.1f} s")
        mesures = mesurer(convention, options.repetitions, print, sql=options.sql)
    print(f"\nMédianes sur {options.repetitions} répétitions :")
    libelles = {
        "donnees": "chiffres, séries, sorties, événements",
        "pdf": "rendu du PDF (WeasyPrint)",
        "lignes": f"{mesures['nombre_lignes']} lignes de filleuls",
        "xlsx": "XLSX",
        "csv": "CSV",
        "pdf_xlsx": "PDF + XLSX, données comprises",
        "tache": "production complète (tâche : PDF, CSV, XLSX, fichiers)",
    }
    for cle, libelle in libelles.items():
        print(f"  {libelle:<58} {statistics.median(mesures[cle]):6.2f} s")
    total = statistics.median(mesures["pdf_xlsx"])
    verdict = "OK" if total <= CIBLE_S else "TROP LENT"
    print(f"\nObjectif PDF + XLSX ≤ {CIBLE_S:.0f} s : {total:.2f} s — {verdict}")
    if not options.garder:
        Rapport.objects.filter(convention__reference=REFERENCE).delete()
        Evenement.objects.filter(titre__startswith="Banc d'essai").delete()
        Convention.objects.filter(reference=REFERENCE).delete()
        rendre(choisies)
        if creees:
            synthetic_data_delete(log=lambda *_: None)
        Partenaire.objects.filter(nom=NOM_PARTENAIRE).delete()
        print(
            "Données du banc d'essai supprimées"
            + ("." if creees else " (les données synthétiques déjà là restent).")
        )
    return 0 if total <= CIBLE_S else 1


if __name__ == "__main__":
    sys.exit(main())
