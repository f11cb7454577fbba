"""Outcomes of the people without a pair (retained but never paired, or who left after the
selection week): recorded on their application, from the survey link or by staff.

Who is asked and when: ``parrainages/relances.py`` (``enquete_candidature_fin``,
``enquete_candidature_six_mois``); how they count: ``partenaires/indicateurs.py`` and
``docs/indicateurs.md``.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Candidature, Parrainage, Sortie

DEJA = "Merci : une réponse a déjà été enregistrée pour cette candidature."


def _exiger_sans_binome(candidature, message=None) -> None:
    """A person paired in the programme has the pair's outcome, never a second one."""
    if Parrainage.objects.filter(
        filleul_id=candidature.filleul_id,
        programme_id=candidature.programme_id,
        statut__in=Parrainage.STATUTS_FORMES,
    ).exists():
        raise ValidationError(
            message
            or "Cette personne a un binôme dans ce programme : sa situation s'enregistre sur "
            "le parrainage."
        )


def _creer(candidature, **champs) -> Sortie:
    try:
        with transaction.atomic():
            return Sortie.objects.create(candidature=candidature, **champs)
    except IntegrityError:
        raise ValidationError(DEJA) from None


@transaction.atomic
def enquete_candidature_repondre(
    *, candidature_id: int, moment: str, user_id: int, type: str, employeur: str = ""
) -> Sortie:
    """A survey answer of a person without a pair: their application's outcome for that
    moment (once). The lock on the application makes two answers posted at once record one."""
    candidature = (
        Candidature.objects.select_for_update(of=("self",))
        .select_related("filleul")
        .get(pk=candidature_id)
    )
    if user_id is None or user_id != candidature.filleul.user_id:
        raise ValidationError("Ce questionnaire ne vous concerne plus.")
    if Sortie.objects.filter(candidature=candidature, moment=moment).exists():
        raise ValidationError(DEJA)
    _exiger_sans_binome(
        candidature,
        "Ce questionnaire ne vous concerne plus : votre situation vous sera demandée à la fin "
        "de votre parrainage.",
    )
    return _creer(
        candidature,
        moment=moment,
        type=type,
        date=timezone.localdate(),
        employeur=employeur,
        source=Sortie.Source.FILLEUL,
    )


def sortie_candidature_verifier(*, candidature, donnees: dict) -> None:
    """What staff typed for a person without a pair, checked (the admin's form asks too,
    before saving): a date not in the future, one outcome a moment, nobody with a pair."""
    if donnees["date"] > timezone.localdate():
        raise ValidationError({"date": "La date de la situation ne peut pas être dans le futur."})
    if Sortie.objects.filter(candidature=candidature, moment=donnees["moment"]).exists():
        raise ValidationError(
            {"moment": "Une situation est déjà enregistrée pour ce moment de cette candidature."}
        )
    _exiger_sans_binome(candidature)


@transaction.atomic
def sortie_candidature_enregistrer(*, candidature, donnees: dict) -> Sortie:
    """Staff record the outcome of a person without a pair (source « équipe »)."""
    candidature = Candidature.objects.select_for_update(of=("self",)).get(pk=candidature.pk)
    sortie_candidature_verifier(candidature=candidature, donnees=donnees)
    return _creer(
        candidature,
        moment=donnees["moment"],
        type=donnees["type"],
        date=donnees["date"],
        employeur=donnees.get("employeur", ""),
        commentaire=donnees.get("commentaire", ""),
        source=Sortie.Source.EQUIPE,
    )
