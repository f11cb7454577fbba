"""Issuing a pair's charter: the programme's current text, frozen with its hash."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from programmes.models import ModeleCharte

from ..models import Charte
from ..models.charte import sha256_text


def charte_rendre_texte(*, modele, parrainage) -> str:
    """Fill the model's placeholders with the parties and dates of ``parrainage``."""
    parrain = parrainage.parrain.user.get_full_name() if parrainage.parrain.user_id else ""
    filleul = parrainage.filleul.user.get_full_name() if parrainage.filleul.user_id else ""
    valeurs = {
        "parrain": f"{parrain} ({parrainage.parrain.entreprise})",
        "filleul": filleul,
        "programme": parrainage.programme.nom,
        "date_debut": f"{parrainage.date_debut:%d/%m/%Y}" if parrainage.date_debut else "",
        "date_fin": f"{parrainage.date_fin_prevue:%d/%m/%Y}" if parrainage.date_fin_prevue else "",
    }
    texte = modele.texte
    for cle, valeur in valeurs.items():
        texte = texte.replace("{" + cle + "}", valeur)
    return texte


@transaction.atomic
def charte_emettre(*, parrainage) -> Charte | None:
    """Freeze the programme's current charter for an accepted pair (once).

    Returns None when the programme has no charter model yet.
    """
    existante = parrainage.chartes.exclude(statut=Charte.Statut.ANNULEE).first()
    if existante is not None:
        return existante
    modele = ModeleCharte.objects.courant(parrainage.programme)
    if modele is None:
        return None
    if parrainage.statut != parrainage.Statut.ACTIF:
        raise ValidationError("Une charte n'est émise que pour un parrainage accepté.")
    texte = charte_rendre_texte(modele=modele, parrainage=parrainage)
    return Charte.objects.create(
        parrainage=parrainage,
        modele=modele,
        texte=texte,
        texte_sha256=sha256_text(texte),
        emise_le=timezone.now(),
    )
