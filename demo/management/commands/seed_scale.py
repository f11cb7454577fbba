"""manage.py seed_scale: bulk synthetic data for benchmarks (see demo/scale.py)."""

from django.core.management.base import BaseCommand, CommandError

from demo.scale import (
    PROGRAMME_SLUG,
    SUFFIXE_EMAIL,
    ScaleError,
    format_duration,
    synthetic_data_create,
)


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


class Command(BaseCommand):
    help = (
        "Crée en masse des données synthétiques pour les mesures de performance : filleuls, "
        "parrains (capacité 1 à 5), candidatures, parrainages (surtout en cours, sans jamais "
        "dépasser la capacité d'un parrain ni ouvrir deux binômes pour un filleul), rencontres "
        "sur les 12 derniers mois et le mois à venir, sorties. Les comptes synthétiques ont une "
        f"adresse « …{SUFFIXE_EMAIL} » et un mot de passe inutilisable. "
        "Chaque exécution AJOUTE un nouveau lot (adresses filleul-<lot>-<n>, parrain-<lot>-<n>) ; "
        "--reset supprime d'abord toutes les données synthétiques (les comptes de ce domaine et "
        "tout ce qui en dépend, rien d'autre), puis crée le lot. "
        "Même graine et même numéro de lot : mêmes données. S'il y a moins de 50 communes "
        "géolocalisées, des communes synthétiques (codes « 75S00 »…, autour de 38 grandes villes) "
        "sont créées et conservées ensuite. "
        "Sur PostgreSQL, écriture par COPY ; ailleurs, bulk_create par paquets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mentees", type=int, default=1000, help="Filleuls (1000).")
        parser.add_argument("--mentors", type=int, default=300, help="Parrains (300).")
        parser.add_argument(
            "--pairs",
            type=int,
            default=None,
            help="Parrainages (par défaut : 3/4 des filleuls, dans la limite des places).",
        )
        parser.add_argument(
            "--meetings",
            type=int,
            default=None,
            help="Rencontres (par défaut : 20 pour 3 parrainages, soit 1 000 000 pour 150 000).",
        )
        parser.add_argument(
            "--programme",
            default=PROGRAMME_SLUG,
            help=f"Identifiant du programme (par défaut « {PROGRAMME_SLUG} », créé au besoin : "
            "ouvert, trois formes, sans territoire).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Graine aléatoire (1).")
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Lignes par paquet écrit (5000)."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Supprime d'abord toutes les données synthétiques existantes.",
        )

    def handle(self, *args, **options):
        try:
            result = synthetic_data_create(
                mentees=options["mentees"],
                mentors=options["mentors"],
                pairs=options["pairs"],
                meetings=options["meetings"],
                programme_slug=options["programme"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                reset=options["reset"],
                log=self.stdout.write if options["verbosity"] else lambda line: None,
            )
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{_n(counts['filleuls'])} filleuls, {_n(counts['parrains'])} parrains, "
                f"{_n(counts['parrainages'])} parrainages, {_n(counts['rencontres'])} rencontres "
                f"créés en {format_duration(result.seconds)}"
            )
        )
