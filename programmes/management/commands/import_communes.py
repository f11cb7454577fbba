from django.core.management.base import BaseCommand, CommandError

from programmes.communes import ImportCommunesError, importer_communes


class Command(BaseCommand):
    help = (
        "Importe (crée ou met à jour) les communes d'un fichier CSV officiel : base officielle "
        "des codes postaux de La Poste, ou communes-departement-region.csv de data.gouv.fr."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="Chemin du fichier CSV à importer.")
        parser.add_argument(
            "--encoding",
            dest="encodage",
            default=None,
            help="Encodage du fichier (par défaut : UTF-8, sinon Windows-1252 / Latin-1).",
        )

    def handle(self, *args, fichier, encodage, **options):
        try:
            rapport = importer_communes(chemin_ou_fichier=fichier, encodage=encodage)
        except ImportCommunesError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(rapport.resume()))
