"""The demo's structures and their scoped staff: the city's employment service (which runs the
platform), NQT's national team with two regional teams, and the Mission locale Haute-Garonne
whose animateur runs Profession-emploi. Kept in step with the data on every run."""

from mentorat.territoires import REGION_NOMS
from programmes.models import Affectation, Commune, Structure

from .programmes import AUVERGNE, HAUTE_GARONNE, NQT, PARIS, STRASBOURG

VILLE = "Service emploi de la ville"
NQT_NATIONALE = "NQT — équipe nationale"
MISSION_LOCALE = "Mission locale Haute-Garonne"
# NQT's regional teams in the demo: Île-de-France and Auvergne-Rhône-Alpes, where most of its
# demo mentees and mentors live (Paris, Lyon, Clermont-Ferrand).
REGIONS_NQT = {"11": "nqt_idf", "84": "nqt_aura"}
# The Mission locale's communes: the Haute-Garonne's in the sample.
DEPARTEMENT_MISSION_LOCALE = "31"


def nom_equipe_regionale(region: str) -> str:
    return f"NQT — {REGION_NOMS[region]}"


def creer_structures(programmes: dict, comptes: dict) -> dict:
    """Structures of the demo, each with its programmes, territory and staff (coordinators)."""
    structures = {}

    ville, _ = Structure.objects.update_or_create(
        nom=VILLE, defaults={"type": Structure.Type.VILLE, "operateur": True, "parent": None}
    )
    # The city runs its programmes and relays NQT; Profession-emploi is the Mission locale's.
    ville.programmes.set([programmes[s] for s in (PARIS, STRASBOURG, NQT, AUVERGNE)])
    structures["ville"] = ville

    nationale, _ = Structure.objects.update_or_create(
        nom=NQT_NATIONALE, defaults={"type": Structure.Type.NATIONALE, "parent": None}
    )
    nationale.programmes.set([programmes[NQT]])
    structures["nqt_national"] = nationale
    for region, cle in REGIONS_NQT.items():
        equipe, _ = Structure.objects.update_or_create(
            nom=nom_equipe_regionale(region),
            defaults={
                "type": Structure.Type.REGIONALE,
                "parent": nationale,
                "region": region,
            },
        )
        equipe.programmes.set([programmes[NQT]])
        structures[cle] = equipe

    mission_locale, _ = Structure.objects.update_or_create(
        nom=MISSION_LOCALE, defaults={"type": Structure.Type.MISSION_LOCALE, "parent": None}
    )
    mission_locale.programmes.set([programmes[HAUTE_GARONNE]])
    mission_locale.communes.set(Commune.objects.filter(departement=DEPARTEMENT_MISSION_LOCALE))
    structures["animateur"] = mission_locale

    for cle, structure in (
        ("gestionnaire", ville),
        ("nqt_national", nationale),
        *((cle, structures[cle]) for cle in REGIONS_NQT.values()),
        ("animateur", mission_locale),
    ):
        Affectation.objects.update_or_create(
            structure=structure,
            user=comptes[cle],
            defaults={"role": Affectation.Role.COORDINATEUR},
        )
    return structures
