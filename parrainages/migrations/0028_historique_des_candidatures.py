"""The history of applications deposited before it was kept: their deposit, then their current
status when it is another, as the applicant would have read them (nothing is sent). The same
rule as ``parrainages.services.decisions.historique_reconstituer``, frozen here with the texts
of the day."""

from django.db import migrations

LOT = 2000

DEPOSEE = "deposee"
ATTENTE = "attente_autorisation"
REFUSEE = "refusee"
TEXTES = {
    ATTENTE: (
        "Nous avons bien reçu votre candidature au programme « {programme} ». Elle sera "
        "étudiée dès que votre représentant légal aura donné son accord : nous venons de lui "
        "écrire."
    ),
    DEPOSEE: (
        "Nous avons bien reçu votre candidature au programme « {programme} ». L'équipe du "
        "programme va l'étudier et vous écrira à chaque étape."
    ),
    "en_etude": (
        "Votre candidature au programme « {programme} » est en cours d'étude par l'équipe. "
        "Elle peut vous appeler pour faire connaissance."
    ),
    "liste_attente": (
        "Votre candidature au programme « {programme} » a retenu l'attention de l'équipe, "
        "mais toutes les places sont prises pour le moment : vous êtes sur liste d'attente. "
        "Nous vous écrirons dès qu'une place se libère."
    ),
    "retenue": (
        "Bonne nouvelle : votre candidature au programme « {programme} » est retenue. "
        "L'équipe vous proposera bientôt un parrain ou une marraine."
    ),
    REFUSEE: (
        "Votre candidature au programme « {programme} » n'a pas été retenue. L'équipe du "
        "programme reste à votre écoute si vous souhaitez en parler."
    ),
    "desistee": (
        "Votre retrait du programme « {programme} » est enregistré. Si vous changez d'avis, "
        "l'équipe du programme reste à votre écoute."
    ),
}


def reconstituer(apps, schema_editor):
    Candidature = apps.get_model("parrainages", "Candidature")
    Evenement = apps.get_model("parrainages", "EvenementCandidature")
    sans_historique = (
        Candidature.objects.filter(evenements__isnull=True)
        .select_related("programme")
        .order_by("pk")
    )
    lot = []
    for c in sans_historique.iterator(chunk_size=LOT):
        programme = c.programme.nom
        depot = ATTENTE if c.statut == ATTENTE else DEPOSEE
        lot.append(
            Evenement(
                candidature_id=c.pk,
                statut=depot,
                texte_candidat=TEXTES[depot].format(programme=programme),
                le=c.created_at,
            )
        )
        if c.statut != depot:
            lot.append(
                Evenement(
                    candidature_id=c.pk,
                    statut=c.statut,
                    precision=c.motif_refus if c.statut == REFUSEE else "",
                    texte_candidat=TEXTES.get(c.statut, "").format(programme=programme),
                    par_id=c.decidee_par_id,
                    le=max(c.decidee_le or c.updated_at or c.created_at, c.created_at),
                )
            )
        if len(lot) >= LOT:
            Evenement.objects.bulk_create(lot)
            lot = []
    Evenement.objects.bulk_create(lot)


def garder(apps, schema_editor):
    """Back to 0027: the table stays, and the rows written here are the true history of these
    applications (dated as the applications record them): they are kept."""


class Migration(migrations.Migration):
    dependencies = [("parrainages", "0027_candidature_invitee_selection")]

    operations = [migrations.RunPython(reconstituer, garder)]
