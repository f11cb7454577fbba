"""The one signature machinery: parties, links, one-time codes, signatures, refusals.

Every document that people sign online goes through here: a pair's charter, an immersion
convention (PMSMP), a pupil's observation convention, a partnership convention. A document type
registers itself once (``document_enregistrer``) with what only it knows: whether it accepts
signatures now, the fingerprint of the text being signed, what happens once every party has
signed (its transition, its sealed PDF) or when one refuses. The rest is the same for all:

- each party is a ``Partie`` row, its identity frozen at issue;
- a party with an account signs on the document's page once logged in; a party without one
  signs from a link of their own (``lien_emettre``), whose secret is never stored (its hash is);
- a signature is the party ticking the acceptance, then typing a six-digit code e-mailed to
  them (valid ten minutes, five tries, three codes per ten minutes), recorded with the
  instant, the network address, the browser and the fingerprint of the text signed;
- any party may refuse, with a reason, where the document type allows it (``refuse``);
- a change to the document after a signature withdraws every signature (``signatures_retirer``)
  and the parties are asked again.

The codes and links are written into the outbox as confidential messages: staff never see them
and they are emptied once sent.
"""

import copy
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .audit import journal_modifications
from .canaux import Genre, canaux_de, message_ecrire
from .envois import courriel_ecrire
from .models import CodeSignature, Envoi, Partie

CODES_MAX_PAR_10_MIN = 3
LIEN_DUREE_JOURS = 30


@dataclass(frozen=True)
class TypeDocument:
    """What the machinery needs to know of one kind of signed document.

    ``ouvert(document)``: whether it accepts signatures now. ``texte_sha256(document)``: the
    fingerprint of what is signed, recorded with each signature. ``tout_signe(document)``:
    called in the transaction of the last signature (the document's transition, its PDF task).
    ``refuse(document, partie)``: called in the transaction of a refusal; a type without it
    cannot be refused online (no refusal offered). ``titre(document)``:
    how the document is named to the parties. ``gabarit``: the template that shows the
    document on the link page (its context holds ``document`` and ``partie``). ``url(document)``:
    the document's page for a party with an account. ``pdf(document)``: ``(file, name)`` of
    the sealed PDF once there is one, else None (a party with a link downloads it there).
    ``signe(document, partie)``: called in the transaction of each signature that leaves
    others to come (a "partially signed" status). ``raison_fermeture(document)``: why the
    document cannot be signed now, in French (None when it can): checked at each step of
    signing, its message is the one the party reads (an immersion whose first day has passed).
    """

    model: type[models.Model]
    titre: Callable
    ouvert: Callable
    texte_sha256: Callable
    tout_signe: Callable
    gabarit: str
    url: Callable
    refuse: Callable | None = None
    pdf: Callable | None = None
    signe: Callable | None = None
    raison_fermeture: Callable | None = None


_TYPES: dict[type[models.Model], TypeDocument] = {}


def document_enregistrer(type_document: TypeDocument) -> None:
    _TYPES[type_document.model] = type_document


def type_de(document) -> TypeDocument:
    try:
        return _TYPES[type(document)]
    except KeyError:
        raise LookupError(f"{type(document).__name__} n'est pas un document à signer.") from None


def _contenu(document) -> ContentType:
    return ContentType.objects.get_for_model(document, for_concrete_model=False)


def parties_de(document):
    return Partie.objects.du_document(document).select_related("user").order_by("ordre", "pk")


class SignatureRefusee(ValidationError):
    """The request cannot be honoured (a French message says why); nothing was changed."""


_SANS_MOYEN = (
    "Aucun moyen de vous envoyer le code : ajoutez une adresse e-mail ou vérifiez votre "
    "numéro de mobile dans vos préférences."
)
_SMS_REFUSES = (
    "Vous avez demandé à ne plus recevoir de SMS (réponse STOP) et n'avez pas d'adresse "
    "e-mail : acceptez de nouveau les SMS dans vos préférences pour recevoir le code."
)


class CodeIncorrect(ValidationError):
    """A wrong code: the try is counted (the caller's transaction is not needed for that)."""


class LienInvalide(Exception):
    """A signature link that is unknown, expired or withdrawn; the message says which."""


# --- Parties -----------------------------------------------------------------------------------


def partie_ajouter(
    *,
    document,
    role: str,
    libelle: str,
    ordre: int = 0,
    user=None,
    prenom: str = "",
    nom: str = "",
    fonction: str = "",
    organisme: str = "",
    email: str = "",
    telephone: str = "",
) -> Partie:
    """Call one more party to sign ``document`` (one party per role).

    With an account, the identity is taken from it unless given.
    """
    if user is not None:
        prenom = prenom or user.first_name
        nom = nom or user.last_name
        email = email or user.email or ""
    # An account without an address (opened by a counsellor) receives its codes by SMS once
    # its number is verified (mentorat.canaux).
    sms = user is not None and bool(user.telephone and user.telephone_verifie_le)
    if not email and not sms:
        raise ValidationError(f"{libelle} : une adresse e-mail est nécessaire pour signer.")
    return Partie.objects.create(
        document_type=_contenu(document),
        document_id=document.pk,
        role=role,
        libelle=libelle,
        ordre=ordre,
        user=user,
        prenom=prenom,
        nom=nom,
        fonction=fonction,
        organisme=organisme,
        email=email,
        telephone=telephone,
    )


def _hash(valeur: str) -> str:
    return hashlib.sha256(valeur.encode()).hexdigest()


def lien_emettre(partie: Partie, *, duree_jours: int = LIEN_DUREE_JOURS) -> str:
    """A new link of the party's own (the previous one stops working); returns its URL.

    Only the hash of the secret is kept: the URL exists in the message that carries it.
    """
    jeton = secrets.token_urlsafe(32)
    partie.jeton_hash = _hash(jeton)
    partie.jeton_expire_le = timezone.now() + dt.timedelta(days=duree_jours)
    partie.save(update_fields=["jeton_hash", "jeton_expire_le"])
    return f"{settings.SITE_URL}{reverse('signature_lien', kwargs={'jeton': jeton})}"


def partie_depuis_jeton(jeton: str) -> Partie:
    """The party a link belongs to, or LienInvalide with a French reason."""
    partie = (
        Partie.objects.select_related("document_type", "user")
        .filter(jeton_hash=_hash(jeton or ""))
        .exclude(jeton_hash="")
        .first()
    )
    if partie is None:
        raise LienInvalide(
            "Ce lien n'est pas valide : il a peut-être été remplacé par un lien plus récent. "
            "Utilisez le dernier lien reçu par e-mail, ou demandez-en un nouveau à l'équipe."
        )
    if partie.jeton_expire_le is None or partie.jeton_expire_le <= timezone.now():
        raise LienInvalide(
            "Ce lien a expiré. Demandez à l'équipe du programme de vous en envoyer un nouveau."
        )
    return partie


def _inviter(partie, *, document, genre, regle: str, cle: str | None, relance: bool) -> bool:
    """Write one party's invitation (or reminder): returns whether it was new.

    A party without an account gets a new link of their own, the previous one stops working.
    """
    titre = genre.titre(document)
    if partie.user_id:
        lien, confidentiel = f"{settings.SITE_URL}{genre.url(document)}", False
        cle = cle or f"{regle}:{partie.pk}:{genre.texte_sha256(document)[:16]}"
    else:
        lien, confidentiel = lien_emettre(partie), True
        cle = cle or f"{regle}:{partie.pk}:{partie.jeton_hash[:16]}"
    return courriel_ecrire(
        regle=regle,
        cle=cle,
        a=partie.adresse,
        destinataire=partie.user,
        sujet=f"{'Rappel — à signer' if relance else 'À signer'} : {titre}",
        gabarit="mentorat/emails/signature_invitation",
        contexte={
            "partie": partie,
            "titre": titre,
            "lien": lien,
            "duree_jours": LIEN_DUREE_JOURS,
            "avec_compte": bool(partie.user_id),
            "refus_possible": genre.refuse is not None,
            "relance": relance,
        },
        confidentiel=confidentiel,
    )


def parties_inviter(*, document, regle: str = "signature_invitation", parties=None) -> int:
    """E-mail each party still to sign: a link of their own, or the document's page for a
    party with an account. Returns how many were invited.

    The key names the link's hash, so that a new link (after a change of the document) is a
    new message while the same invitation written twice is sent once.
    """
    genre = type_de(document)
    invitees = 0
    for partie in parties if parties is not None else parties_de(document).a_signer():
        _inviter(partie, document=document, genre=genre, regle=regle, cle=None, relance=False)
        invitees += 1
    return invitees


@transaction.atomic
def partie_relancer(*, partie: Partie, regle: str, cle: str) -> bool:
    """Remind a party who has not signed yet; ``cle`` names this reminder (rule, document,
    role, period). Returns whether it was written.

    A party without an account is sent a new link of their own (the secret of the previous
    one is not kept): only when the reminder is new, so that a rule run twice, or by two
    schedulers at once (the party's row is locked), neither writes it twice nor leaves the
    party with a link that no message carries.
    """
    partie = Partie.objects.select_for_update(of=("self",)).select_related("user").get(pk=partie.pk)
    if partie.signee_le is not None or partie.refusee_le is not None:
        return False
    if Envoi.objects.filter(cle=cle[:200]).exists():
        return False
    document = partie.document
    genre = type_de(document)
    if not genre.ouvert(document) or not partie.adresse:
        return False
    return _inviter(partie, document=document, genre=genre, regle=regle, cle=cle, relance=True)


# --- Signing -----------------------------------------------------------------------------------


def _hash_code(code_id: int, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"signature:{code_id}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def _verrouiller(partie: Partie):
    """The party and its document, both locked: one signature at a time per document."""
    # Only the party's row is locked: its account, when it has none, is the nullable side of
    # an outer join, which PostgreSQL refuses to lock.
    partie = Partie.objects.select_for_update(of=("self",)).select_related("user").get(pk=partie.pk)
    modele = partie.document_type.model_class()
    document = modele._default_manager.select_for_update().get(pk=partie.document_id)
    return partie, document


def _verifier_peut_signer(partie: Partie, document) -> None:
    if partie.signee_le is not None:
        le = timezone.localtime(partie.signee_le)
        raise SignatureRefusee(f"Vous avez déjà signé ce document, le {le:%d/%m/%Y à %H:%M}.")
    if partie.refusee_le is not None:
        raise SignatureRefusee("Vous avez refusé de signer ce document.")
    genre = type_de(document)
    raison = genre.raison_fermeture(document) if genre.raison_fermeture else None
    if raison:
        raise SignatureRefusee(raison)
    if not genre.ouvert(document):
        raise SignatureRefusee("Ce document ne peut plus être signé.")


@transaction.atomic
def signature_demander_code(*, partie: Partie) -> CodeSignature:
    """The party ticked the acceptance: e-mail a one-time code, valid ten minutes."""
    partie, document = _verrouiller(partie)
    _verifier_peut_signer(partie, document)
    maintenant = timezone.now()
    recents = partie.codes.filter(created_at__gte=maintenant - dt.timedelta(minutes=10)).count()
    if recents >= CODES_MAX_PAR_10_MIN:
        raise SignatureRefusee(
            "Trop de codes demandés : attendez quelques minutes avant d'en demander un nouveau."
        )
    if partie.user_id:
        canaux = canaux_de(partie.user, Genre.CODES)
    else:
        canaux = [Envoi.Canal.EMAIL] if partie.adresse else []
    if not canaux:
        refus = partie.user_id and partie.user.sms_refuses_le
        raise SignatureRefusee(_SMS_REFUSES if refus else _SANS_MOYEN)
    partie.codes.filter(utilise_le__isnull=True).update(expire_le=maintenant)
    code = f"{secrets.randbelow(1_000_000):06d}"
    demande = CodeSignature.objects.create(
        partie=partie,
        code_hash="",
        expire_le=maintenant + dt.timedelta(minutes=CodeSignature.DUREE_MINUTES),
    )
    demande.code_hash = _hash_code(demande.pk, code)
    demande.save(update_fields=["code_hash"])
    titre = type_de(document).titre(document)
    # The code signs for the person: confidential (never shown to staff, emptied once sent).
    # A party with an account receives it by the channels they chose for codes (mentorat.canaux);
    # a party signing from a link, at the address given for them.
    message = {
        "regle": "code_signature",
        "cle": f"code_signature:{partie.pk}:{demande.pk}",
        "sujet": f"Votre code pour signer : {titre}",
        "gabarit": "mentorat/emails/code_signature",
        "contexte": {"code": code, "titre": titre, "minutes": CodeSignature.DUREE_MINUTES},
        "confidentiel": True,
    }
    if partie.user_id:
        demande.canaux = message_ecrire(
            destinataire=partie.user,
            genre=Genre.CODES,
            texte_sms="mentorat/sms/code_signature.txt",
            **message,
        )
    else:
        courriel_ecrire(a=partie.adresse, destinataire=None, **message)
        demande.canaux = [Envoi.Canal.EMAIL]
    return demande


def signature_confirmer(*, partie: Partie, code: str, ip=None, user_agent: str = "") -> Partie:
    """Check the code and record the signature; the last one completes the document.

    A wrong code counts as a try even though the signature is refused: the counter is
    written outside the refused work.
    """
    resultat = _confirmer(partie, code, ip, user_agent)
    if isinstance(resultat, Partie):
        return resultat
    code_id, essais = resultat
    CodeSignature.objects.filter(pk=code_id).update(essais=F("essais") + 1)
    restants = CodeSignature.ESSAIS_MAX - essais - 1
    raise CodeIncorrect(
        "Code incorrect."
        + (f" Il vous reste {restants} essai(s)." if restants > 0 else " Demandez un nouveau code.")
    )


@transaction.atomic
def _confirmer(partie, code, ip, user_agent):
    partie, document = _verrouiller(partie)
    _verifier_peut_signer(partie, document)
    maintenant = timezone.now()
    demande = (
        partie.codes.select_for_update()
        .filter(utilise_le__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if demande is None or demande.expire_le <= maintenant:
        raise SignatureRefusee("Ce code a expiré ou a déjà servi. Demandez-en un nouveau.")
    if demande.essais >= CodeSignature.ESSAIS_MAX:
        raise SignatureRefusee("Trop d'essais avec ce code. Demandez-en un nouveau.")
    code = "".join(c for c in (code or "") if c.isdigit())
    if not hmac.compare_digest(demande.code_hash, _hash_code(demande.pk, code)):
        return demande.pk, demande.essais
    demande.utilise_le = maintenant
    demande.save(update_fields=["utilise_le"])
    genre = type_de(document)
    partie.signee_le = maintenant
    partie.adresse_ip = ip
    partie.user_agent = (user_agent or "")[:400]
    partie.methode = Partie.Methode.CODE_EMAIL
    partie.texte_sha256 = genre.texte_sha256(document)
    partie.save(update_fields=["signee_le", "adresse_ip", "user_agent", "methode", "texte_sha256"])
    if not Partie.objects.du_document(document).filter(signee_le__isnull=True).exists():
        genre.tout_signe(document)
    elif genre.signe is not None:
        genre.signe(document, partie)
    return partie


@transaction.atomic
def signature_refuser(*, partie: Partie, motif: str) -> Partie:
    """The party declines to sign, with a reason; the document type decides what follows."""
    if not (motif or "").strip():
        raise SignatureRefusee("Indiquez pourquoi vous refusez de signer.")
    partie, document = _verrouiller(partie)
    _verifier_peut_signer(partie, document)
    genre = type_de(document)
    if genre.refuse is None:
        raise SignatureRefusee("Ce document ne se refuse pas en ligne : contactez l'équipe.")
    partie.refusee_le = timezone.now()
    partie.motif_refus = motif.strip()[:2000]
    partie.save(update_fields=["refusee_le", "motif_refus"])
    genre.refuse(document, partie)
    return partie


def signatures_retirer(*, document) -> int:
    """The document changed: every signature and refusal given so far is withdrawn (the
    parties signed another text), pending codes stop working. Returns how many signatures
    were withdrawn. The caller, in its transaction, invites the parties again.

    The audit trail records each withdrawal, as a save of the party would.
    """
    parties = Partie.objects.du_document(document)
    vide = {
        "signee_le": None,
        "adresse_ip": None,
        "user_agent": "",
        "methode": "",
        "texte_sha256": "",
        "refusee_le": None,
        "motif_refus": "",
    }
    avant = {
        p.pk: p
        for p in parties.filter(
            models.Q(signee_le__isnull=False) | models.Q(refusee_le__isnull=False)
        )
    }
    CodeSignature.objects.filter(partie__in=parties, utilise_le__isnull=True).update(
        expire_le=timezone.now()
    )
    parties.update(**vide)
    apres = []
    for partie in avant.values():
        partie = copy.copy(partie)
        for champ, valeur in vide.items():
            setattr(partie, champ, valeur)
        apres.append(partie)
    journal_modifications(apres, avant=avant, champs=list(vide))
    return sum(1 for p in avant.values() if p.signee_le is not None)


def signatures_clore(*, document) -> int:
    """A document withdrawn before every party signed (a charter cancelled): nothing is left
    to sign. The parties' links stop working and their pending codes expire, so that no one
    gives a consent (Code civil, art. 1367: a signature expresses the signatory's consent to
    the obligations of the act) to a document that no longer binds anyone. The signatures
    already given stay, as evidence of what was signed. Returns how many links were closed."""
    parties = Partie.objects.du_document(document)
    CodeSignature.objects.filter(partie__in=parties, utilise_le__isnull=True).update(
        expire_le=timezone.now()
    )
    return parties.exclude(jeton_hash="").update(jeton_hash="", jeton_expire_le=None)


# What an erasure empties on a party: who they are, how to reach them, their network traces
# and their reason; the signature's instant and the text's fingerprint stay.
IDENTITE_EFFACEE = {
    "user": None,
    "prenom": "",
    "nom": "",
    "fonction": "",
    "organisme": "",
    "email": "",
    "telephone": "",
    "adresse_ip": None,
    "user_agent": "",
    "jeton_hash": "",
    "motif_refus": "",
}


def parties_effacer(*, user) -> int:
    """An account is erased: its identity leaves every party row it signed or was called to
    sign (the signature's instant and the text's fingerprint stay, for the documents issued).
    """
    return Partie.objects.filter(user=user).update(**IDENTITE_EFFACEE)


def parties_des_documents_effacer(*, modele, ids) -> int:
    """Documents whose parties have no account (a minor's guardians) lose those parties'
    identity, network traces and reasons when the person they concern is erased (the
    signature's instant and the text's fingerprint stay). Returns how many rows changed."""
    return Partie.objects.filter(
        document_type=ContentType.objects.get_for_model(modele, for_concrete_model=False),
        document_id__in=list(ids),
    ).update(**IDENTITE_EFFACEE)


def fichier_est_celui_emis(*, empreinte: str, contenu: bytes) -> bool:
    """Whether an uploaded file is exactly the sealed PDF whose fingerprint is ``empreinte``."""
    return bool(empreinte) and hmac.compare_digest(hashlib.sha256(contenu).hexdigest(), empreinte)
