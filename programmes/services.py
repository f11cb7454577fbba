"""Writes of the programmes app."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mentorat.envois import courriel_ecrire
from mentorat.fields import fichier_supprimer_apres_validation
from mentorat.perimetre import perimetre_de

from .ics import evenement_ics, inscription_user
from .models import (
    Affectation,
    Evenement,
    Inscription,
    ModeleCharte,
    Programme,
    Ressource,
    Structure,
)


@transaction.atomic
def modele_charte_versionner(*, modele: ModeleCharte, par) -> ModeleCharte:
    """Save a new charter text of its programme as the next version (a text once saved is
    never edited: charters issued from it keep pointing to it).

    ``modele``: the unsaved text (programme, title, text). The programme's row is locked while
    the number is chosen: two texts saved at once get two versions, one after the other.
    """
    Programme.objects.select_for_update().filter(pk=modele.programme_id).first()
    derniere = ModeleCharte.objects.filter(programme_id=modele.programme_id).aggregate(
        v=Max("version")
    )["v"]
    modele.version = (derniere or 0) + 1
    modele.created_by = par
    modele.save()
    return modele


@transaction.atomic
def presences_noter(*, inscriptions, statut: str) -> int:
    """Staff record attendance (present or absent) on registrations of events that have
    begun and were not cancelled; cancelled registrations stay so. Returns how many changed."""
    if statut not in (Inscription.Statut.PRESENT, Inscription.Statut.ABSENT):
        raise ValidationError("Une présence est « présent » ou « absent ».")
    ids = [i.pk for i in inscriptions]
    ouvertes = (
        Inscription.objects.select_for_update()
        .filter(pk__in=ids, evenement__debut__lte=timezone.now())
        .exclude(statut=Inscription.Statut.ANNULE)
        .exclude(evenement__statut__in=[Evenement.Statut.ANNULE, Evenement.Statut.PROPOSE])
    )
    return Inscription.objects.filter(pk__in=list(ouvertes.values_list("pk", flat=True))).update(
        statut=statut
    )


def inscription_invitation(inscription, user, methode: str) -> None:
    """A registration's confirmation (``REQUEST``) or withdrawal (``CANCEL``) with its .ics,
    written to the outbox for the person (nothing once their account went)."""
    if user is None:
        return
    evenement = inscription.evenement
    annulation = methode == "CANCEL"
    moment = int(inscription.created_at.timestamp() * 1_000_000)
    sujet = (
        f"Inscription annulée : {evenement.titre}"
        if annulation
        else f"Inscription confirmée : {evenement.titre}"
    )
    if annulation and evenement.statut == Evenement.Statut.ANNULE:
        sujet = f"Événement annulé : {evenement.titre}"
    courriel_ecrire(
        regle="evenement_invitation",
        cle=f"evenement_invitation:{inscription.pk}:{methode}:{moment}",
        a=user.email,
        destinataire=user,
        sujet=f"{sujet} ({timezone.localtime(evenement.debut):%d/%m/%Y})",
        gabarit="parrainages/emails/evenement",
        contexte={"evenement": evenement, "annulation": annulation, "prenom": user.first_name},
        pieces_jointes=[
            {
                "nom": "evenement.ics",
                "contenu": evenement_ics(inscription, methode=methode),
                "type": f"text/calendar; charset=utf-8; method={methode}",
            }
        ],
    )


@transaction.atomic
def evenement_annuler(*, evenement) -> Evenement:
    """Staff cancel an event: every person still registered is told, their calendar entry
    withdrawn (their registration stays, under the cancelled event)."""
    evenement = (
        Evenement.objects.select_for_update(of=("self",))
        .select_related("programme")
        .get(pk=evenement.pk)
    )
    evenement.annuler()
    evenement.save(update_fields=["statut"])
    inscrites = evenement.inscriptions.filter(statut=Inscription.Statut.INSCRIT).select_related(
        "filleul__user", "parrain__user", "membre"
    )
    for inscription in inscrites:
        inscription.evenement = evenement
        inscription_invitation(inscription, inscription_user(inscription), "CANCEL")
    return evenement


@transaction.atomic
def programme_rattacher(*, programme: Programme, par) -> list[Structure]:
    """A programme a staff member creates is run by the structures where they are
    coordinator: without it they would lose it from sight as soon as it is saved (what staff
    see follows from their structures' programmes, ``mentorat/perimetre.py``). Nothing for an
    Administrateur, who sees every programme (they give it to a structure on the structure's
    page). Returns the structures it was added to."""
    if par is None or perimetre_de(par).tout:
        return []
    structures = list(
        Structure.objects.filter(
            affectations__user=par, affectations__role=Affectation.Role.COORDINATEUR
        ).distinct()
    )
    for structure in structures:
        structure.programmes.add(programme)
    return structures


@transaction.atomic
def ressource_enregistrer(*, ressource: Ressource, format_code: str = "") -> Ressource:
    """Save a mentors' resource as staff edited it (its file already checked by the form:
    ``format_code`` is the format its content showed).

    A replaced or removed file is deleted once the transaction is committed; a link replaces
    the file's format and size. A resource is a file or a link, never both."""
    ancien = None
    if ressource.pk:
        ancien = Ressource.objects.select_for_update().filter(pk=ressource.pk).first()
    if ressource.fichier and ressource.lien:
        raise ValidationError("Une ressource est un fichier ou un lien, pas les deux.")
    if not ressource.fichier and not ressource.lien:
        raise ValidationError("Joignez un fichier ou indiquez un lien.")
    nouveau_fichier = bool(ressource.fichier) and not getattr(ressource.fichier, "_committed", True)
    if nouveau_fichier:
        ressource.fichier_format = format_code
        ressource.fichier_taille = ressource.fichier.size
    elif not ressource.fichier:
        ressource.fichier_format, ressource.fichier_taille = "", None
    ressource.save()
    if ancien is not None and ancien.fichier and ancien.fichier.name != ressource.fichier.name:
        fichier_supprimer_apres_validation(ancien.fichier)
    return ressource


@transaction.atomic
def ressource_supprimer(*, ressource: Ressource) -> None:
    """Delete a resource; its file goes once the deletion is committed."""
    fichier = ressource.fichier
    ressource.delete()
    fichier_supprimer_apres_validation(fichier)
