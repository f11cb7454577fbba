"""One-off actions (company visits, job talks): proposed by mentors, joined by mentees."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from programmes.models import Evenement, Inscription

from ..models import Candidature, Parrain, Parrainage


@transaction.atomic
def action_ponctuelle_proposer(*, parrain, donnees: dict) -> Evenement:
    """A mentor proposes a one-off action; staff publish it to the programme's mentees."""
    programme = donnees["programme"]
    if not parrain.programmes.filter(pk=programme.pk, offre_ponctuelle=True).exists():
        raise ValidationError("Ce programme ne propose pas d'actions ponctuelles.")
    # The same action posted twice: the mentor's lock makes the second request wait, then
    # find the first one (and the database refuses a true duplicate in any case).
    Parrain.objects.select_for_update().filter(pk=parrain.pk).first()
    deja = (
        Evenement.objects.filter(
            organisateur=parrain,
            programme=programme,
            debut=donnees["debut"],
            titre=donnees["titre"],
        )
        .exclude(statut=Evenement.Statut.ANNULE)
        .first()
    )
    if deja is not None:
        return deja
    evenement = Evenement(
        programme=programme,
        type=donnees["type"],
        titre=donnees["titre"],
        description=donnees.get("description", ""),
        debut=donnees["debut"],
        fin=donnees["fin"],
        lieu=donnees["lieu"],
        places=donnees["places"],
        organisateur=parrain,
    )
    evenement.full_clean()
    evenement.save()
    return evenement


def evenements_ouverts_au_filleul(filleul):
    """Published, upcoming events of the programmes the mentee takes part in."""
    programmes = set(
        filleul.candidatures.recues()
        .exclude(statut__in=[Candidature.Statut.REFUSEE, Candidature.Statut.DESISTEE])
        .values_list("programme_id", flat=True)
    ) | set(
        filleul.parrainages.filter(statut__in=Parrainage.STATUTS_FORMES).values_list(
            "programme_id", flat=True
        )
    )
    return Evenement.objects.filter(
        programme_id__in=programmes,
        statut=Evenement.Statut.PUBLIE,
        debut__gt=timezone.now(),
    )


@transaction.atomic
def evenement_inscrire(*, evenement, filleul) -> Inscription:
    evenement = Evenement.objects.select_for_update().get(pk=evenement.pk)
    if not evenements_ouverts_au_filleul(filleul).filter(pk=evenement.pk).exists():
        raise ValidationError("Cet événement n'est pas ouvert à votre inscription.")
    inscription = Inscription.objects.filter(evenement=evenement, filleul=filleul).first()
    if inscription and inscription.statut == Inscription.Statut.INSCRIT:
        raise ValidationError("Vous êtes déjà inscrit(e) à cet événement.")
    if evenement.places is not None:
        inscrits = evenement.inscriptions.filter(statut=Inscription.Statut.INSCRIT).count()
        if inscrits >= evenement.places:
            raise ValidationError("Cet événement est complet.")
    if inscription is None:
        return Inscription.objects.create(evenement=evenement, filleul=filleul)
    inscription.statut = Inscription.Statut.INSCRIT
    inscription.save(update_fields=["statut"])
    return inscription


@transaction.atomic
def evenement_desinscrire(*, evenement, filleul) -> None:
    updated = Inscription.objects.filter(
        evenement=evenement,
        filleul=filleul,
        statut=Inscription.Statut.INSCRIT,
        evenement__debut__gt=timezone.now(),
    ).update(statut=Inscription.Statut.ANNULE)
    if not updated:
        raise ValidationError("Il n'y a pas d'inscription à annuler.")


@transaction.atomic
def presences_enregistrer(*, evenement, par, presents: set[int]) -> int:
    """The organising mentor marks who came; the others are marked absent."""
    if evenement.organisateur_id != par.pk:
        raise ValidationError("Vous n'organisez pas cet événement.")
    if evenement.debut > timezone.now():
        raise ValidationError("Les présences se notent une fois l'action commencée.")
    if evenement.statut not in (Evenement.Statut.PUBLIE, Evenement.Statut.TERMINE):
        raise ValidationError("Cet événement n'a pas été publié.")
    inscriptions = evenement.inscriptions.exclude(statut=Inscription.Statut.ANNULE)
    n = inscriptions.filter(pk__in=presents).update(statut=Inscription.Statut.PRESENT)
    inscriptions.exclude(pk__in=presents).update(statut=Inscription.Statut.ABSENT)
    if evenement.statut == Evenement.Statut.PUBLIE:
        evenement.terminer()
        evenement.save(update_fields=["statut"])
    return n
