"""Writes of the mentor portal (proposals, meetings, outcomes, profile; immersions: see
``immersion.py``), and of staff following the pairs (expiry, ending a pair from the admin)."""

import copy
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentorat.audit import journal_modifications
from mentorat.envois import courriel_ecrire

from ..models import Charte, Parrain, Parrainage, Rencontre, Sortie
from .capacite import place_exiger
from .charte import charte_emettre
from .mineurs import honorabilite_exiger
from .qualite import objectifs_avancer, objectifs_premiere_rencontre
from .rencontres import invitation_envoyer
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


# Who is waited for, and from when their answer delay runs: the mentor from the delivery of
# their e-mail, the mentee (``Programme.avis_filleul``) from the staff's confirmation.
ATTENTES = (
    (Parrainage.Statut.ATTENTE_PARRAIN, "notifie_le"),
    (Parrainage.Statut.ATTENTE_FILLEUL, "soumis_au_filleul_le"),
)


def propositions_expirer(*, maintenant=None) -> int:
    """Proposals left unanswered (by the mentor, or by the mentee first asked) past their
    programme's delay expire.

    A constant number of queries a programme: the overdue proposals locked and read, their
    statuses written, their audit entries written.
    """
    maintenant = maintenant or timezone.now()
    total = 0
    delais = (
        Parrainage.objects.filter(statut__in=[statut for statut, _ in ATTENTES])
        .values_list("programme_id", "programme__delai_reponse_jours")
        .distinct()
    )
    for programme_id, delai in delais:
        echeance = maintenant - dt.timedelta(days=delai)
        en_retard = Q(pk__in=[])
        for statut, depuis in ATTENTES:
            en_retard |= Q(statut=statut, **{f"{depuis}__lt": echeance})
        with transaction.atomic():
            echues = list(
                Parrainage.objects.avec_libelle()
                .select_for_update(of=("self",))
                .filter(en_retard, programme_id=programme_id)
                .order_by("pk")
            )
            avant = {p.pk: copy.copy(p) for p in echues}
            du_filleul = [p.pk for p in echues if p.statut == Parrainage.Statut.ATTENTE_FILLEUL]
            for parrainage in echues:
                # The mentee's silence is hers: the mentor was never asked.
                champ = "filleul_repondu_le" if parrainage.pk in du_filleul else "repondu_le"
                parrainage.expirer()
                setattr(parrainage, champ, maintenant)
            Parrainage.objects.filter(pk__in=avant).exclude(pk__in=du_filleul).update(
                statut=Parrainage.Statut.EXPIRE, repondu_le=maintenant
            )
            Parrainage.objects.filter(pk__in=du_filleul).update(
                statut=Parrainage.Statut.EXPIRE, filleul_repondu_le=maintenant
            )
            journal_modifications(
                echues, avant=avant, champs=["statut", "repondu_le", "filleul_repondu_le"]
            )
        total += len(echues)
    return total


def parrainage_terminer(*, parrainage, motif: str = "", par=None) -> Parrainage:
    """Staff end an active pair today (the admin's decision and list action)."""
    return parrainage_finir(parrainage=parrainage, par=par, motif=motif)


def parrainage_interrompre(*, parrainage, motif: str, par=None) -> Parrainage:
    """Staff interrupt an active pair today, with the reason."""
    return parrainage_finir(parrainage=parrainage, par=par, interrompu=True, motif=motif)


@transaction.atomic
def parrainage_finir(
    *,
    parrainage,
    par=None,
    interrompu: bool = False,
    motif: str = "",
    fin: dt.date | None = None,
    sortie: dict | None = None,
    compte_supprime: bool = False,
) -> Parrainage:
    """End an active pair: the one way a pair ends, whoever ends it (the mentor with the
    mentee's situation, staff from the admin, the erasure of one party's account).

    In the same transaction: the pair ends (``interrompu``: before its term, ``motif``
    required) on ``fin`` (today by default); ``sortie`` (``type``, ``source``, optional
    ``employeur``, ``commentaire``) is recorded as its end outcome; its meetings still to come
    are cancelled and each party (and a minor's guardians) receives the cancellation with its
    .ics; its charter still awaiting signatures is cancelled (nothing left to sign); the mentee
    (and a minor's guardians), the mentor when someone else ended it, and the programme's
    coordinators for the mentee's place (``programmes.perimetre.coordinateurs``) are told.
    ``compte_supprime``: one party's account is being erased; they are told nothing (their
    account is gone) and the others read why.
    """
    from programmes.perimetre import coordinateurs

    from .charte import charte_annuler

    parrainage = _verrouiller(parrainage)
    # Only an active pair ends: the transition refuses any other move, with its message.
    if interrompu:
        parrainage.interrompre(motif=motif, fin=fin)
    else:
        parrainage.terminer(fin=fin, motif=motif)
    parrainage.save(update_fields=["statut", "date_fin", "motif_fin"])
    nouvelle_sortie = None
    if sortie is not None:
        nouvelle_sortie = Sortie.objects.create(
            parrainage=parrainage,
            moment=Sortie.Moment.FIN,
            type=sortie["type"],
            date=parrainage.date_fin,
            employeur=sortie.get("employeur", ""),
            commentaire=sortie.get("commentaire", ""),
            source=sortie["source"],
        )
    maintenant = timezone.now()
    a_venir = list(
        parrainage.rencontres.select_for_update()
        .filter(
            statut__in=[Rencontre.Statut.PREVUE, Rencontre.Statut.PROPOSEE], debut__gt=maintenant
        )
        .order_by("debut")
    )
    for rencontre in a_venir:
        rencontre.annuler()
        rencontre.save(update_fields=["statut"])
        rencontre.parrainage = parrainage
        # A proposal the mentor never accepted is in nobody's calendar: nothing to withdraw.
        if rencontre.au_calendrier:
            invitation_envoyer(
                rencontre, "CANCEL", "Rencontre de parrainage annulée : le parrainage a pris fin"
            )
    charte = parrainage.chartes.filter(statut=Charte.Statut.A_SIGNER).first()
    if charte is not None:
        charte_annuler(
            charte=charte,
            motif="Le parrainage a pris fin avant que toutes les parties aient signé la charte.",
        )
    contexte = {
        "parrainage": parrainage,
        "sortie": nouvelle_sortie,
        "rencontres_annulees": len(a_venir),
        "charte_annulee": charte is not None,
        "par_le_parrain": par is not None and par.pk == parrainage.parrain.user_id,
        "compte_supprime": compte_supprime,
    }
    _fin_annoncer(
        parrainage,
        par,
        contexte,
        coordinateurs(programme=parrainage.programme, commune=parrainage.filleul.commune),
    )
    return parrainage


def _fin_annoncer(parrainage, par, contexte, equipe) -> None:
    """The end of a pair, told to whom must know (keys ``parrainage_fin:<pair>:…``)."""
    prefixe = f"parrainage_fin:{parrainage.pk}"
    programme = parrainage.programme.nom
    filleul_user, parrain_user = parrainage.filleul.user, parrainage.parrain.user
    if filleul_user is not None:
        courriel_ecrire(
            regle="parrainage_fin",
            cle=f"{prefixe}:u{filleul_user.pk}",
            a=filleul_user.email,
            destinataire=filleul_user,
            sujet=f"Votre parrainage dans le programme « {programme} » a pris fin",
            gabarit="parrainages/emails/parrainage_fin",
            contexte={**contexte, "pour": "filleul", "prenom": filleul_user.first_name},
        )
    for representant in representants_a_informer(parrainage.filleul):
        courriel_ecrire(
            regle="parrainage_fin",
            cle=cle_representant(prefixe, representant.pk),
            a=representant.email,
            sujet=f"Le parrainage dans le programme « {programme} » a pris fin",
            gabarit="parrainages/emails/parrainage_fin",
            contexte={
                **contexte,
                "pour": "representant",
                "prenom": representant.prenom,
                "representant": representant,
            },
        )
    if parrain_user is not None and not contexte["par_le_parrain"]:
        courriel_ecrire(
            regle="parrainage_fin",
            cle=f"{prefixe}:u{parrain_user.pk}",
            a=parrain_user.email,
            destinataire=parrain_user,
            sujet=f"Votre binôme dans le programme « {programme} » a pris fin",
            gabarit="parrainages/emails/parrainage_fin",
            contexte={**contexte, "pour": "parrain", "prenom": parrain_user.first_name},
        )
    from django.urls import reverse

    lien = reverse("admin:parrainages_parrainage_change", args=[parrainage.pk])
    for membre in equipe:
        if par is not None and membre.pk == par.pk:
            continue
        courriel_ecrire(
            regle="parrainage_fin",
            cle=f"{prefixe}:e{membre.pk}",
            a=membre.email,
            destinataire=membre,
            # The subject outlives an erasure: it names no one (the body does).
            sujet=f"Un binôme du programme « {programme} » a pris fin",
            gabarit="parrainages/emails/parrainage_fin_equipe",
            contexte={**contexte, "prenom": membre.first_name, "lien": lien, "par": par},
        )


def _exiger_parrain(parrainage, par):
    if parrainage.parrain.user_id != par.pk:
        raise ValidationError("Ce parrainage n'est pas le vôtre.")


def _exiger_actif(parrainage):
    if parrainage.statut != Parrainage.Statut.ACTIF:
        raise ValidationError("Ce parrainage n'est pas en cours.")


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
        if deja.statut == Rencontre.Statut.PROPOSEE:
            # The mentee proposed this very time: planning it is accepting it (invitations).
            from .rencontres import rencontre_accepter

            return rencontre_accepter(rencontre=deja, par=par)
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
    invitation_envoyer(rencontre, "REQUEST", "Rencontre de parrainage planifiée")
    return rencontre


@transaction.atomic
def rencontre_consigner(
    *,
    rencontre,
    par,
    themes,
    compte_rendu: str = "",
    objectifs: list[str] = (),
    avancements: dict[int, str] | None = None,
) -> Rencontre:
    """Log a meeting that took place: topics and private notes; the pair's goals when it has
    none yet (``objectifs``), or the progress of each (``avancements``: goal id → state)."""

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
    if objectifs:
        objectifs_premiere_rencontre(rencontre=rencontre, libelles=objectifs)
    if avancements:
        objectifs_avancer(rencontre=rencontre, avancements=avancements)
    return rencontre


def parrainage_cloturer(*, parrainage, par, donnees: dict) -> Parrainage:
    """The mentor ends the pair (normally or early) with the mentee's situation today: the
    situation is recorded as declared by the mentor, to be confirmed by the mentee
    (``Sortie.compte_positive``); the rest is ``parrainage_finir``."""
    _exiger_parrain(parrainage, par)
    _exiger_actif(parrainage)
    if not donnees.get("type"):
        raise ValidationError({"type": "Choisissez la situation de la personne aujourd'hui."})
    date = donnees["date"]
    if date > timezone.localdate():
        raise ValidationError({"date": "La date de fin ne peut pas être dans le futur."})
    if parrainage.date_debut and date < parrainage.date_debut:
        raise ValidationError({"date": "La date de fin ne peut pas précéder le début."})
    return parrainage_finir(
        parrainage=parrainage,
        par=par,
        interrompu=bool(donnees.get("interrompu")),
        motif=donnees.get("motif", ""),
        fin=date,
        sortie={
            "type": donnees["type"],
            "employeur": donnees.get("employeur", ""),
            "commentaire": donnees.get("commentaire", ""),
            "source": Sortie.Source.PARRAIN,
        },
    )


@transaction.atomic
def parrain_mettre_a_jour(*, parrain, donnees: dict) -> Parrain:
    """Edit one's mentor profile; capacity never below the pairs in progress."""
    parrain = Parrain.objects.select_for_update().get(pk=parrain.pk)
    # The capacity's one rule (``prenant_une_place``); the message counts only what the mentor
    # sees, a proposal still with staff or the mentee being theirs to learn of later.
    ouverts = parrain.parrainages.prenant_une_place()
    n = ouverts.count()
    if donnees["capacite"] < n:
        vus = ouverts.vus_du_parrain().count()
        raise ValidationError(
            {
                "capacite": f"Vous suivez ou avez en attente {vus} binôme(s)"
                + (" et des propositions sont en préparation pour vous" if n > vus else "")
                + f" : la capacité ne peut pas être inférieure à {n}."
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
    """Record a survey answer as the pair's outcome for that moment (once).

    The mentee's answer to a situation their mentor declared confirms it, or, when it differs,
    replaces it: the person's own word is the one that counts (``sortie_confirmer``). The
    pair's row is locked: two answers posted at once record one."""
    from django.db import IntegrityError

    parrainage = (
        Parrainage.objects.select_for_update(of=("self",))
        .select_related("parrain", "filleul")
        .get(pk=parrainage_id)
    )
    if user_id == parrainage.filleul.user_id:
        source = Sortie.Source.FILLEUL
    elif user_id == parrainage.parrain.user_id:
        source = Sortie.Source.PARRAIN
    else:
        raise ValidationError("Ce questionnaire ne vous concerne plus.")
    existante = Sortie.objects.filter(parrainage=parrainage, moment=moment).first()
    if existante is not None:
        if source == Sortie.Source.FILLEUL and existante.a_confirmer:
            return sortie_confirmer(sortie=existante, type=type, employeur=employeur)
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


def sortie_confirmer(*, sortie: Sortie, type: str, employeur: str = "") -> Sortie:
    """The mentee answers about the situation their mentor declared (in the caller's
    transaction): the same situation is confirmed, and counts from now on; another one
    replaces it, as the mentee's own declaration (the mentor's stays in the comment, for
    staff)."""
    sortie.confirmee_le = timezone.now()
    if type == sortie.type:
        sortie.employeur = sortie.employeur or employeur
    else:
        declaree = sortie.get_type_display()
        sortie.type = type
        sortie.employeur = employeur
        sortie.source = Sortie.Source.FILLEUL
        note = f"Situation déclarée par le parrain : {declaree}."
        sortie.commentaire = f"{sortie.commentaire}\n{note}".strip()
    sortie.save(update_fields=["type", "employeur", "source", "commentaire", "confirmee_le"])
    return sortie
