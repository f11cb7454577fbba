from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import resume, seed_demo


class Command(BaseCommand):
    help = (
        "Crée les données de démonstration : les cinq programmes, leurs partenaires et "
        "conventions, environ 200 parrains et 600 filleuls, et affiche les comptes de "
        "démonstration. Peut être relancée sans rien dupliquer. Développement seulement "
        "(DEBUG=1)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # Fictitious people and accounts whose password is printed: never in production.
            raise CommandError(
                "Les données de démonstration ne se créent qu'en développement (DEBUG=1) : "
                "elles ajoutent des personnes fictives et des comptes au mot de passe connu. "
                "Ne lancez jamais seed_demo sur une base de production."
            )
        self.stdout.write(resume(seed_demo()))
