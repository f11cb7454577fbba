"""A partnership convention signed online by its parties, through the platform's one
signature machinery (``mentorat.signatures``), as a pair's charter is.

Staff ask for the signatures once the convention is ready (``convention_signatures_demander``):
each party's signatory is called — a member of that partner with an account signs on the
partner portal's page of the convention, a person named without one signs from a link of their
own — and so is the city's (the structure's) signatory, from a link. The text signed is the
convention's content frozen in a fingerprint (``convention_empreinte``). Once every party has
signed, the convention is signed and its sealed PDF produced after the commit
(``convention_produire_pdf``), as the charter's is.
"""

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Partie
from mentorat.signatures import (
    TypeDocument,
    partie_ajouter,
    parties_de,
    parties_inviter,
    signatures_retirer,
)
from mentorat.taches import tache_apres_validation

from .models import Convention, Membre, PartieConvention

ROLE_STRUCTURE = "structure"


def role_de(partie: PartieConvention) -> str:
    """The signature machinery's role of a convention party (one per party)."""
    return f"partie_{partie.pk}"


def convention_empreinte(convention: Convention) -> str:
    """The fingerprint of what the parties sign: every term of the convention."""
    morceaux = [
        convention.reference,
        convention.titre,
        convention.date_debut.isoformat(),
        convention.date_fin.isoformat(),
        sorted(p.nom for p in convention.programmes.all()),
        [(p.partenaire_id, p.role) for p in convention.parties.order_by("ordre", "pk")],
        [
            (o.indicateur, o.valeur_cible, o.periode, o.public, o.secteur_id)
            for o in convention.objectifs.order_by("indicateur", "periode", "public", "pk")
        ],
        [
            (a.intitule, a.responsable_id, a.responsable_libelle, a.echeance.isoformat())
            for a in convention.actions.order_by("echeance", "ordre", "pk")
        ],
        convention.engagements_partenaire,
        convention.engagements_ville,
        convention.modalites_suivi,
        convention.criteres_evaluation,
    ]
    return hashlib.sha256(repr(morceaux).encode()).hexdigest()


def _signataires(convention: Convention, signataire_structure) -> list[dict]:
    """Who signs, as ``partie_ajouter`` takes them; ValidationError (French) listing every
    party without a signatory, nothing written."""
    parties = list(
        convention.parties.select_related("partenaire", "signataire").order_by("ordre", "pk")
    )
    if not parties:
        raise ValidationError(
            "Une convention sans partie ne peut pas être signée : ajoutez au moins le "
            "partenaire porteur."
        )
    erreurs, appels = [], []
    referents = set(
        Membre.objects.filter(
            partenaire__in=[p.partenaire_id for p in parties],
            actif=True,
            role=Membre.Role.REFERENT,
        ).values_list("partenaire_id", "user_id")
    )
    for rang, partie in enumerate(parties, start=1):
        base = {
            "role": role_de(partie),
            "libelle": f"Pour {partie.partenaire.nom} ({partie.get_role_display().lower()})"[:120],
            "ordre": rang,
            "organisme": partie.partenaire.nom[:200],
            "fonction": partie.signataire_fonction,
        }
        if partie.signataire_id:
            if (partie.partenaire_id, partie.signataire_id) not in referents:
                erreurs.append(
                    f"{partie.partenaire.nom} : le signataire n'est plus un référent actif de "
                    "ce partenaire."
                )
                continue
            appels.append({**base, "user": partie.signataire})
        elif partie.signataire_email:
            appels.append(
                {
                    **base,
                    "prenom": partie.signataire_prenom,
                    "nom": partie.signataire_nom,
                    "email": partie.signataire_email,
                }
            )
        else:
            erreurs.append(
                f"{partie.partenaire.nom} : désignez qui signe (un référent membre du "
                "partenaire, ou une personne nommée avec son adresse e-mail)."
            )
    if signataire_structure is None or not signataire_structure.email:
        erreurs.append("Désignez la personne qui signe pour la ville (avec une adresse e-mail).")
    else:
        appels.append(
            {
                "role": ROLE_STRUCTURE,
                "libelle": "Pour la ville (service emploi)",
                "ordre": 99,
                "prenom": signataire_structure.first_name,
                "nom": signataire_structure.last_name,
                "email": signataire_structure.email,
                "organisme": "Ville — service emploi",
            }
        )
    if erreurs:
        raise ValidationError(erreurs)
    return appels


@transaction.atomic
def convention_signatures_demander(*, convention: Convention, signataire_structure) -> int:
    """Call every party's signatory and the city's to sign the convention online; returns
    how many were invited. Refused, nothing written, with the reasons in French: a convention
    not in preparation, already sent for signing, without objective or party, or a party
    without a signatory."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.statut != Convention.Statut.BROUILLON:
        raise ValidationError("Seule une convention en préparation se signe en ligne.")
    if convention.signature_demandee_le is not None:
        raise ValidationError("Les signatures de cette convention sont déjà demandées.")
    if not convention.objectifs.exists():
        raise ValidationError("Une convention sans objectif ne peut pas être signée.")
    for appel in _signataires(convention, signataire_structure):
        partie_ajouter(document=convention, **appel)
    convention.texte_sha256 = convention_empreinte(convention)
    convention.signature_demandee_le = timezone.now()
    convention.save(update_fields=["texte_sha256", "signature_demandee_le"])
    return parties_inviter(document=convention)


@transaction.atomic
def convention_modifiee(*, convention: Convention) -> int:
    """The convention was edited while its parties were signing it: when what they sign
    changed, every signature given is withdrawn (``signatures_retirer``: they signed another
    text) and the request is let go, for staff to ask again once the text is final. Returns
    how many signatures were withdrawn (0 when nothing they sign changed)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if not convention.en_signature or convention_empreinte(convention) == convention.texte_sha256:
        return 0
    retirees = signatures_retirer(document=convention)
    Partie.objects.du_document(convention).delete()
    convention.signature_demandee_le = None
    convention.texte_sha256 = ""
    convention.save(update_fields=["signature_demandee_le", "texte_sha256"])
    return retirees


def partie_du_membre(convention: Convention, user):
    """The signature the signed-in member still owes on ``convention``, or None."""
    if not convention.en_signature:
        return None
    return (
        parties_de(convention)
        .filter(user=user, signee_le__isnull=True, refusee_le__isnull=True)
        .first()
    )


# --- The convention as a signed document (mentorat.signatures) ---------------------------------


def _titre(convention) -> str:
    return f"Convention de partenariat {convention.reference} — {convention.titre}"


def _tout_signe(convention) -> None:
    """The last party signed (its transaction, the convention's row locked): the convention is
    signed and its sealed PDF made after the commit."""
    convention.signer(le=timezone.localdate())
    convention.save(update_fields=["statut", "signee_le"])
    tache_apres_validation("partenaires.produire_convention_signee", convention.pk)


def _pdf(convention):
    if convention.pdf_signe and convention.pdf_sha256:
        return convention.pdf_signe, f"convention-{convention.reference}-signee.pdf"
    return None


def convention_type_document() -> TypeDocument:
    """What the signature machinery needs to know of a convention (registered at start-up).
    No refusal online: a party who does not agree says so to the team, who amend it."""
    return TypeDocument(
        model=Convention,
        titre=_titre,
        ouvert=lambda convention: convention.en_signature,
        texte_sha256=lambda convention: convention.texte_sha256,
        tout_signe=_tout_signe,
        gabarit="partenaires/convention/_document.html",
        url=lambda convention: reverse("partenaires:convention", kwargs={"pk": convention.pk}),
        pdf=_pdf,
    )


# --- The sealed PDF ------------------------------------------------------------------------------


def convention_produire_pdf(*, convention_id: int) -> bool:
    """Render, seal and store the PDF of a convention every party signed online (once).

    The file is written first, then the row updated in the same transaction; a crash in
    between leaves the convention without PDF, to be produced on retry. Returns True when this
    call produced it."""
    from mentorat.scellement import sceller

    from .documents import convention_pdf, nom_convention

    with transaction.atomic():
        convention = (
            Convention.objects.select_for_update(of=("self",))
            .select_related("partenaire")
            .get(pk=convention_id)
        )
        if (
            convention.statut == Convention.Statut.BROUILLON
            or convention.signature_demandee_le is None
            or convention.pdf_sha256
        ):
            return False
        pdf = sceller(
            convention_pdf(convention, parties_signature=list(parties_de(convention))),
            raison=_titre(convention),
            lieu="Mentorat",
        )
        nom = nom_convention(convention).replace(".pdf", "-signee.pdf")
        convention.pdf_signe.save(nom, ContentFile(pdf), save=False)
        convention.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        convention.save(update_fields=["pdf_signe", "pdf_sha256"])
    return True


def conventions_a_rattraper(*, enqueue, delai_minutes: int = 10) -> list[int]:
    """Conventions signed online left without their sealed PDF: enqueue each."""
    limite = timezone.now() - dt.timedelta(minutes=delai_minutes)
    ids = list(
        Convention.objects.filter(
            signature_demandee_le__lt=limite, pdf_sha256="", signee_le__isnull=False
        )
        .exclude(statut=Convention.Statut.BROUILLON)
        .values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue(pk)
    return ids
