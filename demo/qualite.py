"""Goals and check-ins in the demo (docs/suivi-qualite.md): each programme's suggested goals,
drawn from what the programme aims at (DESIGN.md and the seed documents); and one pair of the
Paris programme with goals, their progress ticked at its meetings, and two rounds of check-ins,
the mentee's second one a low score asking for the team, so that it waits in the work queue of
``gestionnaire@``. Everything through the services; a second run adds nothing."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from parrainages.models import Avancement, Parrainage, PointEtape, Rencontre
from parrainages.services.qualite import (
    INTERVALLE_POINTS_JOURS,
    PREMIER_POINT_JOURS,
    objectifs_avancer,
    objectifs_enregistrer,
    point_etape_repondre,
)
from programmes.models import ObjectifSuggere, Programme

from .population import DOMAINE
from .programmes import AUVERGNE, HAUTE_GARONNE, NQT, PARIS, STRASBOURG

OBJECTIFS = {
    # Regular mentoring by HR directors: interviews, address book, training advice, immersion.
    PARIS: (
        "Préparer mes entretiens d'embauche",
        "Développer mon carnet d'adresses professionnel",
        "Choisir une formation utile à mon projet",
        "Découvrir une entreprise de l'intérieur (immersion)",
        "Décrocher un emploi durable",
    ),
    # Young adults of priority neighbourhoods: a project, then an insertion path whose success
    # is a job of six months or more, or a qualifying training.
    STRASBOURG: (
        "Construire mon projet professionnel",
        "Réussir mes entretiens avec des chefs d'entreprise",
        "Réussir ma mise en situation de travail ou mon stage",
        "Obtenir un CDI, un CDD ou une mission d'intérim de 6 mois ou plus",
        "Entrer dans une formation qualifiante",
    ),
    # Young graduates: a job at the level of their degree, job datings and online fairs.
    NQT: (
        "Cibler les postes qui correspondent à mon diplôme",
        "Améliorer mon CV et mon profil en ligne",
        "Préparer les job datings et les salons en ligne",
        "Développer mon réseau professionnel",
        "Décrocher un emploi à la hauteur de ma qualification",
    ),
    # Long-term job seekers towards sectors in tension; pupils of 3e in REP schools.
    AUVERGNE: (
        "Reprendre confiance après une longue période sans emploi",
        "Découvrir un métier qui recrute (hôtellerie-restauration, industrie, bâtiment, "
        "services à la personne)",
        "Faire une immersion en entreprise",
        "Retrouver un emploi durable",
        "Élève de 3e : trouver mon stage d'observation et mon orientation",
    ),
    # Growth occupations, round tables and company visits.
    HAUTE_GARONNE: (
        "Découvrir les métiers porteurs du territoire",
        "Visiter des entreprises qui recrutent",
        "Rencontrer des employeurs lors d'une table ronde",
        "Bâtir mon plan d'action de recherche d'emploi",
        "Accéder à un emploi ou à une formation",
    ),
}

OBJECTIF_LIBRE = "Être à l'aise à l'oral en réunion"


def objectifs_suggeres_demo() -> None:
    """Each seed programme's list, when it has none yet (staff's own edits stay)."""
    for slug, libelles in OBJECTIFS.items():
        programme = Programme.objects.filter(slug=slug).first()
        if programme is None or programme.objectifs_suggeres.exists():
            continue
        ObjectifSuggere.objects.bulk_create(
            ObjectifSuggere(programme=programme, ordre=i, libelle=libelle)
            for i, libelle in enumerate(libelles)
        )


def _binome_demo() -> Parrainage | None:
    """The demo mentee's pair when it started long enough ago for two check-ins, else the
    Paris pair started earliest with held meetings."""
    anciens = Parrainage.objects.filter(
        programme__slug=PARIS,
        statut=Parrainage.Statut.ACTIF,
        date_debut__lte=timezone.localdate()
        - dt.timedelta(days=PREMIER_POINT_JOURS + INTERVALLE_POINTS_JOURS),
        filleul__user__isnull=False,
        parrain__user__isnull=False,
        rencontres__statut=Rencontre.Statut.TENUE,
    ).select_related("programme", "parrain__user", "filleul__user")
    return (
        anciens.filter(Q(filleul__user__email=f"filleul@{DOMAINE}")).order_by("pk").first()
        or anciens.order_by("date_debut", "pk").first()
    )


def qualite_demo() -> None:
    objectifs_suggeres_demo()
    if PointEtape.objects.filter(parrainage__programme__slug=PARIS).exists():
        return  # already there
    pair = _binome_demo()
    if pair is None:
        return
    suggestions = OBJECTIFS[PARIS]
    objectifs = objectifs_enregistrer(
        parrainage=pair,
        par=pair.filleul.user,
        libelles=[suggestions[0], suggestions[1], OBJECTIF_LIBRE],
    )
    # Progress ticked by the mentor at the last two meetings logged.
    tenues = list(pair.rencontres.tenues().order_by("-debut")[:2])[::-1]
    etats = (
        (Avancement.EN_COURS, Avancement.PAS_COMMENCE, Avancement.EN_COURS),
        (Avancement.ATTEINT, Avancement.EN_COURS, Avancement.EN_COURS),
    )
    for rencontre, etat in zip(tenues, etats[-len(tenues) :], strict=True):
        objectifs_avancer(
            rencontre=rencontre, avancements={o.pk: e for o, e in zip(objectifs, etat, strict=True)}
        )
    # Two rounds (30 and 90 days): both satisfied at first; the mentee's second answer is a
    # low score and asks to talk to the team.
    reponses = (
        (1, PointEtape.Role.PARRAIN, pair.parrain.user, 5, PointEtape.Utilite.OUI, "", False),
        (1, PointEtape.Role.FILLEUL, pair.filleul.user, 4, PointEtape.Utilite.OUI, "", False),
        (2, PointEtape.Role.PARRAIN, pair.parrain.user, 4, PointEtape.Utilite.EN_PARTIE, "", False),
        (
            2,
            PointEtape.Role.FILLEUL,
            pair.filleul.user,
            2,
            PointEtape.Utilite.EN_PARTIE,
            "Nos rendez-vous sont souvent reportés, j'aimerais en parler.",
            True,
        ),
    )
    for tour, role, user, note, utile, commentaire, parler in reponses:
        point = point_etape_repondre(
            parrainage_id=pair.pk,
            role=role,
            tour=tour,
            user_id=user.pk,
            donnees={
                "satisfaction": note,
                "utile": utile,
                "commentaire": commentaire,
                "parler_equipe": parler,
            },
        )
        # Dated on the round's day, as if answered then (demo data only).
        jours = PREMIER_POINT_JOURS + (tour - 1) * INTERVALLE_POINTS_JOURS + 1
        quand = timezone.make_aware(
            dt.datetime.combine(pair.date_debut + dt.timedelta(days=jours), dt.time(18, 30))
        )
        PointEtape.objects.filter(pk=point.pk).update(repondu_le=quand, modifie_le=quand)
