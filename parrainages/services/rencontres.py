"""Meetings between the two parties of a pair: the invitations (.ics) both receive, and what
the mentee may do (propose, accept, move, cancel) and the mentor's answer to a proposal.

The rules are in docs/rencontres.md. In short: a meeting has a time both parties agreed to;
whoever did not choose a new time confirms it. The mentor plans (``rencontre_planifier``,
``parrain.py``): the meeting is planned at once, the mentee may confirm it. The mentee proposes
or moves: the meeting waits for the mentor (``PROPOSEE``) and counts for nothing until then.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentorat.canaux import Genre, message_ecrire
from mentorat.envois import courriel_ecrire

from ..ics import rencontre_ics
from ..models import Parrainage, Rencontre
from .representants import cle_representant, representants_a_informer


def invitation_envoyer(rencontre, methode, sujet, *, annonces=None):
    """Each party's invitation (or cancellation) with its .ics, written to the outbox; a
    minor mentee's legal guardians receive it too, each with a key of their own.

    One e-mail per person and version of the meeting: the key names the .ics SEQUENCE once
    the meeting was moved, so a moved meeting's invitation is sent again, a double submit not.
    ``annonces``: a sentence for the ``parrain``, the ``filleul`` or the ``representant``
    (who moved it, who cancelled it)."""
    parrainage = rencontre.parrainage
    annonces = annonces or {}
    ics = rencontre_ics(rencontre, methode=methode)
    jointes = [
        {
            "nom": "rencontre.ics",
            "contenu": ics,
            "type": f"text/calendar; charset=utf-8; method={methode}",
        }
    ]
    version = (
        methode
        if methode == "CANCEL" or not rencontre.sequence
        else f"{methode}-{rencontre.sequence}"
    )
    contexte = {
        "rencontre": rencontre,
        "annulation": methode == "CANCEL",
        "a_confirmer": rencontre.statut == Rencontre.Statut.PROPOSEE,
        "representant": None,
    }
    parties = (("parrain", parrainage.parrain.user), ("filleul", parrainage.filleul.user))
    for role, user in parties:
        if user is None:
            continue
        autre = parties[1][1] if role == "parrain" else parties[0][1]
        lien = _lien_espace(parrainage, role)
        message_ecrire(
            destinataire=user,
            genre=Genre.RENCONTRES,
            regle="rencontre_invitation",
            cle=f"rencontre_invitation:{rencontre.pk}:{version}:{user.pk}",
            sujet=sujet,
            gabarit="parrainages/emails/rencontre",
            contexte={
                **contexte,
                "annonce": annonces.get(role, ""),
                "avec": autre.get_full_name() if autre else "",
            },
            texte_sms="parrainages/sms/rencontre.txt",
            lien=lien,
            pieces_jointes=jointes,
        )
    jour = timezone.localdate(rencontre.debut)
    for representant in representants_a_informer(parrainage.filleul, jour=jour):
        courriel_ecrire(
            regle="rencontre_invitation",
            cle=cle_representant(f"rencontre_invitation:{rencontre.pk}:{version}", representant.pk),
            a=representant.email,
            sujet=sujet,
            gabarit="parrainages/emails/rencontre",
            contexte={
                **contexte,
                "representant": representant,
                "annonce": annonces.get("representant", ""),
            },
            pieces_jointes=jointes,
        )
    rencontre.au_calendrier = True


def _prevenir(rencontre, user, evenement, sujet) -> None:
    """One party told what the other did (no .ics: their calendar does not change)."""
    if user is None:
        return
    parrainage = rencontre.parrainage
    if user.pk == parrainage.parrain.user_id:
        role, autre = "parrain", parrainage.filleul.user
    else:
        role, autre = "filleul", parrainage.parrain.user
    lien = _lien_espace(parrainage, role)
    message_ecrire(
        destinataire=user,
        genre=Genre.RENCONTRES,
        regle="rencontre_echange",
        cle=f"rencontre_echange:{rencontre.pk}:{evenement}:{rencontre.sequence}:{user.pk}",
        sujet=sujet,
        gabarit="parrainages/emails/rencontre_echange",
        contexte={
            "rencontre": rencontre,
            "evenement": evenement,
            "prenom": user.first_name,
            "autre": autre.get_full_name() if autre else "",
            "lien": lien,
        },
        texte_sms="parrainages/sms/rencontre_echange.txt",
        lien=lien,
    )


def _lien_espace(parrainage, role: str) -> str:
    """Where a party finds the pair's meetings: the mentor's pair page, the mentee's space."""
    if role == "parrain":
        chemin = reverse("parrain:binome", kwargs={"pk": parrainage.pk})
    else:
        chemin = reverse("filleul:tableau_de_bord")
    return f"{settings.SITE_URL}{chemin}#rencontres"


def _verrouiller(rencontre) -> Rencontre:
    return (
        Rencontre.objects.select_for_update(of=("self",))
        .select_related("parrainage__programme", "parrainage__parrain__user")
        .select_related("parrainage__filleul__user")
        .get(pk=rencontre.pk)
    )


def _role(rencontre, par) -> str:
    parrainage = rencontre.parrainage
    if par.pk == parrainage.parrain.user_id:
        return "parrain"
    if par.pk == parrainage.filleul.user_id:
        return "filleul"
    raise ValidationError("Cette rencontre n'est pas la vôtre.")


def _exiger_filleul(rencontre, par) -> None:
    if _role(rencontre, par) != "filleul":
        raise ValidationError("Seul le filleul du binôme peut faire cela.")


def _exiger_parrain(rencontre, par) -> None:
    if _role(rencontre, par) != "parrain":
        raise ValidationError("Seul le parrain ou la marraine du binôme peut répondre.")


def _exiger_a_venir(rencontre) -> None:
    if rencontre.parrainage.statut != Parrainage.Statut.ACTIF:
        raise ValidationError("Ce parrainage n'est pas en cours.")
    if rencontre.statut == Rencontre.Statut.ANNULEE:
        raise ValidationError("Cette rencontre est déjà annulée.")
    if rencontre.statut == Rencontre.Statut.TENUE or rencontre.debut <= timezone.now():
        raise ValidationError("Cette rencontre est passée : elle ne peut plus être modifiée.")


def _donnees_valider(donnees) -> None:
    if donnees["debut"] <= timezone.now():
        raise ValidationError({"debut": "Choisissez une date et une heure à venir."})
    if donnees["modalite"] == Rencontre.Modalite.PRESENTIEL and not donnees.get("lieu"):
        raise ValidationError({"lieu": "Indiquez le lieu de la rencontre."})
    if donnees["modalite"] == Rencontre.Modalite.VISIO and not donnees.get("lien"):
        raise ValidationError({"lien": "Indiquez le lien de la visioconférence."})


def _nom(user) -> str:
    return user.get_full_name() if user else "Votre filleul"


@transaction.atomic
def rencontre_proposer(*, parrainage, par, donnees: dict) -> Rencontre:
    """The mentee proposes a meeting of an active pair: it waits for the mentor, who is told."""
    parrainage = (
        Parrainage.objects.select_for_update(of=("self",))
        .select_related("programme", "parrain__user", "filleul__user")
        .get(pk=parrainage.pk)
    )
    if parrainage.filleul.user_id != par.pk:
        raise ValidationError("Ce parrainage n'est pas le vôtre.")
    if parrainage.statut != Parrainage.Statut.ACTIF:
        raise ValidationError("Ce parrainage n'est pas en cours.")
    _donnees_valider(donnees)
    # Posted twice (a double tap, a retry): the pair's lock makes the second request wait,
    # then find the first proposal. One e-mail.
    deja = (
        parrainage.rencontres.filter(debut=donnees["debut"])
        .exclude(statut=Rencontre.Statut.ANNULEE)
        .first()
    )
    if deja is not None:
        if deja.statut == Rencontre.Statut.PROPOSEE:
            return deja
        raise ValidationError({"debut": "Une rencontre est déjà prévue à cette date et heure."})
    rencontre = Rencontre.objects.create(
        parrainage=parrainage,
        statut=Rencontre.Statut.PROPOSEE,
        debut=donnees["debut"],
        duree_minutes=donnees["duree_minutes"],
        modalite=donnees["modalite"],
        lieu=donnees.get("lieu", ""),
        lien=donnees.get("lien", ""),
        sujet=donnees.get("sujet", ""),
        acceptee_le=timezone.now(),
        au_calendrier=False,
    )
    _prevenir(
        rencontre,
        parrainage.parrain.user,
        "proposee",
        f"{_nom(par)} vous propose une rencontre de parrainage",
    )
    return rencontre


@transaction.atomic
def rencontre_accepter(*, rencontre, par) -> Rencontre:
    """Say yes to the other party's time.

    The mentor accepts the mentee's proposal: the meeting is planned and both receive the
    invitation (a minor's guardians too), or, when the proposal was a planned meeting moved
    and already in the calendars, the mentee is told it is confirmed. The mentee accepts a
    meeting the mentor planned: it is recorded, and the mentor told."""
    rencontre = _verrouiller(rencontre)
    role = _role(rencontre, par)
    _exiger_a_venir(rencontre)
    if role == "filleul":
        if rencontre.statut == Rencontre.Statut.PROPOSEE:
            raise ValidationError(
                "Vous avez proposé cette rencontre : c'est à votre parrain ou à votre marraine "
                "de l'accepter."
            )
        if rencontre.acceptee_le is None:
            rencontre.acceptee_le = timezone.now()
            rencontre.save(update_fields=["acceptee_le"])
            _prevenir(
                rencontre,
                rencontre.parrainage.parrain.user,
                "acceptee",
                f"{_nom(par)} a confirmé votre rencontre de parrainage",
            )
        return rencontre
    if rencontre.statut != Rencontre.Statut.PROPOSEE:
        raise ValidationError("Cette rencontre est déjà confirmée.")
    deja_au_calendrier = rencontre.au_calendrier
    rencontre.confirmer()
    if deja_au_calendrier:
        # A moved meeting went to the calendars as TENTATIVE: a new version, CONFIRMED, for
        # everyone who holds it (and the mentee's e-mail says it is confirmed).
        rencontre.sequence += 1
        invitation_envoyer(
            rencontre,
            "REQUEST",
            "Rencontre de parrainage confirmée",
            annonces={"filleul": "Votre parrain ou votre marraine a confirmé le nouvel horaire."},
        )
        rencontre.save(update_fields=["statut", "sequence", "au_calendrier"])
    else:
        invitation_envoyer(
            rencontre,
            "REQUEST",
            "Rencontre de parrainage confirmée",
            annonces={"filleul": "Votre parrain ou votre marraine a accepté votre proposition."},
        )
        rencontre.save(update_fields=["statut", "au_calendrier"])
    return rencontre


@transaction.atomic
def rencontre_refuser(*, rencontre, par) -> Rencontre:
    """The mentor says no to the mentee's proposal (or to the new time of a moved meeting):
    it is cancelled and the mentee told."""
    rencontre = _verrouiller(rencontre)
    _exiger_parrain(rencontre, par)
    if rencontre.statut != Rencontre.Statut.PROPOSEE:
        raise ValidationError("Cette rencontre n'attend pas votre réponse.")
    _exiger_a_venir(rencontre)
    return _annuler(rencontre, "parrain", refus=True)


@transaction.atomic
def rencontre_deplacer(*, rencontre, par, debut) -> Rencontre:
    """The mentee moves a meeting to come: same meeting (its UID), a new version of its
    invitation (SEQUENCE + 1) sent to both when it is in their calendars, and it waits for
    the mentor to confirm the new time."""
    rencontre = _verrouiller(rencontre)
    _exiger_filleul(rencontre, par)
    _exiger_a_venir(rencontre)
    if debut <= timezone.now():
        raise ValidationError({"debut": "Choisissez une date et une heure à venir."})
    if debut == rencontre.debut:
        if rencontre.statut == Rencontre.Statut.PROPOSEE:
            # The same move posted twice: done already.
            return rencontre
        raise ValidationError({"debut": "Choisissez un autre horaire que l'horaire actuel."})
    rencontre.deplacer(debut)
    rencontre.acceptee_le = timezone.now()
    try:
        with transaction.atomic():
            rencontre.save(update_fields=["statut", "debut", "sequence", "acceptee_le"])
    except IntegrityError:
        raise ValidationError(
            {"debut": "Une autre rencontre du binôme est déjà prévue à cette date et heure."}
        ) from None
    nom = _nom(par)
    if rencontre.au_calendrier:
        invitation_envoyer(
            rencontre,
            "REQUEST",
            "Rencontre de parrainage déplacée",
            annonces={
                "parrain": f"{nom} a déplacé cette rencontre. Confirmez ou refusez le nouvel "
                "horaire depuis votre espace.",
                "filleul": "Vous avez déplacé cette rencontre : votre parrain ou votre marraine "
                "doit confirmer le nouvel horaire.",
                "representant": f"{nom} a déplacé cette rencontre.",
            },
        )
    else:
        _prevenir(
            rencontre,
            rencontre.parrainage.parrain.user,
            "deplacee",
            f"{nom} propose un autre horaire pour votre rencontre de parrainage",
        )
    return rencontre


@transaction.atomic
def rencontre_annuler(*, rencontre, par) -> Rencontre:
    """Either party cancels a meeting (the mentee: only one to come, of a pair in progress).

    When it is in the calendars, both (and a minor's guardians) receive the cancellation with
    its .ics; otherwise the other party is told."""
    rencontre = _verrouiller(rencontre)
    role = _role(rencontre, par)
    if role == "filleul":
        _exiger_a_venir(rencontre)
    elif rencontre.statut == Rencontre.Statut.ANNULEE:
        raise ValidationError("Cette rencontre est déjà annulée.")
    return _annuler(rencontre, role)


def _annuler(rencontre, role, *, refus=False) -> Rencontre:
    rencontre.annuler()
    rencontre.save(update_fields=["statut"])
    parrainage = rencontre.parrainage
    if rencontre.debut <= timezone.now():
        return rencontre
    if role == "filleul":
        nom = _nom(parrainage.filleul.user)
        annonce = f"{nom} a annulé cette rencontre."
    elif refus:
        annonce = (
            "Votre parrain ou votre marraine ne peut pas à cet horaire : la rencontre est annulée."
        )
    else:
        annonce = ""
    if rencontre.au_calendrier:
        invitation_envoyer(
            rencontre,
            "CANCEL",
            "Rencontre de parrainage annulée",
            annonces={
                "parrain": annonce if role == "filleul" else "",
                "filleul": annonce if role == "parrain" else "",
                "representant": annonce,
            },
        )
    elif role == "filleul":
        _prevenir(
            rencontre,
            parrainage.parrain.user,
            "retiree",
            f"{nom} a retiré sa proposition de rencontre",
        )
    else:
        _prevenir(
            rencontre,
            parrainage.filleul.user,
            "refusee",
            "Votre proposition de rencontre n'est pas retenue",
        )
    return rencontre
