"""Reminders at scale: select and claim a day's due reminders, then a second run claims nothing.

Run on PostgreSQL with seed_scale data (about 200,000 mentees and 150,000 pairs):

    createdb -h 127.0.0.1 -U postgres bench_relances
    export DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_relances
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_scale --mentees 200000 --mentors 50000
    .venv/bin/python benchmarks/reminders.py

Prints the time and the number of queries of: planning (rules → outbox), claiming every due
row in batches, and a second planning run (which must add nothing). Target: ≤ 10 s; queries
grow with batches, not rows. Nothing is sent. If the outbox was empty, it is emptied again at
the end (TRUNCATE on PostgreSQL, so that the next run does not start on a day of dead rows).
The machine's load is printed before and after: the figures depend on it.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from mentorat.envois import envois_reserver  # noqa: E402
from mentorat.models import Envoi  # noqa: E402
from parrainages.models import Parrainage  # noqa: E402
from parrainages.relances import relances_planifier  # noqa: E402

LOT = 2000


def mesurer(libelle, fonction):
    with CaptureQueriesContext(connection) as requetes:
        debut = time.perf_counter()
        resultat = fonction()
        duree = time.perf_counter() - debut
    print(f"{libelle:<45} {duree:7.2f} s  {len(requetes):6d} requêtes")
    return resultat, duree


def reserver_tout():
    total, lots = 0, 0
    while True:
        with transaction.atomic():
            _, lot = envois_reserver(lot=LOT)
        if not lot:
            return total, lots
        total += len(lot)
        lots += 1


def charge():
    return ", ".join(f"{valeur:.2f}".replace(".", ",") for valeur in os.getloadavg())


def main():
    print(f"Base : {connection.vendor} — {Parrainage.objects.actifs().count()} parrainages actifs")
    print(f"Charge de la machine (1, 5, 15 min) : {charge()}")
    avant = Envoi.objects.count()
    maintenant = timezone.now()
    crees, t1 = mesurer(
        "Planification (règles → file d'envoi)", lambda: relances_planifier(maintenant=maintenant)
    )
    print("   nouveaux envois par règle :", {k: v for k, v in crees.items() if v})
    (reserves, lots), t2 = mesurer(
        f"Réservation de tous les envois dus (lots de {LOT})", reserver_tout
    )
    print(f"   {reserves} envois réservés en {lots} lots")
    encore, t3 = mesurer(
        "Seconde planification (rien de nouveau)", lambda: relances_planifier(maintenant=maintenant)
    )
    (deuxieme, _), t4 = mesurer("Seconde réservation (rien à prendre)", reserver_tout)
    print(f"Total sélection + réservation : {t1 + t2:.2f} s (objectif ≤ 10 s)")
    assert sum(encore.values()) == 0 and deuxieme == 0, "un second passage a trouvé du travail"
    print("Second passage : 0 nouvel envoi, 0 réservation — OK")
    print(f"Charge de la machine (1, 5, 15 min) : {charge()}")
    if avant == 0:  # leave the database as it was, for a rerun
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE mentorat_envoi")
        else:
            Envoi.objects.all().delete()


if __name__ == "__main__":
    main()
