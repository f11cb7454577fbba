"""The first reasons for not retaining an application (staff extend the list in the admin)."""

from django.db import migrations

MOTIFS = [
    (
        "Conditions d'éligibilité non remplies",
        "Votre situation ne correspond pas aux conditions d'accès de ce programme. Ce n'est pas "
        "un jugement sur vous : d'autres accompagnements existent, et votre conseiller ou "
        "l'équipe du programme peut vous aider à trouver celui qui vous convient.",
    ),
    (
        "Profil ne correspondant pas au public du programme",
        "Après étude, ce programme ne semble pas le mieux adapté à votre projet. L'équipe peut "
        "vous orienter vers un accompagnement plus proche de ce que vous recherchez.",
    ),
    (
        "Programme complet",
        "Toutes les places du programme sont prises pour cette session. Vous pourrez candidater "
        "de nouveau à la prochaine ; nous vous souhaitons bonne continuation dans vos démarches.",
    ),
    (
        "Absence à la sélection",
        "Nous n'avons pas pu vous rencontrer lors de la sélection, et votre candidature ne peut "
        "donc pas aller plus loin pour cette session. Vous pourrez candidater de nouveau.",
    ),
    (
        "Sans réponse du candidat",
        "Nous avons essayé de vous joindre sans obtenir de réponse, et votre candidature ne peut "
        "donc pas aller plus loin. Si vous êtes toujours intéressé(e), écrivez-nous.",
    ),
    (
        "Autre motif",
        "Votre candidature n'a pas été retenue pour cette session. L'équipe du programme reste "
        "disponible pour en parler avec vous.",
    ),
]


def creer(apps, schema_editor):
    MotifRefus = apps.get_model("parrainages", "MotifRefus")
    for ordre, (libelle, texte) in enumerate(MOTIFS, start=1):
        MotifRefus.objects.get_or_create(
            libelle=libelle, defaults={"texte_candidat": texte, "ordre": ordre * 10}
        )


def retirer(apps, schema_editor):
    MotifRefus = apps.get_model("parrainages", "MotifRefus")
    MotifRefus.objects.filter(libelle__in=[m[0] for m in MOTIFS], evenements=None).delete()


class Migration(migrations.Migration):
    dependencies = [("parrainages", "0025_decisions_candidatures")]

    operations = [migrations.RunPython(creer, retirer)]
