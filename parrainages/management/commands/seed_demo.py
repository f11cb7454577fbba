from django.core.management.base import BaseCommand

from parrainages.demo import resume, seed_demo


class Command(BaseCommand):
    help = (
        "Crée les données de démonstration : les cinq programmes, leurs partenaires et "
        "conventions, environ 200 parrains et 600 filleuls, et affiche les comptes de "
        "démonstration. Peut être relancée sans rien dupliquer."
    )

    def handle(self, *args, **options):
        self.stdout.write(resume(seed_demo()))
