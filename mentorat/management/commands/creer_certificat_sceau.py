from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mentorat.scellement import creer_certificat_autosigne


class Command(BaseCommand):
    help = (
        "Crée un certificat autosigné pour sceller les PDF (développement, démonstration et "
        "essais ; en production, utilisez un certificat délivré pour la ville)."
    )
    # It makes the certificate whose absence the system checks report: they would stop it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--chemin", default=str(settings.SCEAU_CERTIFICAT))
        parser.add_argument(
            "--remplacer", action="store_true", help="Écraser un certificat existant."
        )
        parser.add_argument("--si-absent", action="store_true", help="Ne rien faire s'il existe.")

    def handle(self, *args, chemin, remplacer, si_absent, **options):
        chemin = Path(chemin)
        if chemin.exists():
            if si_absent:
                self.stdout.write(f"Certificat déjà présent : {chemin}")
                return
            if not remplacer:
                raise CommandError(f"{chemin} existe déjà (ajoutez --remplacer pour l'écraser).")
        certificat = creer_certificat_autosigne(
            chemin, mot_de_passe=settings.SCEAU_MOT_DE_PASSE, nom="Mentorat — sceau des chartes"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Certificat autosigné créé : {chemin} (valable jusqu'au "
                f"{certificat.not_valid_after_utc:%d/%m/%Y})."
            )
        )
