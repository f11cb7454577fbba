"""Addresses and priority neighbourhoods (QPV) in the demo: the shipped sample of real QPV 2024
perimeters is imported, Strasbourg mentees get addresses from the shipped sample of geocoded
addresses (in Hautepierre, Neuhof, Cronenbourg, and outside any QPV), one address the sample
does not know (undetermined, to check), one decided by staff with a reason; the demo mentee
account lives in Stalingrad - Riquet (Paris 19e). Everything goes through the services, with
the offline geocoder (no network in the demo). See docs/qpv.md."""

import io

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from parrainages.models import Filleul
from parrainages.services import filleul_adresse_enregistrer, filleul_qpv_decider

from .population import DOMAINE

QPV_ECHANTILLON = settings.BASE_DIR / "programmes" / "data" / "qpv_echantillon.geojson"
STRASBOURG = "67482"

# (street line, complement, postcode), in the order of Strasbourg's mentees.
ADRESSES_STRASBOURG = [
    ("12 Boulevard Balzac", "Bâtiment C", "67200"),  # Hautepierre
    ("30 Route d'Altenheim", "", "67100"),  # Neuhof - Meinau
    ("5 Route d'Oberhausbergen", "", "67200"),  # Cronenbourg
    ("1 Place Kléber", "", "67000"),  # centre: in no QPV
    ("2 Place de la Cathédrale", "3e étage", "67000"),  # centre: in no QPV
    ("14 Rue des Tanneurs", "", "67000"),  # absent from the sample: undetermined
    ("Quartier de la Gare", "", "67000"),  # too uncertain: undetermined, then staff decide
]
MOTIF_EQUIPE = (
    "Adresse trop imprécise pour être localisée ; attestation de domicile vue en entretien : "
    "rue du quartier de la gare, hors de tout quartier prioritaire."
)


def qpv_importer() -> None:
    """The sample perimeters (the import is an idempotent upsert by code)."""
    call_command("import_qpv", str(QPV_ECHANTILLON), stdout=io.StringIO())


@override_settings(GEOCODAGE="echantillon")
def adresses_demo(gestionnaire) -> int:
    """Give the addresses above (once: a mentee who has one keeps it). Returns how many."""
    qpv_importer()
    donnees = 0
    strasbourgeois = list(
        Filleul.objects.filter(
            commune__code_insee=STRASBOURG, user__isnull=False, anonymise_le__isnull=True
        ).order_by("pk")[: len(ADRESSES_STRASBOURG)]
    )
    for filleul, (adresse, complement, code_postal) in zip(
        strasbourgeois, ADRESSES_STRASBOURG, strict=False
    ):
        if filleul.adresse:
            continue
        filleul = filleul_adresse_enregistrer(
            filleul=filleul, adresse=adresse, complement=complement, code_postal=code_postal
        )
        donnees += 1
        if adresse == "Quartier de la Gare":
            filleul_qpv_decider(
                filleul=filleul,
                resultat=Filleul.ResultatQPV.HORS,
                motif=MOTIF_EQUIPE,
                par=gestionnaire,
            )
    compte = Filleul.objects.filter(user__email=f"filleul@{DOMAINE}", adresse="").first()
    if compte is not None and compte.commune.code_insee == "75119":
        filleul_adresse_enregistrer(filleul=compte, adresse="20 Rue Riquet", code_postal="75019")
        donnees += 1
    return donnees
