from django.core.management.base import BaseCommand, CommandError

from programmes.qpv import ImportQPVError, importer_qpv


class Command(BaseCommand):
    help = (
        "Importe (crée ou met à jour, par code) les périmètres des quartiers prioritaires de la "
        "politique de la ville du fichier GeoJSON de l'ANCT (QPV 2024, WGS 84)."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="Chemin du fichier GeoJSON à importer.")
        parser.add_argument(
            "--remplacer",
            action="store_true",
            help="Supprimer aussi les quartiers absents du fichier (nouvelle liste).",
        )

    def handle(self, *args, fichier, remplacer, **options):
        try:
            rapport = importer_qpv(chemin_ou_fichier=fichier, remplacer=remplacer)
        except ImportQPVError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(rapport.resume()))
