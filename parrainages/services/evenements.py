"""Events: one-off actions proposed by mentors, round tables and company events run by the
programme's team. Each is open to the audiences it names (mentees, mentors, partner
members), who register from their own space; attendance is recorded by the organising
mentor or by staff."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from programmes.models import Evenement, Inscription
from programmes.services import inscription_invitation

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


def _programmes_du_filleul(filleul) -> set[int]:
    return set(
        filleul.candidatures.recues()
        .exclude(statut__in=[Candidature.Statut.REFUSEE, Candidature.Statut.DESISTEE])
        .values_list("programme_id", flat=True)
    ) | set(
        filleul.parrainages.filter(statut__in=Parrainage.STATUTS_FORMES).values_list(
            "programme_id", flat=True
        )
    )


def evenements_ouverts(public: str, programmes):
    """Published, upcoming events of ``programmes`` whose registration is open to ``public``."""
    return Evenement.objects.a_venir_publies().ouverts_a(public).filter(programme_id__in=programmes)


def evenements_ouverts_au_filleul(filleul):
    """Published, upcoming events of the programmes the mentee takes part in, open to mentees."""
    return evenements_ouverts(Evenement.Public.FILLEULS, _programmes_du_filleul(filleul))


def evenements_ouverts_au_parrain(parrain):
    """Published, upcoming events of the mentor's programmes, open to mentors."""
    return evenements_ouverts(
        Evenement.Public.PARRAINS, parrain.programmes.values_list("pk", flat=True)
    )


CHAMP_DU_PUBLIC = {
    Evenement.Public.FILLEULS: "filleul",
    Evenement.Public.PARRAINS: "parrain",
    Evenement.Public.PARTENAIRES: "membre",
}


def _user_de(public: str, personne):
    return personne if public == Evenement.Public.PARTENAIRES else personne.user


def inscriptions_de(user):
    """Every registration of the person behind ``user``, whatever their capacity."""
    return Inscription.objects.filter(
        Q(filleul__user=user) | Q(parrain__user=user) | Q(membre=user)
    )


@transaction.atomic
def inscription_prendre(*, evenement, public: str, personne, ouverts) -> Inscription:
    """Register ``personne`` (a mentee, a mentor, or a partner member's account, as
    ``public`` says) to the event, among the events ``ouverts`` to them.

    The event's row is locked first: two people taking the last place one after the other
    find the first one's registration, and the second is refused. A person registers once
    per event, whatever their capacity. The person receives the event's .ics invitation."""
    evenement = (
        Evenement.objects.select_for_update().select_related("programme").get(pk=evenement.pk)
    )
    if not ouverts.filter(pk=evenement.pk).exists():
        raise ValidationError("Cet événement n'est pas ouvert à votre inscription.")
    champ = CHAMP_DU_PUBLIC[public]
    user = _user_de(public, personne)
    actives = (
        inscriptions_de(user).filter(evenement=evenement).exclude(statut=Inscription.Statut.ANNULE)
    )
    if actives.exists():
        raise ValidationError("Vous êtes déjà inscrit(e) à cet événement.")
    if evenement.places is not None:
        prises = evenement.inscriptions.exclude(statut=Inscription.Statut.ANNULE).count()
        if prises >= evenement.places:
            raise ValidationError("Cet événement est complet.")
    inscription = Inscription.objects.filter(evenement=evenement, **{champ: personne}).first()
    if inscription is None:
        inscription = Inscription(evenement=evenement, public=public, **{champ: personne})
    else:
        # Taken again: a new registration as of now (and a new calendar entry).
        inscription.statut = Inscription.Statut.INSCRIT
        inscription.created_at = timezone.now()
    inscription.save()
    inscription.evenement = evenement
    inscription_invitation(inscription, user, "REQUEST")
    return inscription


@transaction.atomic
def inscription_annuler(*, evenement, public: str, personne) -> Inscription:
    """The person cancels their registration, before the event begins; the calendar entry
    is withdrawn."""
    inscription = (
        Inscription.objects.select_for_update()
        .select_related("evenement__programme")
        .filter(
            evenement=evenement,
            statut=Inscription.Statut.INSCRIT,
            evenement__debut__gt=timezone.now(),
            **{CHAMP_DU_PUBLIC[public]: personne},
        )
        .first()
    )
    if inscription is None:
        raise ValidationError("Il n'y a pas d'inscription à annuler.")
    inscription.statut = Inscription.Statut.ANNULE
    inscription.save(update_fields=["statut"])
    inscription_invitation(inscription, _user_de(public, personne), "CANCEL")
    return inscription


def inscriptions_a_venir_annuler(*, inscriptions) -> int:
    """Registrations of people erased (``inscriptions``, e.g. ``inscriptions_de(user)``): those
    to events still to come are cancelled and their places freed, with no message (the account
    is gone or going). Returns how many were cancelled."""
    inscriptions = inscriptions.select_for_update(of=("self",)).filter(
        statut=Inscription.Statut.INSCRIT, evenement__debut__gt=timezone.now()
    )
    n = 0
    for inscription in inscriptions:
        inscription.statut = Inscription.Statut.ANNULE
        inscription.save(update_fields=["statut"])
        n += 1
    return n


def evenement_inscrire(*, evenement, filleul) -> Inscription:
    return inscription_prendre(
        evenement=evenement,
        public=Evenement.Public.FILLEULS,
        personne=filleul,
        ouverts=evenements_ouverts_au_filleul(filleul),
    )


def evenement_desinscrire(*, evenement, filleul) -> None:
    inscription_annuler(evenement=evenement, public=Evenement.Public.FILLEULS, personne=filleul)


def parrain_inscrire(*, evenement, parrain) -> Inscription:
    return inscription_prendre(
        evenement=evenement,
        public=Evenement.Public.PARRAINS,
        personne=parrain,
        ouverts=evenements_ouverts_au_parrain(parrain),
    )


def parrain_desinscrire(*, evenement, parrain) -> None:
    inscription_annuler(evenement=evenement, public=Evenement.Public.PARRAINS, personne=parrain)


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
