"""Check PDF files against what of PDF/UA-1 a program can check (mentorat/pdf_conformite.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mentorat.pdf_conformite import verifier_pdf_ua


class Command(BaseCommand):
    help = "Vérifie des fichiers PDF : balisage, langue, titre, polices incorporées (PDF/UA-1)."

    def add_arguments(self, parser):
        parser.add_argument("fichiers", nargs="+", type=Path)

    def handle(self, *args, fichiers, **options):
        en_echec = 0
        for fichier in fichiers:
            try:
                contenu = fichier.read_bytes()
            except OSError as exc:
                raise CommandError(f"{fichier} : illisible ({exc}).") from exc
            echecs = verifier_pdf_ua(contenu)
            if echecs:
                en_echec += 1
                self.stdout.write(f"{fichier} : {len(echecs)} défaut(s)")
                for echec in echecs:
                    self.stdout.write(f"  - {echec}")
            else:
                self.stdout.write(f"{fichier} : conforme aux vérifications PDF/UA-1 automatiques")
        if en_echec:
            raise CommandError(f"{en_echec} fichier(s) sur {len(fichiers)} avec des défauts.")
