"""Issuing a pair's charter: the programme's current text, frozen with its hash."""

import datetime as dt
import hashlib
import hmac
import secrets

import segno
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from mentorat.envois import courriel_ecrire
from mentorat.taches import tache_apres_validation
from programmes.models import ModeleCharte

from ..models import Charte, DemandeSignature, Signature
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


def charte_parties(*, parrainage) -> list[dict]:
    """Each party's identity as it stands now, to be frozen with the charter text."""

    def partie(role, user, entreprise="", fonction=""):
        return {
            "role": role,
            "prenom": user.first_name if user else "",
            "nom": user.last_name if user else "",
            "entreprise": entreprise,
            "fonction": fonction,
        }

    parrain, programme = parrainage.parrain, parrainage.programme
    parties = [
        partie(Signature.Role.PARRAIN.value, parrain.user, parrain.entreprise, parrain.fonction),
        partie(Signature.Role.FILLEUL.value, parrainage.filleul.user),
    ]
    if programme.signature_coordinateur and programme.coordinateur_id:
        parties.append(partie(Signature.Role.COORDINATEUR.value, programme.coordinateur))
    return parties


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
    charte = Charte.objects.create(
        parrainage=parrainage,
        modele=modele,
        texte=texte,
        texte_sha256=sha256_text(texte),
        parties=charte_parties(parrainage=parrainage),
        emise_le=timezone.now(),
    )
    for user in {u for u in (signataire_attendu(charte, r) for r in roles_requis(charte)) if u}:
        courriel_ecrire(
            regle="charte_emise",
            cle=f"charte_emise:{charte.pk}:{user.pk}",
            a=user.email,
            destinataire=user,
            sujet=f"Votre charte de parrainage est à signer — {parrainage.programme.nom}",
            gabarit="parrainages/emails/charte_a_signer",
            contexte={"charte": charte},
        )
    return charte


# --- Who signs ---------------------------------------------------------------------------------


def roles_requis(charte) -> list[str]:
    roles = [Signature.Role.PARRAIN, Signature.Role.FILLEUL]
    if charte.parrainage.programme.signature_coordinateur:
        roles.append(Signature.Role.COORDINATEUR)
    return roles


def signataire_attendu(charte, role):
    parrainage = charte.parrainage
    return {
        Signature.Role.PARRAIN: parrainage.parrain.user,
        Signature.Role.FILLEUL: parrainage.filleul.user,
        Signature.Role.COORDINATEUR: parrainage.programme.coordinateur,
    }[role]


def roles_de(charte, user) -> list[str]:
    """The roles in which ``user`` signs ``charte`` (usually one)."""
    return [
        r
        for r in roles_requis(charte)
        if getattr(signataire_attendu(charte, r), "pk", None) == user.pk
    ]


def _hash_code(demande_id: int, code: str) -> str:
    from django.conf import settings

    return hmac.new(
        settings.SECRET_KEY.encode(), f"{demande_id}:{code}".encode(), hashlib.sha256
    ).hexdigest()


# --- Signing -----------------------------------------------------------------------------------

DEMANDES_MAX_PAR_10_MIN = 3


@transaction.atomic
def signature_demander_code(*, charte, user, role) -> DemandeSignature:
    """The signer ticked the acceptance: send a one-time code, valid ten minutes."""
    charte = Charte.objects.select_for_update().get(pk=charte.pk)
    _verifier_peut_signer(charte, user, role)
    maintenant = timezone.now()
    recentes = DemandeSignature.objects.filter(
        charte=charte, signataire=user, created_at__gte=maintenant - dt.timedelta(minutes=10)
    ).count()
    if recentes >= DEMANDES_MAX_PAR_10_MIN:
        raise ValidationError(
            "Trop de codes demandés : attendez quelques minutes avant d'en demander un nouveau."
        )
    DemandeSignature.objects.filter(
        charte=charte, signataire=user, utilisee_le__isnull=True
    ).update(expire_le=maintenant)
    code = f"{secrets.randbelow(1_000_000):06d}"
    demande = DemandeSignature.objects.create(
        charte=charte,
        role=role,
        signataire=user,
        code_hash="",
        expire_le=maintenant + dt.timedelta(minutes=DemandeSignature.DUREE_MINUTES),
    )
    demande.code_hash = _hash_code(demande.pk, code)
    demande.save(update_fields=["code_hash"])
    # The code signs for the person: the row is confidential (never shown to staff, emptied
    # once sent).
    courriel_ecrire(
        regle="code_signature",
        cle=f"code_signature:{charte.pk}:{demande.pk}",
        a=user.email,
        destinataire=user,
        sujet="Votre code pour signer la charte de parrainage",
        gabarit="parrainages/emails/code_signature",
        contexte={"code": code, "charte": charte, "minutes": DemandeSignature.DUREE_MINUTES},
        confidentiel=True,
    )
    return demande


def _verifier_peut_signer(charte, user, role):
    if charte.statut != Charte.Statut.A_SIGNER:
        raise ValidationError("Cette charte ne peut plus être signée.")
    if role not in roles_de(charte, user):
        raise ValidationError("Vous n'êtes pas appelé(e) à signer cette charte à ce titre.")
    if charte.signatures.filter(role=role).exists():
        raise ValidationError("Vous avez déjà signé cette charte.")


def signature_confirmer(*, charte, user, role, code: str, ip=None, user_agent="") -> Signature:
    """Check the code and record the signature; the last one triggers the sealed PDF.

    A wrong code counts as a try even though the signature is refused: the counter is
    written outside the refused work.
    """
    resultat = _confirmer(charte, user, role, code, ip, user_agent)
    if isinstance(resultat, Signature):
        return resultat
    demande_id, essais = resultat
    DemandeSignature.objects.filter(pk=demande_id).update(essais=F("essais") + 1)
    restants = DemandeSignature.ESSAIS_MAX - essais - 1
    raise CodeIncorrect(
        "Code incorrect."
        + (f" Il vous reste {restants} essai(s)." if restants > 0 else " Demandez un nouveau code.")
    )


@transaction.atomic
def _confirmer(charte, user, role, code, ip, user_agent):
    charte = Charte.objects.select_for_update().get(pk=charte.pk)
    _verifier_peut_signer(charte, user, role)
    maintenant = timezone.now()
    demande = (
        DemandeSignature.objects.select_for_update()
        .filter(charte=charte, signataire=user, role=role, utilisee_le__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if demande is None or demande.expire_le <= maintenant:
        raise ValidationError("Ce code a expiré ou a déjà servi. Demandez-en un nouveau.")
    if demande.essais >= DemandeSignature.ESSAIS_MAX:
        raise ValidationError("Trop d'essais avec ce code. Demandez-en un nouveau.")
    code = "".join(c for c in code if c.isdigit())
    if not hmac.compare_digest(demande.code_hash, _hash_code(demande.pk, code)):
        return demande.pk, demande.essais
    demande.utilisee_le = maintenant
    demande.save(update_fields=["utilisee_le"])
    signature = Signature.objects.create(
        charte=charte,
        role=role,
        signataire=user,
        nom_signataire=user.get_full_name() or user.email,
        signee_le=maintenant,
        adresse_ip=ip,
        user_agent=(user_agent or "")[:400],
        methode=Signature.Methode.CODE_EMAIL,
        texte_sha256=charte.texte_sha256,
    )
    signes = set(charte.signatures.values_list("role", flat=True))
    if all(r in signes for r in roles_requis(charte)):
        charte.marquer_signee()
        charte.save(update_fields=["statut", "signee_le"])
        # Robust: with the broker down the signature stands; the catch-up enqueues it later.
        tache_apres_validation("parrainages.produire_charte_pdf", charte.pk)
    return signature


class CodeIncorrect(ValidationError):
    """A wrong code: the try is counted (the caller commits the counter)."""


@transaction.atomic
def charte_annuler(*, charte, motif: str) -> Charte:
    """Staff cancel a charter, with the reason (the admin's decision)."""
    charte = Charte.objects.select_for_update().get(pk=charte.pk)
    charte.annuler(motif=motif)
    charte.save(update_fields=["statut", "annulee_le", "motif_annulation"])
    return charte


@transaction.atomic
def charte_reemettre(*, charte, par, motif: str) -> Charte | None:
    """Staff cancel a charter with a reason and issue a new one from the current model.

    Refused, and the charter left as it was, when no new one may be issued (the pair is no
    longer active). Returns None when the programme has no charter model.
    """
    charte = charte_annuler(charte=charte, motif=motif)
    return charte_emettre(parrainage=charte.parrainage)


# --- The sealed PDF ------------------------------------------------------------------------------


def _contexte_pdf(charte) -> dict:
    from django.conf import settings
    from django.urls import reverse

    url = f"{settings.SITE_URL}{reverse('charte_verifier', kwargs={'uuid': charte.uuid})}"
    qr = segno.make(url, error="m")
    return {
        "charte": charte,
        "parrainage": charte.parrainage,
        # The parties as frozen at issue, never the live profiles.
        "parties": charte.parties_a_afficher(),
        "signatures": list(charte.signatures.order_by("signee_le")),
        "url_verification": url,
        "qr_svg": qr.svg_data_uri(scale=4, border=1),
        "produit_le": timezone.now(),
    }


def charte_rendre_pdf(charte) -> bytes:
    from mentorat.pdf import rendre_pdf

    return rendre_pdf("parrainages/pdf/charte.html", _contexte_pdf(charte))


def charte_produire_pdf(*, charte_id: int) -> bool:
    """Render, seal and store the PDF of a fully signed charter (once).

    The row only points to a complete file: the file is written first, then the row updated in
    the same transaction. A crash in between leaves the charter without PDF, to be produced on
    retry. A charter whose PDF was made once is never made again: once erased (a party's account
    deleted), its fingerprint stays the issued file's. Returns True when this call produced it.
    """
    from mentorat.scellement import sceller

    with transaction.atomic():
        charte = (
            Charte.objects.select_for_update(of=("self",))
            .select_related("parrainage__programme", "parrainage__parrain__user")
            .select_related("parrainage__filleul__user", "modele")
            .get(pk=charte_id)
        )
        if charte.statut != Charte.Statut.SIGNEE or charte.pdf or charte.pdf_sha256:
            return False
        pdf = sceller(
            charte_rendre_pdf(charte),
            raison=f"Charte de parrainage — {charte.parrainage.programme.nom}",
            lieu="Mentorat",
        )
        nom = f"charte-{charte.uuid}.pdf"
        charte.pdf.save(nom, ContentFile(pdf), save=False)
        charte.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        charte.pdf_produit_le = timezone.now()
        charte.save(update_fields=["pdf", "pdf_sha256", "pdf_produit_le"])
    return True


def charte_envoyer_pdf(*, charte_id: int) -> bool:
    """E-mail the sealed PDF to the parties, once.

    The charter's row stays locked while the message is handed to the mail server, and is
    marked sent in the same transaction: another delivery of the task skips it meanwhile, and a
    worker killed before the server took the message leaves it unsent, for the catch-up to send
    (a claim committed before sending stayed behind a killed worker: never sent).
    """
    with transaction.atomic():
        charte = (
            Charte.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "parrainage__programme", "parrainage__parrain__user", "parrainage__filleul__user"
            )
            .filter(pk=charte_id, envoyee_le__isnull=True, pdf_sha256__gt="")
            .exclude(pdf="")
            .first()
        )
        if charte is None:
            return False
        signataires = {
            u for u in (signataire_attendu(charte, r) for r in roles_requis(charte)) if u
        }
        for user in signataires:
            courriel_ecrire(
                regle="charte_signee",
                cle=f"charte_signee:{charte.pk}:{user.pk}",
                a=user.email,
                destinataire=user,
                sujet=f"Votre charte de parrainage signée — {charte.parrainage.programme.nom}",
                gabarit="parrainages/emails/charte_signee",
                contexte={"charte": charte},
                # Read from private storage when the e-mail is sent.
                pieces_jointes=[
                    {
                        "nom": nom_fichier_charte(charte),
                        "type": "application/pdf",
                        "fichier": charte.pdf.name,
                    }
                ],
            )
        charte.envoyee_le = timezone.now()
        charte.save(update_fields=["envoyee_le"])
    return True


def nom_fichier_charte(charte) -> str:
    return f"charte-parrainage-{charte.parrainage.programme.slug}-{charte.emise_le:%Y-%m-%d}.pdf"


def charte_verifier_fichier(*, charte, contenu: bytes) -> bool:
    """Whether an uploaded file is exactly the PDF issued for ``charte``."""
    return bool(charte.pdf_sha256) and hmac.compare_digest(
        hashlib.sha256(contenu).hexdigest(), charte.pdf_sha256
    )


def chartes_a_rattraper(*, enqueue, delai_minutes: int = 10) -> list[int]:
    """Signed charters left without a PDF or unsent for ``delai_minutes``: enqueue each.

    An erased charter (PDF deleted, fingerprint kept) is neither made again nor sent.
    """
    limite = timezone.now() - dt.timedelta(minutes=delai_minutes)
    ids = list(
        Charte.objects.filter(statut=Charte.Statut.SIGNEE, signee_le__lt=limite)
        .filter(models.Q(pdf_sha256="") | (models.Q(envoyee_le__isnull=True) & ~models.Q(pdf="")))
        .order_by("signee_le")
        .values_list("pk", flat=True)
    )
    for charte_id in ids:
        enqueue(charte_id)
    return ids
