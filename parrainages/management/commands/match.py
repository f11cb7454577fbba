from django.core.management.base import BaseCommand, CommandError

from parrainages.services.matching import (
    AppariementRefuse,
    appariement_executer,
    appariement_lancer,
)
from programmes.models import Programme


class Command(BaseCommand):
    help = (
        "Apparie les filleuls retenus d'un programme avec ses parrains disponibles et crée les "
        "propositions (à confirmer dans l'administration). Avec --dry-run, calcule et affiche "
        "le résultat sans rien créer."
    )

    def add_arguments(self, parser):
        parser.add_argument("programme", help="Identifiant d'URL (slug) du programme.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Simulation : aucune proposition n'est créée (l'appariement est enregistré).",
        )

    def handle(self, *args, programme, dry_run, **options):
        try:
            prog = Programme.objects.get(slug=programme)
        except Programme.DoesNotExist:
            slugs = ", ".join(Programme.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                f"Programme « {programme} » introuvable. Programmes : {slugs or 'aucun'}."
            ) from None
        try:
            run = appariement_lancer(programme=prog, simulation=dry_run, en_tache=False)
        except AppariementRefuse as refus:
            raise CommandError(str(refus)) from None
        run = appariement_executer(
            run_id=run.pk,
            suivi=lambda pct, etape: self.stdout.write(f"{pct:3d} % {etape}"),
        )
        if run is None:
            raise CommandError("Cet appariement a été pris par un autre processus.")
        self._resume(run)

    def _resume(self, run):
        write = self.stdout.write
        quoi = "Simulation terminée" if run.simulation else "Appariement terminé"
        write(self.style.SUCCESS(f"{quoi} en {run.duree.total_seconds():.1f} s."))
        write(
            f"Filleuls à apparier : {run.filleuls} ; parrains disponibles : {run.parrains} "
            f"({run.places} places)."
        )
        cree = "calculées (rien n'est créé)" if run.simulation else "créées, à confirmer"
        maximum = sum(run.parametres.get("poids", {}).values())
        moyenne = f"{run.score_moyen:.1f} / {maximum}" if run.score_moyen is not None else "—"
        write(f"Propositions {cree} : {run.propositions} ; score moyen {moyenne}.")
        write(f"Filleuls sans parrain : {run.non_apparies_nombre}")
        for raison, nombre in run.non_apparies_par_raison():
            write(f"  - {raison} : {nombre}")
