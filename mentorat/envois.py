"""The e-mail outbox: each message is a row with a unique key, claimed then sent, exactly once.

- `envois_creer` writes rows by batches; a key already present is skipped (two beats, a
  rerun), and the count says how many were new.
- `envois_reserver` claims a batch: only rows still due (or claimed long ago by a worker that
  died) are taken, by a conditional UPDATE that writes this claim's token, so two workers never
  take the same row.
- `envois_expedier` sends each claimed row and marks it sent right away (one row, one commit);
  transient errors are retried with an exponential backoff, then recorded as failures.

Both the writing and the claiming have a plain ORM version, and a PostgreSQL one for the day's
reminders at national scale (65,000 rows; ``benchmarks/reminders.py``, target 10 s for writing
and claiming them all): there, the ORM took 19.5 s against 7.1 s, ``bulk_create`` alone 6.7 s
to write the rows that COPY writes in 0.7 s, and reading back each claimed batch 3 s more than
the UPDATE … RETURNING that claims it.

Staff read the rows in the admin. A link that is a credential (an account's activation) is
therefore never written in a row: the rule registers with `contexte_a_l_envoi` a function that
makes it as the row is sent.
"""

import base64
import json
import logging
import secrets
import smtplib
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import timedelta
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .emails import envoyer_email, envoyer_email_rendu, rendre_courriel, rendre_texte
from .models import Envoi
from .travaux import prendre

logger = logging.getLogger(__name__)

REPRISE_APRES = timedelta(minutes=10)
LOT = 200
SALT_DESABONNEMENT = "mentorat.desabonnement"
ERREURS_PASSAGERES = (smtplib.SMTPException, OSError, ConnectionError, TimeoutError)
# A mail server that is down, refuses connections or answers 4xx is waited for: retried at
# +2, +4, +8, +16, +30, +30… minutes, for three days (a long weekend's outage), then recorded
# as a failure that staff can send again. Only a permanent refusal (5xx) fails at once.
ATTENTE_MAX = timedelta(minutes=30)
ABANDON_APRES = timedelta(days=3)


def refus_definitif(exc: Exception) -> bool:
    """Whether the mail server refused the message for good (a 5xx answer, RFC 5321 §4.2.1)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def prochain_essai_apres(tentatives: int) -> timedelta:
    return min(timedelta(minutes=2**tentatives), ATTENTE_MAX)


class NouvelEnvoi(NamedTuple):
    """What a new outbox row says; everything else starts as for any new row (due at once,
    claimed by nobody). Rules write tens of thousands a day: a tuple is built in a fraction of
    the time of a model object (1.5 s for the day's reminders, on the benchmark)."""

    regle: str
    cle: str
    destinataire_id: int | None
    email: str
    sujet: str
    gabarit: str
    contexte: dict
    essentiel: bool = True
    canal: str = Envoi.Canal.EMAIL


def envois_creer(envois: Iterable[NouvelEnvoi], *, taille_lot: int = 5000) -> int:
    """Write the rows whose key is new, by batches; returns how many were new.

    A row without an address (an account a counsellor created, not yet claimed: see
    partenaires.orientations) is skipped, as ``courriel_ecrire_rendu`` does: it has nowhere
    to go, and one such row would make the whole batch fail."""
    envois = (ligne for ligne in envois if ligne.email)
    ajoutes = 0
    while lot := list(islice(envois, taille_lot)):
        ajoutes += _creer_pg(lot) if connection.vendor == "postgresql" else _creer(lot)
    return ajoutes


def _creer(lot: list[NouvelEnvoi]) -> int:
    presents = set(
        Envoi.objects.filter(cle__in=[ligne.cle for ligne in lot])
        .order_by()
        .values_list("cle", flat=True)
    )
    nouveaux = {}
    for ligne in lot:
        if ligne.cle not in presents:
            nouveaux.setdefault(ligne.cle, Envoi(**ligne._asdict()))
    # The unique key still drops a row that a concurrent run wrote meanwhile.
    Envoi.objects.bulk_create(nouveaux.values(), ignore_conflicts=True)
    return len(nouveaux)


# PostgreSQL: the batch is copied (COPY) into a session table, then moved into the outbox by
# one INSERT that skips the keys already present; its row count is what was added.
_TAMPON_PG = """
    CREATE TEMPORARY TABLE IF NOT EXISTS envois_nouveaux (regle text, cle text,
        destinataire_id bigint, email text, sujet text, gabarit text, contexte jsonb,
        essentiel boolean, canal text) ON COMMIT DELETE ROWS
"""
_VERSER_PG = """
    INSERT INTO mentorat_envoi (regle, cle, destinataire_id, email, sujet, gabarit, contexte,
        essentiel, statut, tentatives, prochain_essai, reserve_par, erreur, cree_le,
        texte, html, pieces_jointes, confidentiel, refus_definitif, repondre_a, canal)
    SELECT regle, cle, destinataire_id, email, sujet, gabarit, contexte, essentiel,
        %(statut)s, 0, %(maintenant)s, '', '', %(maintenant)s, '', '', '[]', false, false, '',
        canal
    FROM envois_nouveaux
    ON CONFLICT (cle) DO NOTHING
"""


def _creer_pg(lot: list[NouvelEnvoi]) -> int:
    params = {"statut": Envoi.Statut.A_ENVOYER.value, "maintenant": timezone.now()}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_TAMPON_PG)
        cursor.execute("TRUNCATE envois_nouveaux")
        with cursor.copy("COPY envois_nouveaux FROM STDIN") as copie:
            for ligne in lot:
                copie.write_row(ligne._replace(contexte=json.dumps(ligne.contexte)))
        cursor.execute(_VERSER_PG, params)
        return cursor.rowcount


# Sending reads neither the dates of a claimed row nor anything of its recipient but whether
# they accept non-essential reminders (``relances_acceptees``, None without an account), since
# when they refuse text messages (``sms_refuses``, a STOP reply) and their number now
# (``telephone_actuel``, ``telephone_verifie``: a text queued for an old number stays there).
_DATES = ("prochain_essai", "reserve_le", "envoye_le", "created_at")
_CHAMPS_LUS = [champ for champ in Envoi._meta.concrete_fields if champ.attname not in _DATES]


def envois_reserver(*, lot: int = LOT, maintenant=None) -> tuple[str, list[Envoi]]:
    """Claim up to ``lot`` due rows for this worker; returns the claim's token and the rows.

    Rows still due come first, then rows claimed long ago by a worker that died. Call it in a
    transaction: the rows picked are locked until the claim commits, and rows another claimer
    holds are skipped (PostgreSQL). The rows' dates are read only if asked for.
    """
    maintenant = maintenant or timezone.now()
    jeton = secrets.token_hex(16)
    dus = Q(statut=Envoi.Statut.A_ENVOYER, prochain_essai__lte=maintenant)
    abandonnes = Q(statut=Envoi.Statut.EN_COURS, reserve_le__lt=maintenant - REPRISE_APRES)
    pris = []
    for condition, sql in ((dus, _DUS_PG), (abandonnes, _ABANDONNES_PG)):
        if len(pris) < lot:
            if connection.vendor == "postgresql":
                pris += _reserver_pg(sql, jeton, maintenant, lot - len(pris))
            else:
                pris += _reserver(condition, jeton, maintenant, lot - len(pris))
    return jeton, sorted(pris, key=lambda envoi: envoi.pk)


def _reserver(condition: Q, jeton: str, maintenant, lot: int) -> list[Envoi]:
    candidats = (
        Envoi.objects.filter(condition)
        .order_by("prochain_essai")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:lot]
    )
    a_moi = prendre(
        Envoi.objects.filter(pk__in=list(candidats)),
        libres=condition,
        jeton={"statut": Envoi.Statut.EN_COURS, "reserve_par": jeton},
        reserve_le=maintenant,
    )
    if a_moi is None:
        return []
    return list(
        a_moi.only(*(champ.name for champ in _CHAMPS_LUS)).annotate(
            relances_acceptees=F("destinataire__relances_non_essentielles"),
            sms_refuses=F("destinataire__sms_refuses_le"),
            telephone_actuel=F("destinataire__telephone"),
            telephone_verifie=F("destinataire__telephone_verifie_le"),
        )
    )


# PostgreSQL: the same claim in one statement. The ids are taken first (ARRAY keeps the UPDATE
# on the primary key even when the statistics lag behind a day's new rows, instead of a join
# over the whole outbox); the claimed rows come back from the UPDATE itself, with their
# recipient's preference, and raw() makes them model objects (the columns not returned are
# deferred).
_RESERVER_PG = """
    WITH pris AS (
        UPDATE mentorat_envoi SET statut = 'en_cours', reserve_le = %(maintenant)s,
            reserve_par = %(jeton)s
        WHERE id = ANY(ARRAY(
            SELECT id FROM mentorat_envoi WHERE {condition}
            ORDER BY prochain_essai LIMIT %(lot)s FOR UPDATE SKIP LOCKED
        ))
        RETURNING {colonnes}
    )
    SELECT pris.*, u.relances_non_essentielles AS relances_acceptees,
        u.sms_refuses_le AS sms_refuses, u.telephone AS telephone_actuel,
        u.telephone_verifie_le AS telephone_verifie FROM pris
    LEFT JOIN mentorat_user u ON u.id = pris.destinataire_id
"""
_DUS_PG = "statut = 'a_envoyer' AND prochain_essai <= %(maintenant)s"
_ABANDONNES_PG = "statut = 'en_cours' AND reserve_le < %(limite)s"


def _reserver_pg(condition: str, jeton: str, maintenant, lot: int) -> list[Envoi]:
    sql = _RESERVER_PG.format(
        condition=condition, colonnes=", ".join(champ.column for champ in _CHAMPS_LUS)
    )
    params = {
        "maintenant": maintenant,
        "limite": maintenant - REPRISE_APRES,
        "jeton": jeton,
        "lot": lot,
    }
    return list(Envoi.objects.raw(sql, params))


def lien_desabonnement(user_id: int) -> str:
    jeton = signing.dumps({"u": user_id}, salt=SALT_DESABONNEMENT)
    return f"{settings.SITE_URL}{reverse('desabonnement', kwargs={'jeton': jeton})}"


def _entetes(envoi: Envoi) -> dict:
    domaine = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "mentorat"
    entetes = {"Message-ID": f"<{envoi.cle.replace(':', '.')}@{domaine}>"}
    if not envoi.essentiel and envoi.destinataire_id:
        entetes["List-Unsubscribe"] = f"<{lien_desabonnement(envoi.destinataire_id)}>"
        entetes["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if envoi.repondre_a:
        entetes["Reply-To"] = envoi.repondre_a
    return entetes


# The outbox run: every five minutes (beat), and right after a commit that wrote e-mails to send
# at once. Its task lives with the reminders, the outbox's first users; this layer names it.
TACHE_EXPEDITION = "parrainages.expedier_envois"


def expedier_apres_commit() -> None:
    """Send the outbox right after the commit; with the broker down, the rows wait for the
    five-minute run (the request does not fail).

    ``ENVOIS_IMMEDIATS`` (set by the test suite only, see conftest.py) sends at once instead,
    inside the transaction, as an eager task would."""
    if getattr(settings, "ENVOIS_IMMEDIATS", False):
        envois_expedier()
        return
    transaction.on_commit(_expedier, robust=True)


def _expedier() -> None:
    from .celery import app

    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    app.tasks[TACHE_EXPEDITION].delay()


def courriel_ecrire(
    *,
    regle: str,
    cle: str,
    a: str,
    sujet: str,
    gabarit: str,
    contexte: dict,
    destinataire=None,
    essentiel: bool = True,
    confidentiel: bool = False,
    pieces_jointes: list[dict] = (),
    canal: str = Envoi.Canal.EMAIL,
    repondre_a: str = "",
) -> bool:
    """Write one message into the outbox, in the caller's transaction, rendered now (the
    objects of ``contexte`` are read as they are); a worker sends it right after the commit,
    or the five-minute run should that signal be lost. Nothing here talks to a mail server:
    a request never waits on one, nor fails because of one.

    ``cle`` names the message (rule, object, recipient…): a second write with the same key is
    ignored and returns False. ``pieces_jointes``: ``{"nom", "type", "contenu"}`` (bytes) or
    ``{"nom", "type", "fichier"}`` (a path in private storage, read when sending).
    ``confidentiel``: the message carries a code or an access link; staff never see its
    content in the admin, and it is emptied once sent. ``repondre_a``: the address replies
    go to (``Reply-To``), for a message that invites an answer — the sender reads none.
    """
    if not a:
        return courriel_ecrire_rendu(regle=regle, cle=cle, a=a, sujet=sujet, texte="")
    texte, html = rendre_courriel(gabarit, contexte)
    return courriel_ecrire_rendu(
        regle=regle,
        cle=cle,
        a=a,
        sujet=sujet,
        texte=texte,
        html=html,
        gabarit=gabarit,
        destinataire=destinataire,
        essentiel=essentiel,
        confidentiel=confidentiel,
        pieces_jointes=pieces_jointes,
        canal=canal,
        repondre_a=repondre_a,
    )


def courriel_ecrire_rendu(
    *,
    regle: str,
    cle: str,
    a: str,
    sujet: str,
    texte: str,
    html: str = "",
    gabarit: str = "",
    contexte: dict | None = None,
    destinataire=None,
    essentiel: bool = True,
    confidentiel: bool = False,
    pieces_jointes: list[dict] = (),
    canal: str = Envoi.Canal.EMAIL,
    repondre_a: str = "",
) -> bool:
    """``courriel_ecrire`` for a message already rendered (account e-mails of allauth).

    No address (an account a counsellor created for a person who has none yet, see
    partenaires.orientations): nothing is written, and False is returned — the message has
    nowhere to go, and the row would only fail."""
    if not a:
        logger.info("Envoi %s sans adresse : non écrit.", cle)
        return False
    jointes = [
        {
            "nom": p["nom"],
            "type": p["type"],
            **(
                {"fichier": p["fichier"]}
                if "fichier" in p
                else {"contenu": base64.b64encode(p["contenu"]).decode("ascii")}
            ),
        }
        for p in pieces_jointes
    ]
    with transaction.atomic():
        _envoi, cree = Envoi.objects.get_or_create(
            cle=cle[:200],
            defaults={
                "regle": regle,
                "destinataire": destinataire,
                "email": a,
                "sujet": sujet[:250],
                "gabarit": gabarit,
                "texte": texte,
                "html": html,
                "contexte": contexte or {},
                "pieces_jointes": jointes,
                "essentiel": essentiel,
                "confidentiel": confidentiel,
                "canal": canal,
                "repondre_a": repondre_a,
            },
        )
    if cree:
        expedier_apres_commit()
    return cree


def _pieces_jointes(envoi: Envoi) -> list[tuple[str, bytes, str]]:
    from django.core.files.storage import storages

    jointes = []
    for p in envoi.pieces_jointes:
        if "fichier" in p:
            try:
                with storages["private"].open(p["fichier"], "rb") as fichier:
                    contenu = fichier.read()
            except FileNotFoundError:
                raise EnvoiSansObjet(
                    f"La pièce jointe {p['nom']} n'existe plus (document effacé)."
                ) from None
        else:
            contenu = base64.b64decode(p["contenu"])
        jointes.append((p["nom"], contenu, p["type"]))
    return jointes


VIDE = {"texte": "", "html": "", "contexte": {}, "pieces_jointes": []}


def _vider_si_confidentiel(envoi: Envoi) -> dict:
    """Emptied for good: neither the text nor what to render it from is left; with no account
    to tie it to (an erased person's last notice), not even the address."""
    if not envoi.confidentiel:
        return {}
    return {**VIDE, "gabarit": "", **({} if envoi.destinataire_id else {"email": ""})}


class EnvoiSansObjet(Exception):
    """Raised at sending time when an e-mail has no reason to go any more; the message says
    why (the row is cancelled with it)."""


# Rule → function(key, sent_at) run once its e-mail is accepted by the mail server: an upper
# layer records there that a person was actually told (a proposal's mentor, say), since what
# depends on it must not proceed on a message still waiting in the outbox.
_APRES_ENVOI: dict[str, Callable[[str, object], None]] = {}


def apres_envoi(regle: str, fonction: Callable[[str, object], None]) -> None:
    _APRES_ENVOI[regle] = fonction


# Rule → function of the row returning what its e-mail adds at sending time.
_CONTEXTES_A_L_ENVOI: dict[str, Callable[[Envoi], dict]] = {}


def contexte_a_l_envoi(regle: str, fonction: Callable[[Envoi], dict]) -> None:
    """Register what the e-mails of ``regle`` add to their row's context as they are sent
    (``fonction`` may raise `EnvoiSansObjet`)."""
    _CONTEXTES_A_L_ENVOI[regle] = fonction


def _expedier_email(envoi: Envoi, contexte: dict, jointes: list) -> None:
    if envoi.texte:
        envoyer_email_rendu(
            a=envoi.email,
            sujet=envoi.sujet,
            texte=envoi.texte,
            html=envoi.html,
            pieces_jointes=jointes,
            entetes=_entetes(envoi),
        )
    else:
        envoyer_email(
            a=envoi.email,
            sujet=envoi.sujet,
            gabarit=envoi.gabarit,
            contexte=contexte,
            entetes=_entetes(envoi),
        )


# Channel → its sender: ``fonction(envoi, contexte, pieces_jointes)`` hands the message to the
# provider and returns, or raises one of ERREURS_PASSAGERES (a transient failure, retried; an
# exception with an ``smtp_code`` of 5xx, or EnvoiRefuse, is a permanent refusal). Claiming,
# retries, confidentiality and exactly-once are the queue's, whatever the channel.
def sms_texte(envoi: Envoi, contexte: dict) -> str:
    """The text of an SMS row: written with it (``courriel_ecrire_rendu``), or rendered now
    from its template (``<gabarit>.txt``, the reminders written in bulk), where ``lien_court``
    is the short form of the context's ``lien`` (mentorat.liens)."""
    if envoi.texte:
        return envoi.texte
    from .gsm7 import septets, tient_en_un_sms
    from .liens import lien_court

    if contexte.get("lien"):
        contexte = {**contexte, "lien_court": lien_court(url=contexte["lien"], cle=envoi.cle)}
    try:
        texte = rendre_texte(f"{envoi.gabarit}.txt", contexte).strip()
    except Exception as exc:  # one row that cannot be rendered fails alone, not the run
        logger.exception("SMS %s : texte impossible à rendre", envoi.pk)
        raise EnvoiRefuse(f"Texte du SMS impossible à rendre : {exc}") from exc
    if not tient_en_un_sms(texte):
        logger.error("SMS %s trop long : %s", envoi.pk, texte)
        raise EnvoiRefuse(
            f"Texte du SMS trop long ou hors de l'alphabet GSM-7 ({septets(texte)} septets, "
            "160 au plus) : le gabarit est à raccourcir."
        )
    return texte


def _expedier_sms_console(envoi: Envoi, contexte: dict, jointes: list) -> None:
    """Text messages while no SMS provider is wired (issue #19): written to the standard
    output, as Django's console e-mail backend does. Only in development (``DEBUG``) or when
    ``SMS_CONSOLE=1`` says so: a text message holds a claim code, which must never reach the
    logs of a production server. A provider registers its own sender with
    ``canal_enregistrer(Envoi.Canal.SMS, …)``, which takes precedence."""
    import sys

    sys.stdout.write(f"SMS pour {envoi.email} :\n{sms_texte(envoi, contexte)}\n")


# Channel → (sender, whether it is configured now, or None: always).
_CANAUX: dict[str, tuple[Callable[[Envoi, dict, list], None], Callable[[], bool] | None]] = {
    Envoi.Canal.EMAIL: (_expedier_email, None),
}


def _expediteur(canal: str) -> Callable[[Envoi, dict, list], None] | None:
    """The sender of a channel: the one registered while it is configured (the provider's
    credentials are in the environment), else for text messages the console one in
    development only (read at each call: the settings decide, not the import order)."""
    if canal in _CANAUX:
        fonction, disponible = _CANAUX[canal]
        if disponible is None or disponible():
            return fonction
    if canal == Envoi.Canal.SMS and (settings.DEBUG or getattr(settings, "SMS_CONSOLE", False)):
        return _expedier_sms_console
    return None


def canal_disponible(canal: str) -> bool:
    """Whether messages of this channel can be sent (the pages offer it only then)."""
    return _expediteur(canal) is not None


def canal_enregistrer(
    canal: str,
    fonction: Callable[[Envoi, dict, list], None],
    *,
    disponible: Callable[[], bool] | None = None,
) -> None:
    """Register the sender of a channel; ``disponible()`` says whether it is configured now
    (without it, the channel falls back as if none were registered)."""
    _CANAUX[canal] = (fonction, disponible)


class EnvoiRefuse(ConnectionError):
    """A provider's permanent refusal (no such number, say): the row fails at once."""

    smtp_code = 550


class NumeroInvalide(EnvoiRefuse):
    """The provider refuses the number itself: it is no longer taken as verified."""


# Rules whose text goes to a number being proven (its verification code, a referred person's
# claim code, to the number the counsellor typed): sent to it, verified or not, whatever the
# account's own number.
REGLES_NUMERO_A_PROUVER = {"code_telephone", "code_reclamation"}


def _sms_sans_objet(envoi: Envoi) -> str:
    """Why a queued text must not go to its number any more ("" when it may)."""
    if envoi.canal != Envoi.Canal.SMS or not envoi.destinataire_id:
        return ""
    if getattr(envoi, "sms_refuses", None):
        return "La personne a refusé les SMS (réponse STOP)."
    if envoi.regle in REGLES_NUMERO_A_PROUVER:
        return ""
    if getattr(envoi, "telephone_actuel", envoi.email) != envoi.email:
        return "La personne a changé ou retiré son numéro depuis l'écriture du SMS."
    if not getattr(envoi, "telephone_verifie", True):
        return "Le numéro de la personne n'est plus vérifié."
    return ""


def _sms_refuse(envoi: Envoi, exc: Exception) -> None:
    """A text refused for good: its number loses its verification when the provider refuses
    the number itself; the message goes by e-mail where it can."""
    from .models import User

    if isinstance(exc, NumeroInvalide) and envoi.destinataire_id:
        User.objects.filter(pk=envoi.destinataire_id, telephone=envoi.email).update(
            telephone_verifie_le=None
        )
    _repli_email(envoi)


def _repli_email(envoi: Envoi) -> None:
    """A text refused for good goes by e-mail when the person has an address and was not
    written to by e-mail already (the message's base key)."""
    from .models import User

    if not envoi.destinataire_id or not envoi.cle.endswith(":sms"):
        return
    email = User.objects.filter(pk=envoi.destinataire_id).values_list("email", flat=True).first()
    cle = envoi.cle.removesuffix(":sms")
    if not email or Envoi.objects.filter(cle=cle).exists():
        return
    repli = (envoi.contexte or {}).get("repli")
    if repli:
        Envoi.objects.get_or_create(
            cle=cle,
            defaults={
                "regle": envoi.regle,
                "destinataire_id": envoi.destinataire_id,
                "email": email,
                "sujet": repli["sujet"][:250],
                "texte": repli["texte"],
                "html": repli["html"],
                "essentiel": envoi.essentiel,
                "confidentiel": envoi.confidentiel,
            },
        )
    elif "/sms/" in envoi.gabarit:
        envois_creer(
            [
                NouvelEnvoi(
                    regle=envoi.regle,
                    cle=cle,
                    destinataire_id=envoi.destinataire_id,
                    email=email,
                    sujet=envoi.sujet,
                    gabarit=envoi.gabarit.replace("/sms/", "/emails/", 1),
                    contexte=envoi.contexte,
                    essentiel=envoi.essentiel,
                )
            ]
        )
    else:
        return
    logger.info("Envoi %s refusé par SMS : écrit par e-mail (%s).", envoi.pk, cle)


def envoi_expedier(envoi: Envoi, jeton: str, *, maintenant=None) -> str:
    """Send one row as `envois_reserver` claimed it; returns "envoye", "annule", "reessai",
    "echec" or "perdu"."""
    mine = Envoi.objects.filter(pk=envoi.pk, reserve_par=jeton, statut=Envoi.Statut.EN_COURS)
    if not mine.exists():
        # Taken over by another worker after our claim expired: not ours to send any more.
        return "perdu"
    if not envoi.essentiel and envoi.destinataire_id and not envoi.relances_acceptees:
        mine.update(statut=Envoi.Statut.ANNULE, **_vider_si_confidentiel(envoi))
        return "annule"
    if raison := _sms_sans_objet(envoi):
        # A STOP reply, or another number now: not one more text message to this one.
        mine.update(statut=Envoi.Statut.ANNULE, erreur=raison, **_vider_si_confidentiel(envoi))
        return "annule"
    contexte = {**envoi.contexte}
    if envoi.regle in _CONTEXTES_A_L_ENVOI:
        try:
            contexte.update(_CONTEXTES_A_L_ENVOI[envoi.regle](envoi))
        except EnvoiSansObjet as exc:
            mine.update(
                statut=Envoi.Statut.ANNULE, erreur=str(exc), **_vider_si_confidentiel(envoi)
            )
            return "annule"
    if not envoi.essentiel and envoi.destinataire_id:
        contexte["lien_desabonnement"] = lien_desabonnement(envoi.destinataire_id)
    try:
        jointes = _pieces_jointes(envoi)
    except EnvoiSansObjet as exc:
        mine.update(statut=Envoi.Statut.ANNULE, erreur=str(exc), **_vider_si_confidentiel(envoi))
        return "annule"
    expedier = _expediteur(envoi.canal)
    if expedier is None:
        mine.update(
            statut=Envoi.Statut.ECHEC,
            erreur=f"Aucun expéditeur configuré pour le canal « {envoi.canal} ».",
            **_vider_si_confidentiel(envoi),
        )
        return "echec"
    try:
        expedier(envoi, contexte, jointes)
    except EnvoiSansObjet as exc:
        mine.update(statut=Envoi.Statut.ANNULE, erreur=str(exc), **_vider_si_confidentiel(envoi))
        return "annule"
    except ERREURS_PASSAGERES as exc:
        maintenant = maintenant or timezone.now()
        tentatives = envoi.tentatives + 1
        definitif = refus_definitif(exc)
        if definitif or maintenant - envoi.created_at >= ABANDON_APRES:
            if envoi.canal == Envoi.Canal.SMS and definitif:
                _sms_refuse(envoi, exc)
            mine.update(
                statut=Envoi.Statut.ECHEC,
                tentatives=tentatives,
                erreur=str(exc)[:2000],
                refus_definitif=definitif,
                **_vider_si_confidentiel(envoi),
            )
            logger.error("Envoi %s abandonné après %s tentatives : %s", envoi.pk, tentatives, exc)
            return "echec"
        mine.update(
            statut=Envoi.Statut.A_ENVOYER,
            tentatives=tentatives,
            prochain_essai=maintenant + prochain_essai_apres(tentatives),
            erreur=str(exc)[:2000],
            reserve_par="",
        )
        return "reessai"
    envoye_le = timezone.now()
    # A text gone needs its e-mail version (kept in case of a refusal) no more.
    repli_inutile = {"contexte": {}} if envoi.canal == Envoi.Canal.SMS and envoi.texte else {}
    mine.update(
        statut=Envoi.Statut.ENVOYE,
        envoye_le=envoye_le,
        erreur="",
        **{**repli_inutile, **_vider_si_confidentiel(envoi)},
    )
    if envoi.regle in _APRES_ENVOI:
        try:
            _APRES_ENVOI[envoi.regle](envoi.cle, envoye_le)
        except Exception:  # the e-mail is gone: what it records is retried by no one, log it
            logger.exception("Envoi %s : suite de l'envoi en échec", envoi.pk)
    return "envoye"


SMS_DIFFERES_DE = timedelta(minutes=2)


def envois_expedier(*, lot: int = LOT, lots_max: int = 50) -> Counter:
    """Claim and send batches until nothing is due (or ``lots_max`` batches).

    Circuit breaker: after the first transient failure of a text message in a run, the other
    text messages claimed are put back for later (``SMS_DIFFERES_DE``) without calling the
    provider. A provider that hangs would otherwise cost its timeout per row, in sequence:
    the batch could outlive ``REPRISE_APRES`` (and be claimed again by another worker) and the
    e-mails behind it (codes valid ten minutes) would wait."""
    bilan = Counter()
    sms_en_panne = False
    for _ in range(lots_max):
        with transaction.atomic():
            jeton, envois = envois_reserver(lot=lot)
        if not envois:
            break
        for envoi in envois:
            if sms_en_panne and envoi.canal == Envoi.Canal.SMS:
                bilan["differe"] += _differer([envoi], jeton)
                continue
            resultat = envoi_expedier(envoi, jeton)
            bilan[resultat] += 1
            if envoi.canal == Envoi.Canal.SMS and resultat == "reessai":
                sms_en_panne = True
    return bilan


def _differer(envois: list[Envoi], jeton: str) -> int:
    return Envoi.objects.filter(
        pk__in=[envoi.pk for envoi in envois], reserve_par=jeton, statut=Envoi.Statut.EN_COURS
    ).update(
        statut=Envoi.Statut.A_ENVOYER,
        prochain_essai=timezone.now() + SMS_DIFFERES_DE,
        reserve_par="",
    )


def envois_anonymiser(*, destinataire) -> int:
    """Empty the outbox rows addressed to a person whose account goes; cancel those not sent.

    The keys, subjects and dates stay: nothing is sent twice, and the record of what was sent
    (a retention warning, say) outlives the address.
    """
    lignes = Envoi.objects.filter(destinataire=destinataire)
    _annuler(lignes)
    return lignes.update(email="", **VIDE)


def envois_sans_compte_anonymiser(*, cles: Iterable[str], adresses: Iterable[str]) -> int:
    """Rows written to people without an account (a minor's legal guardians) when the person
    they are about is erased: found by their exact keys, and among the rows still to send by
    their addresses. Those not sent are cancelled; every one loses its address and content
    (key, subject and dates stay)."""
    cles, adresses = list(cles), [a for a in adresses if a]
    condition = Q(cle__in=cles)
    if adresses:
        condition |= Q(
            statut__in=[Envoi.Statut.A_ENVOYER, Envoi.Statut.EN_COURS], email__in=adresses
        )
    lignes = Envoi.objects.filter(
        pk__in=list(Envoi.objects.filter(condition).values_list("pk", flat=True))
    )
    _annuler(lignes)
    return lignes.update(email="", **VIDE)


def envois_effacer(*, ids: Iterable[int]) -> int:
    """Rows addressed to someone else that may name a person whose account goes (a reminder
    of tomorrow's meeting to their mentor): those not sent yet are cancelled, every one loses
    its content (the context and a text rendered when written). The recipient's address, the
    key, subject and dates stay."""
    lignes = Envoi.objects.filter(pk__in=list(ids))
    _annuler(lignes)
    return lignes.update(contexte={}, texte="", html="")


def _annuler(lignes) -> None:
    """Cancel the rows not sent yet; a worker that claimed one finds it no longer its own."""
    lignes.filter(statut__in=[Envoi.Statut.A_ENVOYER, Envoi.Statut.EN_COURS]).update(
        statut=Envoi.Statut.ANNULE_EFFACEMENT, reserve_par=""
    )


def envois_purger(*, avant, lot: int = 5000, dry_run: bool = False) -> int:
    """Empty the address and content of rows settled before ``avant`` (keys and dates stay)."""
    vieux = Envoi.objects.filter(
        created_at__lt=avant,
        statut__in=[
            Envoi.Statut.ENVOYE,
            Envoi.Statut.ECHEC,
            Envoi.Statut.ANNULE,
            Envoi.Statut.ANNULE_EFFACEMENT,
        ],
    ).exclude(email="")
    if dry_run:
        return vieux.count()
    total = 0
    while ids := list(vieux.order_by("pk").values_list("pk", flat=True)[:lot]):
        total += Envoi.objects.filter(pk__in=ids).update(email="", **VIDE)
    return total


def desabonner(jeton: str):
    """One-click unsubscribe from non-essential reminders; returns the user or None."""
    from .models import User

    try:
        data = signing.loads(jeton, salt=SALT_DESABONNEMENT, max_age=365 * 24 * 3600)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u")).first()
    if user is not None and user.relances_non_essentielles:
        user.relances_non_essentielles = False
        user.save(update_fields=["relances_non_essentielles"])
    return user
