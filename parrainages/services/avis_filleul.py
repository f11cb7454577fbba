"""The mentee's say on who mentors them (``Programme.avis_filleul``, docs/appariement.md).

Once staff confirm, the proposal — or the up to three options of a mentee in a « choisir »
programme — waits for the mentee (``ATTENTE_FILLEUL``). The mentee accepts one (it goes to
its mentor, as in any programme; the other options are released as « non choisi ») or refuses
(all of them): refused or not chosen, a mentor is never proposed to that mentee again.

Options reserve nothing: the place is taken when the mentee chooses, after locking the
mentor's row (``capacite.place_exiger``), so two mentees choosing a mentor's last place take
turns and the second is refused with a message, free to choose another option.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from mentorat.envois import envois_creer, expedier_apres_commit

from ..models import Parrain, Parrainage
from ..relances import propositions_aux_filleuls, propositions_nouvelles
from .capacite import place_exiger
from .mineurs import honorabilite_exiger

PLUS_PROPOSEE = (
    "Cette proposition ne vous est plus soumise : elle a expiré, a été retirée ou vous y avez "
    "déjà répondu."
)
PAS_PROPOSE = (
    "Ce parrain ou cette marraine ne fait pas partie des propositions qui vous sont faites."
)
INDISPONIBLE = (
    "{prenom} n'accompagne plus de nouvelles personnes pour le moment : choisissez une autre "
    "proposition, ou refusez-les toutes."
)
DEJA_EN_BINOME = (
    "Vous avez déjà un parrain ou une marraine dans ce programme (en attente de sa réponse ou "
    "en cours) : cette proposition ne peut plus être choisie."
)
COMPLET = (
    "{prenom} n'a plus de place pour accompagner une personne de plus (une autre personne l'a "
    "choisi(e) entre-temps) : choisissez une autre proposition, ou refusez-les toutes."
)


def _prenom(parrainage) -> str:
    user = parrainage.parrain.user
    return (user.first_name if user else "") or "Ce parrain ou cette marraine"


def _en_attente(parrainage, par) -> tuple[list[Parrainage], list[Parrainage]]:
    """The mentee's proposals still waiting for them in the pair's programme, and those staff
    have not confirmed yet (options, or a proposal made by hand), all locked (by increasing
    id, before any mentor: the lock order of ``capacite``)."""
    ouvertes = list(
        Parrainage.objects.select_for_update(of=("self",))
        .select_related("programme", "parrain__user", "filleul__user")
        .filter(
            filleul_id=parrainage.filleul_id,
            programme_id=parrainage.programme_id,
            statut__in=[Parrainage.Statut.ATTENTE_FILLEUL, Parrainage.Statut.PROPOSITION],
        )
        .order_by("pk")
    )
    if par is None or any(p.filleul.user_id != par.pk for p in ouvertes):
        raise ValidationError(PAS_PROPOSE)
    lignes = [p for p in ouvertes if p.statut == Parrainage.Statut.ATTENTE_FILLEUL]
    if not lignes:
        raise ValidationError(PLUS_PROPOSEE)
    return lignes, [p for p in ouvertes if p.statut == Parrainage.Statut.PROPOSITION]


def _non_confirmees_ecarter(lignes):
    """Her answer closes what staff had not confirmed yet: neither kept open beside her pair
    (she is paired, the work queue is done with her) nor sent to her later."""
    for ligne in lignes:
        ligne.ecarter()
        ligne.save(update_fields=["statut"])


@transaction.atomic
def filleul_choisir(*, parrainage, par) -> Parrainage:
    """The mentee accepts the proposed mentor, or chooses this one of their options: the
    mentor is asked now; the other options are released (« non choisi »)."""
    lignes, non_confirmees = _en_attente(parrainage, par)
    choisie = next((p for p in lignes if p.pk == parrainage.pk), None)
    if choisie is None:
        raise ValidationError(PAS_PROPOSE)
    if (
        Parrainage.objects.filter(
            filleul_id=choisie.filleul_id,
            programme_id=choisie.programme_id,
            statut__in=[Parrainage.Statut.ATTENTE_PARRAIN, Parrainage.Statut.ACTIF],
        )
        .exclude(pk=choisie.pk)
        .exists()
    ):
        raise ValidationError(DEJA_EN_BINOME)
    honorabilite_exiger(
        programme=choisie.programme, filleul=choisie.filleul, parrain=choisie.parrain
    )
    if choisie.parrain.statut != Parrain.Statut.ACTIF:
        raise ValidationError(INDISPONIBLE.format(prenom=_prenom(choisie)))
    place_exiger(
        parrain_id=choisie.parrain_id,
        sauf=choisie.pk,
        message=COMPLET.format(prenom=_prenom(choisie)),
    )
    for autre in lignes:
        if autre.pk != choisie.pk:
            autre.ecarter_non_choisie()
            autre.save(update_fields=["statut", "filleul_repondu_le"])
    _non_confirmees_ecarter(non_confirmees)
    choisie.choisir()
    choisie.save(update_fields=["statut", "filleul_repondu_le", "envoye_le"])
    _envoyer(propositions_nouvelles([choisie.pk]))
    return choisie


@transaction.atomic
def filleul_refuser(*, parrainage, par, motif: str = "") -> list[Parrainage]:
    """The mentee refuses the proposed mentor (or every option): free for the next run,
    which never proposes these mentors to them again. No mentor hears of it."""
    lignes, non_confirmees = _en_attente(parrainage, par)
    if all(p.pk != parrainage.pk for p in lignes):
        raise ValidationError(PAS_PROPOSE)
    for ligne in lignes:
        ligne.refuser_par_le_filleul(motif.strip())
        ligne.save(update_fields=["statut", "filleul_repondu_le", "motif_declin"])
    _non_confirmees_ecarter(non_confirmees)
    return lignes


def propositions_filleuls_notifier(*, ids) -> int:
    """E-mail each mentee whose proposals ``ids`` just reached them (one e-mail for their
    options), through the exactly-once outbox."""
    return _envoyer(propositions_aux_filleuls(ids))


def _envoyer(envois) -> int:
    """Through the exactly-once outbox, sent right after the commit (and by the outbox's
    five-minute run should that message be lost)."""
    nouveaux = envois_creer(envois)
    if nouveaux:
        expedier_apres_commit()
    return nouveaux
