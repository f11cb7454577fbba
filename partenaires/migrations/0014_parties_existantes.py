from django.db import migrations


def premiere_partie(apps, schema_editor):
    """Each convention's partner becomes its first party, the lead one (« porteur »)."""
    Convention = apps.get_model("partenaires", "Convention")
    PartieConvention = apps.get_model("partenaires", "PartieConvention")
    existantes = set(PartieConvention.objects.values_list("convention_id", "partenaire_id"))
    PartieConvention.objects.bulk_create(
        [
            PartieConvention(convention_id=pk, partenaire_id=partenaire_id, role="porteur")
            for pk, partenaire_id in Convention.objects.values_list("pk", "partenaire_id")
            if (pk, partenaire_id) not in existantes
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("partenaires", "0013_conventions_a_plusieurs_parties")]

    operations = [migrations.RunPython(premiere_partie, migrations.RunPython.noop)]
