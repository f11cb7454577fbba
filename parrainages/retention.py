"""Data retention (GDPR): warn inactive people, anonymise them after the notice, delete the
accounts never verified; erase referrals never taken up, expired sessions and the addresses of
old outbox rows. Run daily by ``parrainages.appliquer_retention`` and by hand with
``manage.py appliquer_retention [--dry-run]``. The periods and their reasons:
``docs/registre-des-traitements.md``.

Who: every account except staff (``is_staff`` or ``is_superuser``: never automatically) and
those an app above this one keeps out through its extension (``parrainages.extensions``;
partenaires: the active members of an active partner, whose access follows the partnership;
once staff end the membership, the general rule applies).

Inactive since a day: no trace of the person after that day (``TRACES``): login, sign-up,
profile, applications and the decisions on them, answers to and ends of pairs, held meetings,
recorded outcomes, event registrations and attendance, events organised, signatures of any
document. Each trace is a ``NOT EXISTS`` over the whole population: no query per person. The last
activity day of a batch is then read with one grouped query per trace.

Never anonymised, whatever the dates: a person in an open pair (proposition, waiting for the
mentor, active) or with a pending application (filed, under review, or selected with no pair
formed yet) in a programme that is not closed.

The cycle, with D = ``RETENTION_INACTIVITE_JOURS`` and W = ``RETENTION_PREAVIS_JOURS``:

- inactive for D − W days: a warning e-mail through the outbox, keyed on the person and their
  last activity day, so once per inactivity period whatever the number of runs;
- inactive for D days and the warning of this period sent W days ago or more (or given up by
  the outbox after its retries): the person is anonymised by the account erasure
  (``parrainages.services.effacement.compte_effacer``, the same as for a deletion asked by
  the person), which keeps the anonymous records the statistics count;
- any activity in between (a login is enough) moves the last activity day: the person is no
  longer inactive, and the next period's warning has a new key.

Accounts never verified (no verified address, never logged in, and either a sign-up started
with allauth or a mentor invitation never taken up) are deleted once ``RETENTION_NON_VERIFIE_JOURS``
days old, without e-mail: the address was never proven to be theirs.

The apps above add their own clean-ups to the run through their extensions (partenaires:
referrals never taken up, ``invitations_effacees``).

Each anonymisation takes the person's row lock and checks the rules again for that one person
(a login at that very moment wins), in its own transaction. Batches, keyset-paginated; at most
``PAR_PASSAGE`` people anonymised or deleted per run; running twice changes nothing more.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from mentorat.audit import journal_purger
from mentorat.envois import NouvelEnvoi, envois_creer, envois_purger
from mentorat.horaires import debut_du_jour
from mentorat.liens import liens_courts_purger
from mentorat.models import Envoi, Partie, User
from programmes.models import Evenement, Inscription, Programme

from .extensions import extensions
from .models import Candidature, Filleul, Parrain, Parrainage, Rencontre, Sortie

logger = logging.getLogger(__name__)

REGLE = "retention_avertissement"
GABARIT = "parrainages/emails/retention_avertissement"
LOT = 500
PAR_PASSAGE = 5000


@dataclass(frozen=True)
class Trace:
    """A dated trace of a person: ``personne`` leads from ``modele`` to the user."""

    modele: type[models.Model]
    personne: str
    champ: str
    filtre: Q = field(default_factory=Q)
    jour: bool = False  # a DateField (else a DateTimeField)


TRACES = (
    Trace(Filleul, "user", "created_at"),
    Trace(Filleul, "user", "consentement_le"),
    Trace(Parrain, "user", "created_at"),
    Trace(Parrain, "user", "valide_le"),
    Trace(Candidature, "filleul__user", "created_at"),
    Trace(Candidature, "filleul__user", "decidee_le"),
    Trace(Parrainage, "filleul__user", "repondu_le"),
    Trace(Parrainage, "parrain__user", "repondu_le"),
    Trace(Parrainage, "filleul__user", "date_fin", jour=True),
    Trace(Parrainage, "parrain__user", "date_fin", jour=True),
    Trace(Rencontre, "parrainage__filleul__user", "debut", Q(statut=Rencontre.Statut.TENUE)),
    Trace(Rencontre, "parrainage__parrain__user", "debut", Q(statut=Rencontre.Statut.TENUE)),
    Trace(Sortie, "parrainage__filleul__user", "created_at"),
    Trace(Sortie, "parrainage__parrain__user", "created_at"),
    Trace(Sortie, "candidature__filleul__user", "created_at"),
    Trace(Inscription, "filleul__user", "created_at"),
    Trace(
        Inscription,
        "filleul__user",
        "evenement__debut",
        Q(statut=Inscription.Statut.PRESENT),
    ),
    Trace(Evenement, "organisateur__user", "debut", ~Q(statut=Evenement.Statut.ANNULE)),
    Trace(Partie, "user", "signee_le"),
)


@dataclass
class Bilan:
    avertis: int = 0
    anonymises: int = 0
    non_verifies_supprimes: int = 0
    invitations_effacees: int = 0  # partenaires' extension
    envois_purges: int = 0
    liens_courts_purges: int = 0
    sessions_expirees: int = 0
    journal_purge: int = 0
    evaluateurs_anonymises: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# --- Who ----------------------------------------------------------------------------------------


def personnes():
    """Accounts the retention rules apply to: not staff, nor kept out by an app above this one
    (partenaires: active partner members)."""
    qs = User.objects.filter(is_staff=False, is_superuser=False)
    for extension in extensions():
        if (hors_retention := extension.hors_retention()) is not None:
            qs = qs.exclude(hors_retention)
    return qs


def jamais_verifie() -> Q:
    """Never logged in, no verified address, and a sign-up or an invitation left unfinished."""
    adresses = EmailAddress.objects.filter(user=OuterRef("pk"))
    invite = Parrain.objects.filter(user=OuterRef("pk"), statut=Parrain.Statut.INVITE)
    return (
        Q(last_login__isnull=True)
        & ~Q(Exists(adresses.filter(verified=True)))
        & (Q(Exists(adresses)) | Q(Exists(invite)))
    )


def proteges() -> Q:
    """People in an open pair or with a pending application: never anonymised."""
    ouverts = Parrainage.objects.filter(statut__in=Parrainage.STATUTS_OUVERTS)
    forme = Parrainage.objects.filter(
        filleul=OuterRef("filleul"),
        programme=OuterRef("programme"),
        statut__in=Parrainage.STATUTS_FORMES,
    )
    S = Candidature.Statut
    en_attente = Candidature.objects.exclude(programme__statut=Programme.Statut.CLOS).filter(
        Q(statut__in=[S.DEPOSEE, S.EN_ETUDE]) | (Q(statut=S.RETENUE) & ~Q(Exists(forme)))
    )
    return (
        Q(Exists(ouverts.filter(filleul__user=OuterRef("pk"))))
        | Q(Exists(ouverts.filter(parrain__user=OuterRef("pk"))))
        | Q(Exists(en_attente.filter(filleul__user=OuterRef("pk"))))
    )


def inactifs_depuis(qs, jour: dt.date):
    """The people of ``qs`` with no trace after ``jour`` (Paris time)."""
    apres = debut_du_jour(jour + dt.timedelta(days=1))
    qs = qs.filter(date_joined__lt=apres).filter(
        Q(last_login__isnull=True) | Q(last_login__lt=apres)
    )
    for trace in TRACES:
        recente = {f"{trace.champ}__gt": jour} if trace.jour else {f"{trace.champ}__gte": apres}
        traces = trace.modele.objects.filter(
            trace.filtre, **{trace.personne: OuterRef("pk")}, **recente
        )
        qs = qs.exclude(Exists(traces))
    return qs


def a_anonymiser_un_jour():
    """Verified (or once active) people, open to the inactivity rule."""
    return personnes().exclude(jamais_verifie()).exclude(proteges())


def derniere_activite(ids: list[int]) -> dict[int, dt.date]:
    """The last activity day (Paris time) of each person: one query per trace, not per person."""
    jours = {}
    for pk, connexion, inscription in User.objects.filter(pk__in=ids).values_list(
        "pk", "last_login", "date_joined"
    ):
        jours[pk] = max(timezone.localdate(v) for v in (connexion, inscription) if v)
    for trace in TRACES:
        rows = (
            trace.modele.objects.filter(trace.filtre, **{f"{trace.personne}__in": ids})
            .order_by()
            .values_list(trace.personne)
            .annotate(derniere=Max(trace.champ))
        )
        for pk, valeur in rows:
            if valeur is None:
                continue
            jour = valeur if trace.jour else timezone.localdate(valeur)
            jours[pk] = max(jours[pk], jour)
    return jours


def _lots(qs, taille: int) -> Iterator[list[int]]:
    """The primary keys of ``qs``, batch after batch (keyset: rows deleted meanwhile are fine)."""
    dernier = 0
    while ids := list(
        qs.filter(pk__gt=dernier).order_by("pk").values_list("pk", flat=True)[:taille]
    ):
        yield ids
        dernier = ids[-1]


def _cle(user_id: int, derniere: dt.date) -> str:
    return f"{REGLE}:{user_id}:{derniere.isoformat()}"


def duree_lisible(jours: int) -> str:
    if jours % 365 == 0:
        ans = jours // 365
        return f"{ans} an" if ans == 1 else f"{ans} ans"
    return f"{jours} jours"


# --- The rules ----------------------------------------------------------------------------------


def avertissements(maintenant, *, lot: int = LOT) -> Iterator[list[NouvelEnvoi]]:
    """Warnings (new outbox rows) for people inactive for D − W days, batch by batch."""
    inactivite = settings.RETENTION_INACTIVITE_JOURS
    preavis = settings.RETENTION_PREAVIS_JOURS
    aujourd_hui = timezone.localdate(maintenant)
    cibles = inactifs_depuis(
        a_anonymiser_un_jour(), aujourd_hui - dt.timedelta(days=inactivite - preavis)
    )
    lien = f"{settings.SITE_URL}{reverse('account_login')}"
    for ids in _lots(cibles, lot):
        dernieres = derniere_activite(ids)
        envois = []
        for pk, email, prenom, filleul in User.objects.filter(pk__in=ids).values_list(
            "pk", "email", "first_name", "filleul"
        ):
            derniere = dernieres[pk]
            anonymisation = max(
                derniere + dt.timedelta(days=inactivite),
                aujourd_hui + dt.timedelta(days=preavis),
            )
            envois.append(
                NouvelEnvoi(
                    regle=REGLE,
                    cle=_cle(pk, derniere),
                    destinataire_id=pk,
                    email=email,
                    sujet="Sans nouvelles de votre part, votre compte sera anonymisé",
                    gabarit=GABARIT,
                    essentiel=True,
                    contexte={
                        "prenom": prenom,
                        "derniere_activite": f"{derniere:%d/%m/%Y}",
                        "duree": duree_lisible(inactivite),
                        "date_anonymisation": f"{anonymisation:%d/%m/%Y}",
                        "lien": lien,
                        "espace_filleul": filleul is not None,
                    },
                )
            )
        yield envois


def a_anonymiser(maintenant, *, lot: int = LOT) -> Iterator[list[int]]:
    """People inactive for D days whose warning for this period went out W days ago or more."""
    aujourd_hui = timezone.localdate(maintenant)
    cibles = inactifs_depuis(
        a_anonymiser_un_jour(),
        aujourd_hui - dt.timedelta(days=settings.RETENTION_INACTIVITE_JOURS),
    )
    avant = debut_du_jour(aujourd_hui - dt.timedelta(days=settings.RETENTION_PREAVIS_JOURS - 1))
    for ids in _lots(cibles, lot):
        cles = {_cle(pk, jour): pk for pk, jour in derniere_activite(ids).items()}
        # Only a warning the mail server accepted counts; a message still retried (the server
        # down) does not. A permanent refusal of the address (5xx: it does not exist) counts:
        # the person cannot be told by e-mail at all, and keeping their data for ever because
        # of it would break the retention rule (docs/registre-des-traitements.md).
        avertis = Envoi.objects.filter(cle__in=list(cles)).filter(
            Q(statut=Envoi.Statut.ENVOYE, envoye_le__lt=avant)
            | Q(statut=Envoi.Statut.ECHEC, refus_definitif=True, reserve_le__lt=avant)
        )
        yield sorted(cles[cle] for cle in avertis.values_list("cle", flat=True))


def non_verifies(maintenant):
    """Accounts never verified, created ``RETENTION_NON_VERIFIE_JOURS`` days ago or more."""
    aujourd_hui = timezone.localdate(maintenant)
    limite = debut_du_jour(
        aujourd_hui - dt.timedelta(days=settings.RETENTION_NON_VERIFIE_JOURS - 1)
    )
    return personnes().filter(jamais_verifie(), date_joined__lt=limite).exclude(proteges())


def sessions_effacer(maintenant, *, dry_run: bool = False) -> int:
    """Expired sessions (Django never deletes them by itself)."""
    from mentorat.models import Session

    if settings.SESSION_ENGINE != "mentorat.sessions":
        return 0
    expirees = Session.objects.filter(expire_date__lt=maintenant)
    if dry_run:
        return expirees.count()
    return expirees.delete()[0]


EVALUATEUR_ANONYME = "anonyme.invalid"


def evaluateurs_anonymiser(maintenant, *, dry_run: bool = False) -> int:
    """Company managers of a selection week whose session ended ``RETENTION_EVALUATEURS_JOURS``
    days ago or more: name and e-mail erased, link dropped (their scores stay, unnamed: the
    cohort sheet keeps its averages). Once per manager; a second run changes nothing."""
    from .models import EvaluateurInvite

    fin = timezone.localdate(maintenant) - dt.timedelta(days=settings.RETENTION_EVALUATEURS_JOURS)
    anciens = EvaluateurInvite.objects.filter(session__date_fin__lt=fin).exclude(
        email__endswith=f"@{EVALUATEUR_ANONYME}"
    )
    if dry_run:
        return anciens.count()
    n = 0
    for evaluateur in anciens.select_for_update().order_by("pk"):
        evaluateur.prenom = ""
        evaluateur.nom = "Manager anonymisé"
        evaluateur.email = f"manager-{evaluateur.pk}@{EVALUATEUR_ANONYME}"
        evaluateur.jeton_hash = ""
        evaluateur.jeton_expire_le = None
        evaluateur.save(update_fields=["prenom", "nom", "email", "jeton_hash", "jeton_expire_le"])
        n += 1
    return n


# --- Acting -------------------------------------------------------------------------------------


def _supprimer(user_id: int, encore_concerne) -> bool:
    """Anonymise one person through the account erasure, if the rule still holds."""
    from .services import compte_effacer

    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or not encore_concerne.filter(pk=user_id).exists():
            return False
        compte_effacer(user=user, notifier=False)
    return True


def retention_appliquer(
    *, maintenant=None, dry_run: bool = False, lot: int = LOT, par_passage: int = PAR_PASSAGE
) -> Bilan:
    """Apply the retention rules once; with ``dry_run``, only count what would be done.

    Order: accounts never verified, then warnings, then anonymisations (at most
    ``par_passage`` people deleted or anonymised; the next run takes the rest), then the
    clean-ups of the apps above (unused referrals), expired sessions and old outbox rows. A
    warning written now is never followed by an anonymisation in the same run.
    """
    maintenant = maintenant or timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    bilan = Bilan()
    restant = par_passage

    for ids in _lots(non_verifies(maintenant), lot):
        if dry_run:
            bilan.non_verifies_supprimes += len(ids)
            continue
        for pk in ids[:restant]:
            bilan.non_verifies_supprimes += _supprimer(pk, non_verifies(maintenant))
        restant -= min(len(ids), restant)
        if restant <= 0:
            break

    for envois in avertissements(maintenant, lot=lot):
        if dry_run:
            cles = [e.cle for e in envois]
            bilan.avertis += len(cles) - Envoi.objects.filter(cle__in=cles).count()
        else:
            bilan.avertis += envois_creer(envois)

    toujours_inactifs = inactifs_depuis(
        a_anonymiser_un_jour(),
        aujourd_hui - dt.timedelta(days=settings.RETENTION_INACTIVITE_JOURS),
    )
    for ids in a_anonymiser(maintenant, lot=lot):
        if dry_run:
            bilan.anonymises += len(ids)
            continue
        if restant <= 0:
            break
        for pk in ids[:restant]:
            bilan.anonymises += _supprimer(pk, toujours_inactifs)
        restant -= min(len(ids), restant)

    for extension in extensions():
        for champ, nombre in extension.retention_appliquer(maintenant, dry_run=dry_run).items():
            setattr(bilan, champ, getattr(bilan, champ) + nombre)
    bilan.sessions_expirees = sessions_effacer(maintenant, dry_run=dry_run)
    with transaction.atomic():
        bilan.evaluateurs_anonymises = evaluateurs_anonymiser(maintenant, dry_run=dry_run)
    bilan.envois_purges = envois_purger(
        avant=debut_du_jour(aujourd_hui - dt.timedelta(days=settings.RETENTION_ENVOIS_JOURS)),
        dry_run=dry_run,
    )
    bilan.liens_courts_purges = liens_courts_purger(maintenant=maintenant, dry_run=dry_run)
    bilan.journal_purge = journal_purger(
        avant=debut_du_jour(aujourd_hui - dt.timedelta(days=settings.RETENTION_JOURNAL_JOURS)),
        dry_run=dry_run,
    )
    if not dry_run:
        logger.info("Conservation des données : %s", bilan.as_dict())
    return bilan
