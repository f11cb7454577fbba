"""Which channel a message goes by: e-mail, SMS or both, as each person chose per kind of
message; and the verified mobile number SMS go to.

One dispatcher for every layer: ``message_ecrire`` for one message (written at once, in the
caller's transaction), ``envois_repartir`` for reminders planned in bulk. Each writes one
outbox row per channel, with distinct keys: the e-mail keeps the message's key, the SMS adds
``:sms`` (so that a rule written before SMS existed is not sent again). Whatever was chosen,
SMS go only to a verified number, while an SMS channel is available and the person has not
replied STOP; otherwise the message goes by e-mail. A person without an e-mail address (an
account a counsellor opened) is written to by SMS whenever it is possible, whatever the kind.

After a STOP (``sms_refuser``), no SMS of any kind is sent to the person, essential or not:
codes and links go by e-mail; a person with no e-mail reads on the page why nothing came and
asks for SMS again on their preferences page (``sms_reprendre``). Rows already written are
cancelled when their turn comes (mentorat.envois).
"""

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from .emails import rendre_courriel, rendre_texte
from .envois import NouvelEnvoi, canal_disponible, courriel_ecrire, courriel_ecrire_rendu
from .gsm7 import abreger, hors_alphabet, septets, tient_en_un_sms
from .liens import lien_court
from .limites import LimiteAtteinte, limite_du_jour_verifier
from .models import CodeTelephone, Envoi, User
from .telephones import NUMERO_NON_MOBILE, telephone_e164

logger = logging.getLogger(__name__)


class Genre(models.TextChoices):
    """The kinds of message a person chooses a channel for."""

    CODES = "codes", "Codes de signature"
    # A mentor (or options to choose from) proposed to a mentee, and the reminder to answer.
    PROPOSITIONS = "propositions", "Propositions de parrainage"
    RENCONTRES = "rencontres", "Rappels de rencontre"
    ENQUETES = "enquetes", "Enquêtes"


class Choix(models.TextChoices):
    EMAIL = "email", "Par e-mail"
    SMS = "sms", "Par SMS"
    LES_DEUX = "les_deux", "Les deux"


SUFFIXE_SMS = ":sms"
CODES_MAX_PAR_10_MIN = 3
CODES_MAX_PAR_JOUR = 10


class TexteSmsTropLong(ValueError):
    """A text message that is not one GSM-7 part (a template to shorten, not a user error)."""


def sms_verifier(texte: str) -> str:
    """``texte`` when it is one single-part GSM-7 message, else TexteSmsTropLong."""
    if not tient_en_un_sms(texte):
        raise TexteSmsTropLong(
            f"SMS de {septets(texte)} caractères GSM-7 (160 au plus), hors alphabet : "
            f"{hors_alphabet(texte)} — {texte!r}"
        )
    return texte


# What may be cut further when a text does not fit: the names and places people typed, never
# a code or a link.
_NON_ABREGES = {"code", "lien", "lien_court", "url", "minutes", "heure"}
ABREGE_MAX = 15


def sms_rendre(gabarit: str, contexte: dict) -> str:
    """The text of ``gabarit``, one GSM-7 part; "" when even with the names cut short it does
    not fit (logged: a template to fix). Never raises for a length: the caller is inside the
    business transaction it must not break, and falls back to e-mail."""
    texte = rendre_texte(gabarit, contexte).strip()
    if tient_en_un_sms(texte):
        return texte
    court = {
        cle: abreger(valeur, ABREGE_MAX)
        if isinstance(valeur, str) and cle not in _NON_ABREGES
        else valeur
        for cle, valeur in contexte.items()
    }
    texte_court = rendre_texte(gabarit, court).strip()
    if tient_en_un_sms(texte_court):
        logger.warning("SMS %s : noms abrégés pour tenir en 160 caractères.", gabarit)
        return texte_court
    logger.error(
        "SMS %s trop long (%s septets, hors alphabet : %s) : envoyé par e-mail.",
        gabarit,
        septets(texte_court),
        hors_alphabet(texte_court),
    )
    return ""


# --- Whom SMS may reach ---------------------------------------------------------------------


def sms_joignable(user: User | None) -> bool:
    """An SMS may go to this person now: a verified number, no STOP, a channel to send by."""
    return bool(
        user is not None
        and user.telephone
        and user.telephone_verifie_le
        and not user.sms_refuses_le
        and canal_disponible(Envoi.Canal.SMS)
    )


def canaux_choisis(*, email: str | None, joignable_sms: bool, choix: str | None) -> list[str]:
    """The channels a message goes by: what was chosen, where possible; e-mail otherwise."""
    if not email:
        return [Envoi.Canal.SMS] if joignable_sms else []
    if joignable_sms and choix == Choix.SMS:
        return [Envoi.Canal.SMS]
    if joignable_sms and choix == Choix.LES_DEUX:
        return [Envoi.Canal.EMAIL, Envoi.Canal.SMS]
    return [Envoi.Canal.EMAIL]


def canaux_de(user: User, genre: str) -> list[str]:
    return canaux_choisis(
        email=user.email, joignable_sms=sms_joignable(user), choix=user.canaux.get(genre)
    )


# --- The dispatcher -------------------------------------------------------------------------


def message_ecrire(
    *,
    destinataire: User,
    genre: str,
    regle: str,
    cle: str,
    sujet: str,
    gabarit: str,
    contexte: dict,
    texte_sms: str,
    lien: str = "",
    essentiel: bool = True,
    confidentiel: bool = False,
    pieces_jointes: list[dict] = (),
) -> list[str]:
    """Write a message to ``destinataire`` by the channels they chose for ``genre``, in the
    caller's transaction; returns the channels written (none: no way to reach them, or both
    keys already written).

    ``gabarit``/``contexte``: the e-mail, as for ``courriel_ecrire``. ``texte_sms``: the
    template of the SMS (``mentorat/sms/….txt``), rendered with ``contexte`` plus
    ``lien_court``, the short form of ``lien`` when one is given (``/l/<code>/``); it must be
    one GSM-7 part (tested for every template; should a text still not fit, the names are cut
    shorter, then the e-mail goes instead: ``sms_rendre``). Nothing is written when the
    message was written already by either channel (the person switched since).

    A survey sender (the periodic check-in of a pair, say) calls it once per person::

        message_ecrire(
            destinataire=user,
            genre=Genre.ENQUETES,
            regle="point_etape",
            cle=f"point_etape:{parrainage.pk}:{numero}:{user.pk}",
            sujet="Comment se passe votre parrainage ?",
            gabarit="parrainages/emails/point_etape",
            contexte={"programme": programme.nom, "lien": lien},
            texte_sms="parrainages/sms/point_etape.txt",
            lien=lien,
        )

    A rule that writes thousands of rows at once uses ``envois_repartir`` instead.
    """
    if Envoi.objects.filter(cle__in=[cle[:200], f"{cle}{SUFFIXE_SMS}"[:200]]).exists():
        # One message, whatever the channel: a person who switched channel since it was
        # written is not written to again.
        return []
    canaux = canaux_de(destinataire, genre)
    texte = ""
    if Envoi.Canal.SMS in canaux:
        cle_sms = f"{cle}{SUFFIXE_SMS}"
        contexte_sms = {**contexte}
        if lien:
            contexte_sms["lien_court"] = lien_court(url=lien, cle=cle_sms)
        texte = sms_rendre(texte_sms, contexte_sms)
        if not texte:
            canaux = [Envoi.Canal.EMAIL] if destinataire.email else []
    ecrits = []
    if Envoi.Canal.EMAIL in canaux and courriel_ecrire(
        regle=regle,
        cle=cle,
        a=destinataire.email,
        destinataire=destinataire,
        sujet=sujet,
        gabarit=gabarit,
        contexte=contexte,
        essentiel=essentiel,
        confidentiel=confidentiel,
        pieces_jointes=pieces_jointes,
    ):
        ecrits.append(Envoi.Canal.EMAIL)
    if Envoi.Canal.SMS in canaux:
        repli = {}
        if destinataire.email and Envoi.Canal.EMAIL not in canaux:
            # Should the provider refuse the text for good (an invalid number), the e-mail
            # goes instead (mentorat.envois): rendered now, while the objects are at hand.
            courriel, html = rendre_courriel(gabarit, contexte)
            repli = {"repli": {"sujet": sujet, "texte": courriel, "html": html}}
        if courriel_ecrire_rendu(
            regle=regle,
            cle=cle_sms,
            a=destinataire.telephone,
            destinataire=destinataire,
            sujet=sujet,
            texte=texte,
            contexte=repli,
            essentiel=essentiel,
            confidentiel=confidentiel,
            canal=Envoi.Canal.SMS,
        ):
            ecrits.append(Envoi.Canal.SMS)
    return ecrits


def _cles_ecrites(cles: list[str], *, lot: int = 10_000) -> set[str]:
    deja = set()
    for debut in range(0, len(cles), lot):
        deja.update(
            Envoi.objects.filter(cle__in=cles[debut : debut + lot])
            .order_by()
            .values_list("cle", flat=True)
        )
    return deja


def envois_repartir(envois: Iterable[NouvelEnvoi], *, genre: str) -> list[NouvelEnvoi]:
    """Reminders planned in bulk (parrainages.relances), by their recipients' channels.

    Each e-mail row (its ``destinataire_id`` set; its ``email`` may be empty for an account
    without an address) becomes the rows of the channels chosen: itself, and/or its SMS twin
    (key ``…:sms``, template ``<app>/sms/<name>``, rendered when sent with the short link of
    the context's ``lien``: ``mentorat.envois.sms_texte``). A message already written by
    either channel is left out. One query for the keys written, one for all recipients.
    """
    envois = list(envois)
    # One message, whatever the channel: a survey sent by e-mail yesterday is not sent by SMS
    # today because the person switched since (nor the other way round).
    deja = _cles_ecrites([c for e in envois for c in (e.cle, f"{e.cle}{SUFFIXE_SMS}")])
    envois = [e for e in envois if e.cle not in deja and f"{e.cle}{SUFFIXE_SMS}" not in deja]
    ids = {e.destinataire_id for e in envois if e.destinataire_id}
    sms_possible = canal_disponible(Envoi.Canal.SMS)
    personnes = {}
    if ids and sms_possible:
        personnes = {
            pk: (telephone, choix)
            for pk, telephone, choix in User.objects.filter(
                pk__in=ids,
                telephone_verifie_le__isnull=False,
                sms_refuses_le__isnull=True,
            )
            .exclude(telephone="")
            .values_list("pk", "telephone", "canaux")
        }
    repartis = []
    for envoi in envois:
        telephone, choix = personnes.get(envoi.destinataire_id, ("", {}))
        canaux = canaux_choisis(
            email=envoi.email, joignable_sms=bool(telephone), choix=(choix or {}).get(genre)
        )
        if Envoi.Canal.EMAIL in canaux:
            repartis.append(envoi)
        if Envoi.Canal.SMS in canaux:
            repartis.append(
                envoi._replace(
                    cle=f"{envoi.cle}{SUFFIXE_SMS}",
                    email=telephone,
                    gabarit=envoi.gabarit.replace("/emails/", "/sms/", 1),
                    canal=Envoi.Canal.SMS,
                )
            )
    return repartis


# --- The person's number --------------------------------------------------------------------


def _hash_code(code_id: int, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"telephone:{code_id}:{code}".encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def telephone_code_envoyer(*, user: User, numero: str) -> CodeTelephone:
    """Send a six-digit code by SMS to the mobile number the person typed, to verify it.

    The number is recorded as the person's own, not verified yet (a change of number
    un-verifies it). Three codes per ten minutes and ten a day at most; each code is valid ten
    minutes, five tries, and a new one replaces the previous one."""
    e164 = telephone_e164(numero)
    if not e164:
        raise ValidationError({"numero": NUMERO_NON_MOBILE})
    if not canal_disponible(Envoi.Canal.SMS):
        raise ValidationError("L'envoi de SMS n'est pas disponible pour le moment.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.sms_refuses_le:
        # Decision (docs/sms.md): after a STOP, no text at all until the person asks for them
        # again, explicitly; refused before any limit is counted.
        raise ValidationError(SMS_REFUSES)
    _numero_libre_verifier(user=user, e164=e164)
    maintenant = timezone.now()
    codes = CodeTelephone.objects.filter(user=user)
    limite_du_jour_verifier(
        codes,
        limite=CODES_MAX_PAR_JOUR,
        message="Trop de codes demandés aujourd'hui : réessayez demain.",
    )
    # Across accounts: one number is not texted more for having many accounts after it, and
    # the platform sends a bounded number of codes a day.
    limite_du_jour_verifier(
        CodeTelephone.objects.filter(numero=e164),
        limite=settings.SMS_CODES_PAR_NUMERO_PAR_JOUR,
        message="Trop de codes envoyés à ce numéro aujourd'hui : réessayez demain.",
    )
    limite_du_jour_verifier(
        CodeTelephone.objects.all(),
        limite=settings.SMS_CODES_PAR_JOUR,
        message="Trop de codes envoyés aujourd'hui sur la plateforme : réessayez demain.",
    )
    if codes.filter(created_at__gte=maintenant - dt.timedelta(minutes=10)).count() >= (
        CODES_MAX_PAR_10_MIN
    ):
        raise LimiteAtteinte(
            "Trop de codes demandés : attendez quelques minutes avant d'en demander un nouveau."
        )
    if user.telephone != e164:
        user.telephone, user.telephone_verifie_le = e164, None
        user.save(update_fields=["telephone", "telephone_verifie_le"])
    codes.filter(utilise_le__isnull=True).update(expire_le=maintenant)
    code = f"{secrets.randbelow(1_000_000):06d}"
    demande = CodeTelephone.objects.create(
        user=user,
        numero=e164,
        code_hash="",
        expire_le=maintenant + dt.timedelta(minutes=CodeTelephone.DUREE_MINUTES),
    )
    demande.code_hash = _hash_code(demande.pk, code)
    demande.save(update_fields=["code_hash"])
    # To the number being verified, whatever the person's choices: that is what is checked.
    # The code proves the number is theirs: confidential (never shown to staff).
    texte = sms_verifier(
        rendre_texte(
            "mentorat/sms/code_telephone.txt",
            {"code": code, "minutes": CodeTelephone.DUREE_MINUTES},
        ).strip()
    )
    courriel_ecrire_rendu(
        regle="code_telephone",
        cle=f"code_telephone:{demande.pk}",
        a=e164,
        destinataire=user,
        sujet="Code de vérification de votre numéro",
        texte=texte,
        confidentiel=True,
        canal=Envoi.Canal.SMS,
    )
    return demande


CODE_FAUX = "Ce code n'est pas le bon."
SMS_REFUSES = (
    "Vous avez répondu STOP à un de nos SMS : aucun SMS ne vous est envoyé, pas même un code. "
    "Pour en recevoir de nouveau, choisissez « Recevoir de nouveau les SMS » sur la page "
    "« Mes préférences », puis demandez le code."
)
NUMERO_PRIS = (
    "Ce numéro est déjà vérifié sur d'autres comptes : il ne peut pas l'être sur un de plus. "
    "Écrivez à l'équipe si c'est bien le vôtre."
)


def _numero_libre_verifier(*, user: User, e164: str) -> None:
    """A number is verified on ``SMS_COMPTES_PAR_NUMERO`` accounts at most (a household
    sharing a phone, not one number collecting accounts)."""
    autres = User.objects.filter(telephone=e164, telephone_verifie_le__isnull=False).exclude(
        pk=user.pk
    )
    if autres.count() >= settings.SMS_COMPTES_PAR_NUMERO:
        raise ValidationError({"numero": NUMERO_PRIS})


def telephone_verifier(*, user: User, code: str) -> User:
    """Check the code sent to the person's number; the number is verified once it matches.

    A wrong code counts as a try even though the verification is refused (its own commit)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        demande = (
            CodeTelephone.objects.select_for_update()
            .filter(user=user, utilise_le__isnull=True, numero=user.telephone)
            .order_by("-created_at")
            .first()
        )
        if demande is None or demande.expire_le <= timezone.now():
            raise ValidationError(
                {"code": "Ce code a expiré ou n'existe pas : demandez-en un nouveau."}
            )
        if demande.essais >= CodeTelephone.ESSAIS_MAX:
            raise ValidationError({"code": "Trop d'essais : demandez un nouveau code."})
        bon = hmac.compare_digest(demande.code_hash, _hash_code(demande.pk, (code or "").strip()))
        if bon:
            _numero_libre_verifier(user=user, e164=demande.numero)  # verified meanwhile
            maintenant = timezone.now()
            demande.utilise_le = maintenant
            demande.save(update_fields=["utilise_le"])
            user.telephone_verifie_le = maintenant
            user.save(update_fields=["telephone_verifie_le"])
            return user
    CodeTelephone.objects.filter(pk=demande.pk).update(essais=F("essais") + 1)
    restants = CodeTelephone.ESSAIS_MAX - demande.essais - 1
    raise ValidationError(
        {"code": f"{CODE_FAUX} Il vous reste {restants} essai{'s' if restants > 1 else ''}."}
    )


def telephone_prouve(*, user: User, numero: str) -> bool:
    """A code sent by SMS to ``numero`` came back typed by the person (a referred person's
    claim code): the number is theirs, stored in E.164 and verified, as a code of
    ``telephone_code_envoyer`` would have. Not when it is verified on enough other accounts
    already (then nothing changes). Call it with the user row locked."""
    e164 = telephone_e164(numero)
    if not e164:
        return False
    try:
        _numero_libre_verifier(user=user, e164=e164)
    except ValidationError:
        return False
    user.telephone, user.telephone_verifie_le = e164, timezone.now()
    user.save(update_fields=["telephone", "telephone_verifie_le"])
    return True


def telephone_saisir(user: User, numero: str) -> list[str]:
    """Set the number a form gave (a profile's « téléphone »), not saved: the same number in
    another format keeps its verification, another number loses it. Returns the fields to
    save."""
    numero = (numero or "").strip()
    if user.telephone and telephone_e164(numero) == user.telephone:
        return []
    if numero == user.telephone:
        return []
    user.telephone, user.telephone_verifie_le = numero, None
    return ["telephone", "telephone_verifie_le"]


@transaction.atomic
def telephone_retirer(*, user: User) -> User:
    """The person removes their number: no SMS any more, every kind back to e-mail."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.telephone, user.telephone_verifie_le = "", None
    user.save(update_fields=["telephone", "telephone_verifie_le"])
    CodeTelephone.objects.filter(user=user, utilise_le__isnull=True).update(
        expire_le=timezone.now()
    )
    return user


@transaction.atomic
def canaux_enregistrer(*, user: User, choix: dict[str, str]) -> User:
    """Record the person's channel per kind of message; SMS only where it may go."""
    user = User.objects.select_for_update().get(pk=user.pk)
    joignable = sms_joignable(user)
    canaux = {}
    for genre in Genre.values:
        valeur = choix.get(genre, Choix.EMAIL)
        if valeur not in Choix.values:
            raise ValidationError(f"Choix inconnu pour « {Genre(genre).label} ».")
        if valeur != Choix.EMAIL and not joignable:
            raise ValidationError(
                "Les SMS demandent un numéro de mobile vérifié : vérifiez-le d'abord."
            )
        canaux[genre] = valeur
    user.canaux = canaux
    user.save(update_fields=["canaux"])
    return user


# --- STOP -----------------------------------------------------------------------------------

MOTS_STOP = {"STOP", "STOPSMS", "ARRET", "ARRÊT", "STOP SMS", "DESABONNER", "UNSUBSCRIBE"}


def est_un_stop(texte: str) -> bool:
    """A reply that asks to stop: the word alone (any case, spaces and punctuation around),
    as operators read it (« STOP », « Stop. », « stop sms »)."""
    mots = " ".join("".join(c if c.isalnum() else " " for c in texte or "").upper().split())
    return mots in MOTS_STOP


@transaction.atomic
def sms_refuser(*, numero: str) -> int:
    """A STOP came from ``numero``: every account with that number stops receiving SMS.
    Returns how many accounts (0: a number nobody has, which is not an error)."""
    # Brevo gives « 33612345678 »; a national « 0612345678 » must match too.
    numero = (numero or "").strip()
    e164 = telephone_e164(numero) or telephone_e164(f"+{numero.lstrip('+')}")
    if not e164:
        return 0
    return User.objects.filter(telephone=e164, sms_refuses_le__isnull=True).update(
        sms_refuses_le=timezone.now()
    )


@transaction.atomic
def sms_reprendre(*, user: User) -> User:
    """The person asks for SMS again (their preferences page)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.sms_refuses_le = None
    user.save(update_fields=["sms_refuses_le"])
    return user
