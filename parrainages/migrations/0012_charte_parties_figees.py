"""Freeze the parties of the charters issued before their identity was kept with the text.

Those charters never stored who the parties were at issue: the best available is the profiles
as they are now, which is what their PDF showed until then. A charter whose text was erased
(one party's account deleted) keeps no parties either.
"""

from django.db import migrations

TEXTE_EFFACE = "[Texte effacé"
LOT = 500


def _partie(role, user, entreprise="", fonction=""):
    return {
        "role": role,
        "prenom": user.first_name if user else "",
        "nom": user.last_name if user else "",
        "entreprise": entreprise,
        "fonction": fonction,
    }


def figer(apps, schema_editor):
    Charte = apps.get_model("parrainages", "Charte")
    ids = list(
        Charte.objects.exclude(texte__startswith=TEXTE_EFFACE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for debut in range(0, len(ids), LOT):
        chartes = list(
            Charte.objects.filter(pk__in=ids[debut : debut + LOT]).select_related(
                "parrainage__parrain__user",
                "parrainage__filleul__user",
                "parrainage__programme__coordinateur",
            )
        )
        for charte in chartes:
            parrainage = charte.parrainage
            parrain, programme = parrainage.parrain, parrainage.programme
            charte.parties = [
                _partie("parrain", parrain.user, parrain.entreprise, parrain.fonction),
                _partie("filleul", parrainage.filleul.user),
            ]
            if programme.signature_coordinateur and programme.coordinateur_id:
                charte.parties.append(_partie("coordinateur", programme.coordinateur))
        Charte.objects.bulk_update(chartes, ["parties"])


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0011_charte_parties"),
    ]

    operations = [
        migrations.RunPython(figer, migrations.RunPython.noop),
    ]
