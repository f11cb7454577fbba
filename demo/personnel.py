"""The demo's staff in their structure: the city's employment service, which runs the platform
and every programme of the demo, holds its Gestionnaires as coordinators (as migration
``programmes/0012`` placed the staff of an existing platform). An Administrateur sees
everything and needs no structure. Kept in step with the data on every run."""

from mentorat.roles import ADMINISTRATEUR
from programmes.models import Affectation, Structure

VILLE = "Service emploi de la ville"


def placer_le_personnel(programmes: dict, comptes: dict) -> Structure:
    ville, _ = Structure.objects.update_or_create(
        nom=VILLE, defaults={"type": Structure.Type.VILLE, "operateur": True}
    )
    ville.programmes.add(*programmes.values())
    for user in comptes.values():
        if not user.is_staff or user.is_superuser:
            continue
        if user.groups.filter(name=ADMINISTRATEUR).exists():
            continue
        Affectation.objects.update_or_create(
            structure=ville, user=user, defaults={"role": Affectation.Role.COORDINATEUR}
        )
    return ville
