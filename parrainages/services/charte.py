"""A pair's charter: the programme's current text frozen with its hash, its parties called to
sign through the platform's one signature machinery (``mentorat.signatures``), its sealed PDF
and the e-mail that carries it."""

import datetime as dt
import hashlib

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import courriel_ecrire
from mentorat.signatures import (
    TypeDocument,
    fichier_est_celui_emis,
    partie_ajouter,
    parties_de,
    parties_inviter,
    signatures_clore,
)
from mentorat.taches import tache_apres_validation
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


def charte_parties(*, parrainage, le: dt.date | None = None) -> list[dict]:
    """Who signs the charter of ``parrainage`` issued on ``le`` (today by default), each with
    their identity of the day, as ``partie_ajouter`` takes them: the mentor (their company
    and role), the mentee, a minor mentee's legal guardians (each from a link of their own),
    the programme's coordinator where the programme asks.

    Refused when the mentee is a minor and no legal guardian is recorded: nobody could sign
    for them (Code civil, art. 371-1 and 388-1-1).
    """
    le = le or timezone.localdate()
    parrain, filleul, programme = parrainage.parrain, parrainage.filleul, parrainage.programme
    Role = Charte.Role
    parties = [
        {
            "role": Role.PARRAIN.value,
            "libelle": Role.PARRAIN.label,
            "ordre": 1,
            "user": parrain.user,
            "organisme": parrain.entreprise,
            "fonction": parrain.fonction,
        },
        {
            "role": Role.FILLEUL.value,
            "libelle": Role.FILLEUL.label,
            "ordre": 2,
            "user": filleul.user,
        },
    ]
    if filleul.est_mineur(le):
        representants = list(filleul.representants_legaux.order_by("created_at", "pk"))
        if not representants:
            raise ValidationError(
                "La charte ne peut pas être émise : le filleul ou la filleule est mineur(e) et "
                "aucun représentant légal n'est enregistré pour la signer avec lui ou elle. "
                "L'équipe du programme doit d'abord enregistrer son représentant légal."
            )
        for numero, representant in enumerate(representants, start=1):
            parties.append(
                {
                    "role": f"{Charte.ROLE_REPRESENTANT_LEGAL}_{numero}",
                    "libelle": Charte.LIBELLE_REPRESENTANT_LEGAL,
                    "ordre": 2 + numero,
                    "prenom": representant.prenom,
                    "nom": representant.nom,
                    "fonction": representant.get_lien_display(),
                    "email": representant.email,
                    "telephone": representant.telephone,
                }
            )
    if programme.signature_coordinateur and programme.coordinateur_id:
        parties.append(
            {
                "role": Role.COORDINATEUR.value,
                "libelle": Role.COORDINATEUR.label,
                "ordre": 20,
                "user": programme.coordinateur,
            }
        )
    return parties


@transaction.atomic
def charte_emettre(*, parrainage) -> Charte | None:
    """Freeze the programme's current charter for an accepted pair (once), call its parties
    to sign (``mentorat.signatures``) and invite them.

    Returns None when the programme has no charter model yet. Refused, with nothing written,
    when the mentee is a minor without a recorded legal guardian (``charte_parties``).
    """
    existante = parrainage.chartes.exclude(statut=Charte.Statut.ANNULEE).first()
    if existante is not None:
        return existante
    modele = ModeleCharte.objects.courant(parrainage.programme)
    if modele is None:
        return None
    if parrainage.statut != parrainage.Statut.ACTIF:
        raise ValidationError("Une charte n'est émise que pour un parrainage accepté.")
    emise_le = timezone.now()
    parties = charte_parties(parrainage=parrainage, le=timezone.localdate(emise_le))
    texte = charte_rendre_texte(modele=modele, parrainage=parrainage)
    charte = Charte.objects.create(
        parrainage=parrainage,
        modele=modele,
        texte=texte,
        texte_sha256=sha256_text(texte),
        emise_le=emise_le,
    )
    for partie in parties:
        partie_ajouter(document=charte, **partie)
    parties_inviter(document=charte)
    return charte


# --- The charter as a signed document (mentorat.signatures) -------------------------------------


def _titre(charte) -> str:
    return f"Charte de parrainage — {charte.parrainage.programme.nom}"


def _tout_signe(charte) -> None:
    """The last party signed (in its transaction, the charter's row locked): the charter is
    signed and its sealed PDF made after the commit."""
    charte.marquer_signee()
    charte.save(update_fields=["statut", "signee_le"])
    # Robust: with the broker down the signature stands; the catch-up enqueues it later.
    tache_apres_validation("parrainages.produire_charte_pdf", charte.pk)


def _pdf(charte):
    return (charte.pdf, nom_fichier_charte(charte)) if charte.pdf else None


def charte_type_document() -> TypeDocument:
    """What the signature machinery needs to know of a charter (registered at start-up).

    No refusal: a party who does not want to sign does not; staff cancel or reissue it.
    """
    return TypeDocument(
        model=Charte,
        titre=_titre,
        ouvert=lambda charte: charte.statut == Charte.Statut.A_SIGNER,
        texte_sha256=lambda charte: charte.texte_sha256,
        tout_signe=_tout_signe,
        gabarit="parrainages/charte/_document.html",
        url=lambda charte: reverse("charte_detail", kwargs={"uuid": charte.uuid}),
        pdf=_pdf,
    )


@transaction.atomic
def charte_annuler(*, charte, motif: str) -> Charte:
    """Cancel a charter, with the reason (the admin's decision, or its pair ended before
    everyone signed). A charter still awaiting signatures is withdrawn from signing: its links
    and pending codes stop working (``mentorat.signatures.signatures_clore``)."""
    charte = Charte.objects.select_for_update().get(pk=charte.pk)
    a_signer = charte.statut == Charte.Statut.A_SIGNER
    charte.annuler(motif=motif)
    charte.save(update_fields=["statut", "annulee_le", "motif_annulation"])
    if a_signer:
        signatures_clore(document=charte)
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
    url = f"{settings.SITE_URL}{reverse('charte_verifier', kwargs={'uuid': charte.uuid})}"
    qr = segno.make(url, error="m")
    return {
        "charte": charte,
        "parrainage": charte.parrainage,
        # The parties as frozen at issue, never the live profiles; each with its signature.
        "parties": list(parties_de(charte)),
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
    """E-mail the sealed PDF to every party (a minor's guardians included), once.

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
        for partie in parties_de(charte):
            if not partie.adresse:  # an identity erased meanwhile
                continue
            courriel_ecrire(
                regle="charte_signee",
                cle=f"charte_signee:{charte.pk}:{partie.role}",
                a=partie.adresse,
                destinataire=partie.user,
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
    return fichier_est_celui_emis(empreinte=charte.pdf_sha256, contenu=contenu)


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
