from django.core.management.base import BaseCommand

from mentorat.planification import planification_synchroniser


class Command(BaseCommand):
    help = (
        "Écrit les tâches périodiques de la plateforme (mentorat/planification.py) dans la "
        "base de beat : crée celles qui manquent, garde les horaires modifiés par l'équipe. "
        "À lancer à chaque déploiement, après migrate."
    )

    def handle(self, *args, **options):
        bilan = planification_synchroniser()
        for nom in bilan["creees"]:
            self.stdout.write(f"créée : {nom}")
        for nom in bilan["mises_a_jour"]:
            self.stdout.write(f"mise à jour : {nom}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(bilan['creees'])} créée(s), {len(bilan['mises_a_jour'])} mise(s) à jour, "
                f"{len(bilan['inchangees'])} inchangée(s) (horaires de l'équipe conservés)."
            )
        )
