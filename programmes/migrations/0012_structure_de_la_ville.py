"""The platform's staff, until now all seeing everything, become the city service's staff.

Before structures existed, every programme was the city's and every "Gestionnaire" worked on
all of them: one structure, the city's employment service, now runs every existing programme
and holds every staff member who is not an Administrateur, as coordinator. Nothing they saw
disappears; new programmes and staff are then placed in their own structures.
"""

from django.db import migrations


def creer(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    Structure = apps.get_model("programmes", "Structure")
    Affectation = apps.get_model("programmes", "Affectation")
    User = apps.get_model("mentorat", "User")
    if not Programme.objects.exists() and not User.objects.filter(is_staff=True).exists():
        return
    ville, _ = Structure.objects.get_or_create(
        nom="Service emploi de la ville", defaults={"type": "ville", "operateur": True}
    )
    ville.programmes.add(*Programme.objects.all())
    personnel = User.objects.filter(is_staff=True, is_superuser=False).exclude(
        groups__name="Administrateur"
    )
    for user in personnel:
        Affectation.objects.get_or_create(
            structure=ville, user=user, defaults={"role": "coordinateur"}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0011_structures"),
        ("mentorat", "0018_email_facultatif_et_adresse_sms"),
    ]

    operations = [migrations.RunPython(creer, migrations.RunPython.noop)]
