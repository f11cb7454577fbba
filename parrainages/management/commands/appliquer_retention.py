from django.conf import settings
from django.core.management.base import BaseCommand

from parrainages.retention import retention_appliquer


class Command(BaseCommand):
    help = (
        "Applique les règles de conservation des données (RGPD) : supprime les comptes jamais "
        "vérifiés, avertit les personnes inactives, anonymise celles averties depuis le délai "
        "de préavis, efface les orientations jamais suivies, les sessions expirées et les "
        "adresses des anciens e-mails de la file d'envoi. Avec --dry-run, compte seulement."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Afficher les nombres sans rien modifier."
        )

    def handle(self, *args, dry_run, **options):
        bilan = retention_appliquer(dry_run=dry_run)
        self.stdout.write(
            f"Inactivité : {settings.RETENTION_INACTIVITE_JOURS} jours, préavis : "
            f"{settings.RETENTION_PREAVIS_JOURS} jours, comptes non vérifiés : "
            f"{settings.RETENTION_NON_VERIFIE_JOURS} jours, file d'envoi : "
            f"{settings.RETENTION_ENVOIS_JOURS} jours."
        )
        if dry_run:
            self.stdout.write(
                "Simulation (rien n'est modifié) :\n"
                f"  comptes non vérifiés à supprimer : {bilan.non_verifies_supprimes}\n"
                f"  personnes à avertir : {bilan.avertis}\n"
                f"  personnes à anonymiser : {bilan.anonymises}\n"
                f"  orientations jamais suivies à effacer : {bilan.invitations_effacees}\n"
                f"  sessions expirées à supprimer : {bilan.sessions_expirees}\n"
                f"  e-mails anciens à vider : {bilan.envois_purges}\n"
                f"  liens courts expirés à supprimer : {bilan.liens_courts_purges}\n"
                f"  entrées anciennes du journal des modifications : {bilan.journal_purge}"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Comptes non vérifiés supprimés : {bilan.non_verifies_supprimes}\n"
                f"Personnes averties : {bilan.avertis} (envoi par la file d'e-mails)\n"
                f"Personnes anonymisées : {bilan.anonymises}\n"
                f"Orientations jamais suivies effacées : {bilan.invitations_effacees}\n"
                f"Sessions expirées supprimées : {bilan.sessions_expirees}\n"
                f"E-mails anciens vidés : {bilan.envois_purges}\n"
                f"Liens courts expirés supprimés : {bilan.liens_courts_purges}\n"
                f"Entrées anciennes du journal des modifications supprimées : "
                f"{bilan.journal_purge}"
            )
        )
