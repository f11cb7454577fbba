from django.core.management.base import BaseCommand

from parrainages.services.effacement import parcours_effaces_clore


class Command(BaseCommand):
    help = (
        "Clôt ce qui attend encore des personnes effacées avant que l'effacement ne le fasse : "
        "candidatures ouvertes retirées (désistement), propositions écartées, binômes en cours "
        "interrompus (rencontres à venir annulées, l'autre partie et l'équipe prévenues)."
    )

    def handle(self, *args, **options):
        n = parcours_effaces_clore()
        self.stdout.write(self.style.SUCCESS(f"{n} personne(s) effacée(s) : parcours clos."))
