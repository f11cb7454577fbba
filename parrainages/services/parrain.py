"""Writes of the mentor portal (proposals, meetings, outcomes, profile; immersions: see
``immersion.py``), and of staff following the pairs (expiry, ending a pair from the admin)."""

import copy
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentorat.audit import journal_modifications
from mentorat.envois import courriel_ecrire

from ..ics import rencontre_ics
from ..models import Parrain, Parrainage, Rencontre, Sortie
from .capacite import place_exiger
from .charte import charte_emettre
from .mineurs import honorabilite_exiger
from .representants import cle_representant, representants_a_informer


def _verrouiller(parrainage) -> Parrainage:
    return Parrainage.objects.select_for_update().select_related("programme").get(pk=parrainage.pk)


@transaction.atomic
def parrainage_accepter(*, parrainage, par) -> Parrainage:
    """The mentor accepts a proposal: the pair starts and its charter is issued."""
    parrainage = _verrouiller(parrainage)
    _exiger_parrain(parrainage, par)
    honorabilite_exiger(
        programme=parrainage.programme, filleul=parrainage.filleul, parrain=parrainage.parrain
    )
    # Two proposals accepted at once by a mentor with one place left: the second waits for
    # the first's commit on the mentor's row, then counts it.
    place_exiger(
        parrain_id=parrainage.parrain_id,
        sauf=parrainage.pk,
        statuts=[Parrainage.Statut.ACTIF],
        message="Vous accompagnez déjà autant de personnes que votre capacité le permet : "
        "augmentez-la dans votre profil, ou déclinez cette proposition.",
    )
    parrainage.accepter()
    parrainage.save()
    charte_emettre(parrainage=parrainage)
    filleul_user = parrainage.filleul.user
    if filleul_user:
        courriel_ecrire(
            regle="parrainage_accepte",
            cle=f"parrainage_accepte:{parrainage.pk}",
            a=filleul_user.email,
            destinataire=filleul_user,
            sujet="Votre parrain ou votre marraine a accepté de vous accompagner",
            gabarit="parrainages/emails/parrainage_accepte",
            contexte={"parrainage": parrainage},
        )
    # A minor's guardians learn who accompanies them from now on.
    for representant in representants_a_informer(parrainage.filleul):
        courriel_ecrire(
            regle="parrainage_accepte",
            cle=cle_representant(f"parrainage_accepte:{parrainage.pk}", representant.pk),
            a=representant.email,
            sujet="Le parrainage commence",
            gabarit="parrainages/emails/parrainage_accepte_representant",
            contexte={"parrainage": parrainage, "representant": representant},
        )
    return parrainage


@transaction.atomic
def parrainage_decliner(*, parrainage, par, motif: str) -> Parrainage:
    """The mentor declines: the mentee is free again for the next matching run."""
    parrainage = _verrouiller(parrainage)
    _exiger_parrain(parrainage, par)
    parrainage.decliner(motif)
    parrainage.save()
    return parrainage


def proposition_notifiee(cle: str, envoye_le) -> None:
    """The outbox handed a proposal's e-mail to the mail server (``mentorat.envois.apres_envoi``
    for the rule ``proposition_nouvelle``, keyed ``proposition_nouvelle:<pair>:<mentor>``):
    the mentor's answer delay starts now."""
    pk = cle.split(":")[1]
    Parrainage.objects.filter(pk=int(pk), notifie_le__isnull=True).update(notifie_le=envoye_le)


def propositions_expirer(*, maintenant=None) -> int:
    """Proposals left unanswered past their programme's delay expire.

    A constant number of queries a programme: the overdue proposals locked and read, their
    statuses written, their audit entries written.
    """
    maintenant = maintenant or timezone.now()
    total = 0
    delais = (
        Parrainage.objects.filter(statut=Parrainage.Statut.ATTENTE_PARRAIN)
        .values_list("programme_id", "programme__delai_reponse_jours")
        .distinct()
    )
    for programme_id, delai in delais:
        with transaction.atomic():
            echues = list(
                Parrainage.objects.avec_libelle()
                .select_for_update(of=("self",))
                .filter(
                    programme_id=programme_id,
                    statut=Parrainage.Statut.ATTENTE_PARRAIN,
                    notifie_le__lt=maintenant - dt.timedelta(days=delai),
                )
            )
            avant = {p.pk: copy.copy(p) for p in echues}
            for parrainage in echues:
                parrainage.expirer()
                parrainage.repondu_le = maintenant
            Parrainage.objects.filter(pk__in=avant).update(
                statut=Parrainage.Statut.EXPIRE, repondu_le=maintenant
            )
            journal_modifications(echues, avant=avant, champs=["statut", "repondu_le"])
        total += len(echues)
    return total


@transaction.atomic
def parrainage_terminer(*, parrainage, motif: str = "") -> Parrainage:
    """Staff end an active pair today (the admin's decision and list action)."""
    parrainage = _verrouiller(parrainage)
    parrainage.terminer(motif=motif)
    parrainage.save(update_fields=["statut", "date_fin", "motif_fin"])
    return parrainage


@transaction.atomic
def parrainage_interrompre(*, parrainage, motif: str) -> Parrainage:
    """Staff interrupt an active pair today, with the reason."""
    parrainage = _verrouiller(parrainage)
    parrainage.interrompre(motif=motif)
    parrainage.save(update_fields=["statut", "date_fin", "motif_fin"])
    return parrainage


def _exiger_parrain(parrainage, par):
    if parrainage.parrain.user_id != par.pk:
        raise ValidationError("Ce parrainage n'est pas le vôtre.")


def _exiger_actif(parrainage):
    if parrainage.statut != Parrainage.Statut.ACTIF:
        raise ValidationError("Ce parrainage n'est pas en cours.")


def _invitation(rencontre, methode, sujet):
    """Each party's invitation (or cancellation) with its .ics, written to the outbox; a
    minor mentee's legal guardians receive it too, each with a key of their own."""
    parrainage = rencontre.parrainage
    ics = rencontre_ics(rencontre, methode=methode)
    jointes = [
        {
            "nom": "rencontre.ics",
            "contenu": ics,
            "type": f"text/calendar; charset=utf-8; method={methode}",
        }
    ]
    contexte = {"rencontre": rencontre, "annulation": methode == "CANCEL", "representant": None}
    for user in (parrainage.parrain.user, parrainage.filleul.user):
        if user is None:
            continue
        courriel_ecrire(
            regle="rencontre_invitation",
            cle=f"rencontre_invitation:{rencontre.pk}:{methode}:{user.pk}",
            a=user.email,
            destinataire=user,
            sujet=sujet,
            gabarit="parrainages/emails/rencontre",
            contexte=contexte,
            pieces_jointes=jointes,
        )
    jour = timezone.localdate(rencontre.debut)
    for representant in representants_a_informer(parrainage.filleul, jour=jour):
        courriel_ecrire(
            regle="rencontre_invitation",
            cle=cle_representant(f"rencontre_invitation:{rencontre.pk}:{methode}", representant.pk),
            a=representant.email,
            sujet=sujet,
            gabarit="parrainages/emails/rencontre",
            contexte={**contexte, "representant": representant},
            pieces_jointes=jointes,
        )


@transaction.atomic
def rencontre_planifier(*, parrainage, par, donnees: dict) -> Rencontre:
    """Plan a meeting of an active pair; both receive an e-mail with an .ics invitation."""
    parrainage = _verrouiller(parrainage)
    _exiger_parrain(parrainage, par)
    _exiger_actif(parrainage)
    if donnees["debut"] <= timezone.now():
        raise ValidationError({"debut": "Une rencontre à planifier doit être dans le futur."})
    if donnees["modalite"] == Rencontre.Modalite.PRESENTIEL and not donnees.get("lieu"):
        raise ValidationError({"lieu": "Indiquez le lieu de la rencontre."})
    if donnees["modalite"] == Rencontre.Modalite.VISIO and not donnees.get("lien"):
        raise ValidationError({"lien": "Indiquez le lien de la visioconférence."})
    # The same meeting posted twice (a double click, a retry after an error): the pair's
    # lock above makes the second request wait, then find the first one. No second invitation.
    deja = (
        parrainage.rencontres.filter(debut=donnees["debut"])
        .exclude(statut=Rencontre.Statut.ANNULEE)
        .first()
    )
    if deja is not None:
        return deja
    rencontre = Rencontre.objects.create(
        parrainage=parrainage,
        debut=donnees["debut"],
        duree_minutes=donnees["duree_minutes"],
        modalite=donnees["modalite"],
        lieu=donnees.get("lieu", ""),
        lien=donnees.get("lien", ""),
        sujet=donnees.get("sujet", ""),
    )
    _invitation(rencontre, "REQUEST", "Rencontre de parrainage planifiée")
    return rencontre


@transaction.atomic
def rencontre_consigner(*, rencontre, par, themes, compte_rendu: str = "") -> Rencontre:
    """Log a meeting that took place: topics and private notes."""
    rencontre = (
        Rencontre.objects.select_for_update()
        .select_related("parrainage__parrain")
        .get(pk=rencontre.pk)
    )
    _exiger_parrain(rencontre.parrainage, par)
    if rencontre.debut > timezone.now():
        raise ValidationError("Une rencontre ne peut être consignée qu'une fois passée.")
    if not themes:
        raise ValidationError({"themes": "Cochez au moins un thème abordé."})
    rencontre.marquer_tenue(themes=themes, compte_rendu=compte_rendu)
    rencontre.save()
    return rencontre


@transaction.atomic
def rencontre_annuler(*, rencontre, par) -> Rencontre:
    rencontre = (
        Rencontre.objects.select_for_update()
        .select_related("parrainage__parrain")
        .get(pk=rencontre.pk)
    )
    _exiger_parrain(rencontre.parrainage, par)
    rencontre.annuler()
    rencontre.save()
    if rencontre.debut > timezone.now():
        _invitation(rencontre, "CANCEL", "Rencontre de parrainage annulée")
    return rencontre


@transaction.atomic
def parrainage_cloturer(*, parrainage, par, donnees: dict) -> Sortie:
    """Record the mentee's situation at the end and end the pair (normally or early)."""
    parrainage = _verrouiller(parrainage)
    _exiger_parrain(parrainage, par)
    _exiger_actif(parrainage)
    date = donnees["date"]
    if date > timezone.localdate():
        raise ValidationError({"date": "La date de fin ne peut pas être dans le futur."})
    if parrainage.date_debut and date < parrainage.date_debut:
        raise ValidationError({"date": "La date de fin ne peut pas précéder le début."})
    if donnees.get("interrompu"):
        parrainage.interrompre(motif=donnees.get("motif", ""), fin=date)
    else:
        parrainage.terminer(fin=date, motif=donnees.get("motif", ""))
    parrainage.save()
    return Sortie.objects.create(
        parrainage=parrainage,
        moment=Sortie.Moment.FIN,
        type=donnees["type"],
        date=date,
        employeur=donnees.get("employeur", ""),
        commentaire=donnees.get("commentaire", ""),
        source=Sortie.Source.PARRAIN,
    )


@transaction.atomic
def parrain_mettre_a_jour(*, parrain, donnees: dict) -> Parrain:
    """Edit one's mentor profile; capacity never below the pairs in progress."""
    parrain = Parrain.objects.select_for_update().get(pk=parrain.pk)
    ouverts = parrain.parrainages.filter(statut__in=Parrainage.STATUTS_OUVERTS).count()
    if donnees["capacite"] < ouverts:
        raise ValidationError(
            {
                "capacite": f"Vous suivez ou avez en attente {ouverts} binôme(s) : la capacité ne "
                f"peut pas être inférieure."
            }
        )
    if not (
        donnees.get("offre_reguliere")
        or donnees.get("offre_ponctuelle")
        or donnees.get("offre_immersion")
    ):
        raise ValidationError("Choisissez au moins une forme de parrainage.")
    for champ in (
        "entreprise",
        "fonction",
        "annees_experience",
        "commune",
        "offre_reguliere",
        "offre_ponctuelle",
        "offre_immersion",
        "capacite",
        "disponibilites",
        "distanciel_accepte",
        "bio",
    ):
        setattr(parrain, champ, donnees[champ])
    if parrain.statut in (Parrain.Statut.ACTIF, Parrain.Statut.PAUSE):
        parrain.statut = Parrain.Statut.PAUSE if donnees.get("en_pause") else Parrain.Statut.ACTIF
    parrain.save()
    parrain.secteurs.set(donnees["secteurs"])
    return parrain


@transaction.atomic
def enquete_repondre(
    *, parrainage_id: int, moment: str, user_id: int, type: str, employeur: str = ""
) -> Sortie:
    """Record a survey answer as the pair's outcome for that moment (once)."""
    from django.db import IntegrityError

    parrainage = Parrainage.objects.select_related("parrain", "filleul").get(pk=parrainage_id)
    if user_id == parrainage.filleul.user_id:
        source = Sortie.Source.FILLEUL
    elif user_id == parrainage.parrain.user_id:
        source = Sortie.Source.PARRAIN
    else:
        raise ValidationError("Ce questionnaire ne vous concerne plus.")
    if Sortie.objects.filter(parrainage=parrainage, moment=moment).exists():
        raise ValidationError("Merci : une réponse a déjà été enregistrée pour ce parrainage.")
    try:
        with transaction.atomic():
            return Sortie.objects.create(
                parrainage=parrainage,
                moment=moment,
                type=type,
                date=timezone.localdate(),
                employeur=employeur,
                source=source,
            )
    except IntegrityError:
        raise ValidationError(
            "Merci : une réponse a déjà été enregistrée pour ce parrainage."
        ) from None
