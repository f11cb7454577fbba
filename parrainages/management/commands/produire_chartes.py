import time

from django.core.management.base import BaseCommand

from parrainages.models import Charte
from parrainages.services import charte_envoyer_pdf, charte_produire_pdf


class Command(BaseCommand):
    help = (
        "Produit (rend, scelle, stocke) le PDF des chartes signées qui n'en ont pas encore. "
        "Avec --envoyer, l'envoie aussi aux parties."
    )

    def add_arguments(self, parser):
        parser.add_argument("--envoyer", action="store_true", help="E-mailer les PDF produits.")

    def handle(self, *args, envoyer, **options):
        ids = list(
            Charte.objects.filter(statut=Charte.Statut.SIGNEE, pdf="")
            .order_by("signee_le")
            .values_list("pk", flat=True)
        )
        debut = time.monotonic()
        for n, charte_id in enumerate(ids, start=1):
            charte_produire_pdf(charte_id=charte_id)
            if envoyer:
                charte_envoyer_pdf(charte_id=charte_id)
            if n % 10 == 0 or n == len(ids):
                self.stdout.write(f"{n}/{len(ids)} chartes produites…")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(ids)} PDF de charte produits en {time.monotonic() - debut:.1f} s."
            )
        )
