"""Tending a pair (docs/suivi-qualite.md): its goals and their progress, and the check-ins
(« points d'étape ») both parties answer from a link, at 30 days then every 60 days.

Who writes what: either party writes the pair's goals (the mentor when logging the first
meeting, or later from the pair's page; the mentee from their space); only the mentor, who logs
the meetings, ticks their progress. Each person's check-in answers are read by the programme's
staff only: the other party never sees them.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorat.canaux import SUFFIXE_SMS, Genre, message_ecrire
from mentorat.envois import lien_desabonnement
from mentorat.models import Envoi
from programmes.models import OBJECTIFS_PAR_DEFAUT

from ..enquetes import lien_point_etape
from ..models import (
    OBJECTIFS_MAX,
    Avancement,
    AvancementObjectif,
    ObjectifBinome,
    Parrainage,
    PointEtape,
)

# The first check-in comes 30 days after the pair starts, then one every 60 days while it is
# active (the rhythm Mentorloop's « Mentoring Quality Score » uses).
PREMIER_POINT_JOURS = 30
INTERVALLE_POINTS_JOURS = 60
# A round not written on its day (the beat stopped) is still written within this window;
# later, the pair waits for the next round rather than receiving an outdated one.
RATTRAPAGE_JOURS = 7


# --- Goals --------------------------------------------------------------------------------------


def objectifs_proposes(programme) -> list[str]:
    """The goals a pair of ``programme`` may pick: the programme's list, or a general one."""
    propres = list(programme.objectifs_suggeres.values_list("libelle", flat=True))
    return propres or list(OBJECTIFS_PAR_DEFAUT)


def _auteur(parrainage, par) -> str:
    if par.pk == parrainage.parrain.user_id:
        return ObjectifBinome.Auteur.PARRAIN
    if par.pk == parrainage.filleul.user_id:
        return ObjectifBinome.Auteur.FILLEUL
    raise ValidationError("Ce parrainage n'est pas le vôtre.")


def _libelles_nettoyer(libelles) -> list[str]:
    propres = []
    for libelle in libelles:
        libelle = " ".join((libelle or "").split())
        if libelle and libelle.casefold() not in {p.casefold() for p in propres}:
            propres.append(libelle)
    if len(propres) > OBJECTIFS_MAX:
        raise ValidationError(f"Fixez-vous {OBJECTIFS_MAX} objectifs au plus.")
    return propres


def _ecrire(parrainage, auteur, libelles) -> list[ObjectifBinome]:
    """The pair's goals become ``libelles``, in order: a goal whose wording is kept keeps its
    progress and history; a goal no longer listed is removed."""
    suggestions = {s.libelle.casefold(): s for s in parrainage.programme.objectifs_suggeres.all()}
    existants = list(parrainage.objectifs_binome.order_by("ordre", "pk"))
    par_libelle = {o.libelle.casefold(): o for o in existants}
    gardes = []
    for ordre, libelle in enumerate(libelles):
        objectif = par_libelle.pop(libelle.casefold(), None)
        if objectif is None:
            objectif = ObjectifBinome(
                parrainage=parrainage,
                libelle=libelle,
                suggestion=suggestions.get(libelle.casefold()),
                ecrit_par=auteur,
            )
        objectif.ordre = ordre
        objectif.save()
        gardes.append(objectif)
    ObjectifBinome.objects.filter(pk__in=[o.pk for o in par_libelle.values()]).delete()
    return gardes


def _verrouiller(parrainage) -> Parrainage:
    return (
        Parrainage.objects.select_for_update(of=("self",))
        .select_related("programme", "parrain", "filleul")
        .get(pk=parrainage.pk)
    )


@transaction.atomic
def objectifs_enregistrer(*, parrainage, par, libelles: list[str]) -> list[ObjectifBinome]:
    """Either party writes the pair's goals (one to three) while the pair is in progress."""
    parrainage = _verrouiller(parrainage)
    auteur = _auteur(parrainage, par)
    if parrainage.statut != Parrainage.Statut.ACTIF:
        raise ValidationError("Ce parrainage n'est pas en cours.")
    libelles = _libelles_nettoyer(libelles)
    if not libelles:
        raise ValidationError("Écrivez au moins un objectif.")
    return _ecrire(parrainage, auteur, libelles)


def objectifs_premiere_rencontre(*, rencontre, libelles: list[str]) -> list[ObjectifBinome]:
    """At the first meeting logged, the goals the mentor writes when the pair has none (in the
    logging's transaction). None written: the pair may write them later."""
    parrainage = rencontre.parrainage
    libelles = _libelles_nettoyer(libelles)
    if not libelles or parrainage.objectifs_binome.exists():
        return []
    return _ecrire(parrainage, ObjectifBinome.Auteur.PARRAIN, libelles)


def objectifs_avancer(*, rencontre, avancements: dict[int, str]) -> int:
    """The progress of the pair's goals ticked when logging ``rencontre`` (goal id → state):
    kept for that meeting, and as the goal's latest state when the meeting is its latest."""
    objectifs = {
        o.pk: o for o in rencontre.parrainage.objectifs_binome.filter(pk__in=list(avancements))
    }
    inconnus = set(avancements) - set(objectifs)
    if inconnus:
        raise ValidationError("Cet objectif n'est pas celui du binôme.")
    jour = timezone.localdate(rencontre.debut)
    for pk, etat in avancements.items():
        if etat not in Avancement.values:
            raise ValidationError("Choisissez un avancement de la liste.")
        objectif = objectifs[pk]
        AvancementObjectif.objects.update_or_create(
            objectif=objectif, rencontre=rencontre, defaults={"avancement": etat}
        )
        plus_recente = (
            objectif.historique.order_by("-rencontre__debut", "-pk")
            .values_list("rencontre_id", flat=True)
            .first()
        )
        if plus_recente == rencontre.pk:
            objectif.avancement = etat
            objectif.atteint_le = jour if etat == Avancement.ATTEINT else None
            objectif.save(update_fields=["avancement", "atteint_le"])
    return len(avancements)


# --- Check-ins ----------------------------------------------------------------------------------


def tour_du_jour(date_debut: dt.date, jour: dt.date) -> int | None:
    """The round whose check-in falls on ``jour`` (or within the catch-up window after it),
    for a pair started on ``date_debut``: 1 at 30 days, 2 at 90, 3 at 150…"""
    jours = (jour - date_debut).days - PREMIER_POINT_JOURS
    if jours < 0 or jours % INTERVALLE_POINTS_JOURS >= RATTRAPAGE_JOURS:
        return None
    return 1 + jours // INTERVALLE_POINTS_JOURS


def cle_point_etape(parrainage_id: int, tour: int, role: str, user_id: int) -> str:
    return f"point_etape:{parrainage_id}:{tour}:{role}:{user_id}"


SUJET_POINT_ETAPE = "Où en est votre parrainage ? (2 minutes)"


def point_etape_inviter(*, parrainage, role: str, tour: int) -> bool:
    """Invite one party of ``parrainage`` (``role``: parrain or filleul) to the check-in of
    ``tour``: their own signed link, through the outbox, once per pair, round and person
    (a second call writes nothing and returns False). The one place a check-in is sent."""
    personne = parrainage.parrain if role == PointEtape.Role.PARRAIN else parrainage.filleul
    user = personne.user
    if user is None:
        return False
    lien = lien_point_etape(parrainage_id=parrainage.pk, role=role, tour=tour, user_id=user.pk)
    # By e-mail, SMS or both, as the person chose for surveys (mentorat.canaux); a person
    # with no address yet is reached by SMS when their number is verified.
    return bool(
        message_ecrire(
            destinataire=user,
            genre=Genre.ENQUETES,
            regle="point_etape",
            cle=cle_point_etape(parrainage.pk, tour, role, user.pk),
            sujet=SUJET_POINT_ETAPE,
            gabarit="parrainages/emails/point_etape",
            contexte={
                "prenom": user.first_name,
                "programme": parrainage.programme.nom,
                "premier": tour == 1,
                # Rendered now, with the link a reminder one may decline carries.
                "lien_desabonnement": lien_desabonnement(user.pk),
                "lien": lien,
            },
            texte_sms="parrainages/sms/point_etape.txt",
            lien=lien,
            essentiel=False,
            # The link answers for the person: staff do not read it in the outbox.
            confidentiel=True,
        )
    )


@transaction.atomic
def points_etape_planifier(*, maintenant=None) -> int:
    """Write today's check-in invitations of the active pairs (daily beat; idempotent).

    One query reads the active pairs old enough; the round due is computed from each start
    date; one query finds the invitations already written; only the missing ones are
    written, a message each."""
    maintenant = maintenant or timezone.now()
    aujourd_hui = timezone.localtime(maintenant).date()
    candidats = (
        Parrainage.objects.actifs()
        .filter(date_debut__lte=aujourd_hui - dt.timedelta(days=PREMIER_POINT_JOURS))
        .exclude(filleul__anonymise_le__isnull=False)
        .select_related("programme", "parrain__user", "filleul__user")
        .order_by()
    )
    dus = []
    for parrainage in candidats.iterator(chunk_size=500):
        tour = tour_du_jour(parrainage.date_debut, aujourd_hui)
        if tour is None:
            continue
        for role, personne in (
            (PointEtape.Role.PARRAIN, parrainage.parrain),
            (PointEtape.Role.FILLEUL, parrainage.filleul),
        ):
            if personne.user_id is not None:
                cle = cle_point_etape(parrainage.pk, tour, role, personne.user_id)
                dus.append((cle, parrainage, role, tour))
    # Written already by either channel (an SMS's key is the e-mail's plus ":sms").
    cles = [cle for cle, *_ in dus]
    deja = {
        c.removesuffix(SUFFIXE_SMS)
        for c in Envoi.objects.filter(
            cle__in=[*cles, *(f"{c}{SUFFIXE_SMS}" for c in cles)]
        ).values_list("cle", flat=True)
    }
    return sum(
        point_etape_inviter(parrainage=parrainage, role=role, tour=tour)
        for cle, parrainage, role, tour in dus
        if cle not in deja
    )


@transaction.atomic
def point_etape_repondre(
    *, parrainage_id: int, role: str, tour: int, user_id: int, donnees: dict
) -> PointEtape:
    """Record (or update) one person's check-in answer. The link's person must still be that
    party of the pair. An answer that asks for the team (a low score, a request) waits to be
    handled again, even when an earlier answer of the round was."""
    parrainage = (
        Parrainage.objects.select_for_update(of=("self",))
        .select_related("parrain", "filleul")
        .filter(pk=parrainage_id)
        .first()
    )
    personne = None
    if parrainage is not None:
        personne = {
            PointEtape.Role.PARRAIN: parrainage.parrain,
            PointEtape.Role.FILLEUL: parrainage.filleul,
        }.get(role)
    if personne is None or personne.user_id is None or personne.user_id != user_id:
        raise ValidationError("Ce questionnaire ne vous concerne pas ou plus.")
    if parrainage.statut not in Parrainage.STATUTS_FORMES:
        raise ValidationError("Ce parrainage n'a pas eu lieu.")
    satisfaction = donnees["satisfaction"]
    if satisfaction not in range(1, 6):
        raise ValidationError({"satisfaction": "Choisissez une note de 1 à 5."})
    valeurs = {
        "satisfaction": satisfaction,
        "utile": donnees["utile"],
        "commentaire": donnees.get("commentaire", ""),
        "parler_equipe": bool(donnees.get("parler_equipe")),
        "modifie_le": timezone.now(),
    }
    point = PointEtape.objects.filter(parrainage=parrainage, role=role, tour=tour).first()
    if point is None:
        try:
            with transaction.atomic():
                return PointEtape.objects.create(
                    parrainage=parrainage, role=role, tour=tour, **valeurs
                )
        except IntegrityError:
            point = PointEtape.objects.get(parrainage=parrainage, role=role, tour=tour)
    avant = (point.satisfaction, point.utile, point.commentaire, point.parler_equipe)
    for champ, valeur in valeurs.items():
        setattr(point, champ, valeur)
    apres = (point.satisfaction, point.utile, point.commentaire, point.parler_equipe)
    # What staff handled was the earlier answer: a changed answer that still asks for the team
    # is a new alert (the same answer posted again is not).
    if point.en_alerte and apres != avant:
        point.traite_le, point.traite_par = None, None
    point.save()
    return point


@transaction.atomic
def points_etape_traiter(*, points, par) -> int:
    """Staff mark check-in alerts handled (each change in the audit trail)."""
    traites = 0
    maintenant = timezone.now()
    a_traiter = PointEtape.objects.filter(
        pk__in=list(points.values_list("pk", flat=True)), traite_le__isnull=True
    )
    for point in a_traiter.select_for_update():
        point.traite_le, point.traite_par = maintenant, par
        point.save(update_fields=["traite_le", "traite_par"])
        traites += 1
    return traites
