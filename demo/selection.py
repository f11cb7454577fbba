"""The selection step in the demo (100 chances 100 emplois, Strasbourg): the programme's
assessment grid; a cohort in the middle of its week (started two days ago: attendance of the
half-days gone by, grids half-filled by the facilitating association and by two company
managers, no decision yet); an earlier cohort, closed, whose decisions were told (retained, not
retained with a reason, waiting list). Everything through the services, once."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from parrainages.models import (
    Candidature,
    CritereEvaluation,
    DemiJournee,
    EvaluateurInvite,
    Evaluation,
    MotifRefus,
    Presence,
    SessionSelection,
)
from parrainages.services.selection import (
    decision_enregistrer,
    evaluateur_inviter,
    evaluation_enregistrer,
    participants_inviter,
    selection_presences_enregistrer,
    session_clore,
    session_demarrer,
    session_enregistrer,
)
from partenaires.models import Partenaire
from programmes.models import Commune, Programme

from .partenaires import ASSO_100_CHANCES
from .population import DOMAINE
from .programmes import STRASBOURG

SEED = 1600

GRILLE = [
    ("Motivation", "Envie de s'engager dans le parcours, assiduité pendant la semaine."),
    ("Savoir-être", "Ponctualité, écoute, respect du groupe et des intervenants."),
    ("Projet professionnel", "Clarté du métier visé et des étapes pour y arriver."),
    ("Présentation orale", "Aisance lors des simulations d'entretien avec les managers."),
]
MANAGERS = [
    ("Céline", "Hoffmann", "Rhénane de Logistique", "celine.hoffmann"),
    ("Thomas", "Meyer", "Banque du Rhin", "thomas.meyer"),
]
ADRESSE = "Maison de l'emploi, 2 rue des Cigognes"
TAILLE_COHORTE = 8
TAILLE_ANCIENNE = 6


def selection_demo() -> None:
    programme = Programme.objects.filter(slug=STRASBOURG).first()
    if programme is None or SessionSelection.objects.filter(programme=programme).exists():
        return
    rng = random.Random(SEED)
    criteres = [
        CritereEvaluation.objects.get_or_create(
            programme=programme,
            libelle=libelle,
            defaults={"description": description, "note_min": 1, "note_max": 4, "ordre": i},
        )[0]
        for i, (libelle, description) in enumerate(GRILLE)
    ]
    staff = get_user_model().objects.get(email=f"gestionnaire@{DOMAINE}")
    association = Partenaire.objects.filter(nom=ASSO_100_CHANCES).first()
    animatrice = association.membres.order_by("pk").first() if association else None
    candidats = list(
        Candidature.objects.filter(
            programme=programme,
            statut__in=(
                Candidature.Statut.DEPOSEE,
                Candidature.Statut.EN_ETUDE,
                Candidature.Statut.LISTE_ATTENTE,
            ),
            filleul__user__isnull=False,
        ).order_by("pk")
    )
    ancienne, courante = candidats[:TAILLE_ANCIENNE], candidats[TAILLE_ANCIENNE:][:TAILLE_COHORTE]
    etape = programme.etapes.filter(nom__startswith="Semaine").first()
    commune = Commune.objects.filter(code_insee="67482").first()
    aujourd_hui = timezone.localdate()

    def session(titre, debut):
        return session_enregistrer(
            session=SessionSelection(
                programme=programme,
                etape=etape,
                titre=titre,
                date_debut=debut,
                date_fin=debut + dt.timedelta(days=4),
                adresse=ADRESSE,
                commune=commune,
                capacite=12,
                animateur=association,
            )
        )

    # The earlier cohort: the whole week attended, assessed, decided and told, closed.
    if ancienne:
        passee = session(
            "Semaine de mobilisation de l'automne", aujourd_hui - dt.timedelta(days=45)
        )
        membres = participants_inviter(session=passee, candidatures=ancienne, par=staff)
        session_demarrer(session=passee)
        _presences(passee, membres, rng, jusqu_a=None, par=animatrice or staff)
        for membre in membres:
            _evaluer(rng, membre, criteres, qualite=Evaluation.Qualite.EQUIPE, evaluateur=staff)
        motif = MotifRefus.objects.actifs().order_by("ordre", "pk").first()
        decisions = ["retenue", "retenue", "non_retenue", "liste_attente", "retenue"]
        for i, membre in enumerate(membres):
            decision = decisions[i % len(decisions)]
            decision_enregistrer(
                participation=membre,
                decision=decision,
                par=staff,
                motif=motif if decision == "non_retenue" else None,
                precision="Projet à consolider avec la conseillère avant une prochaine session."
                if decision == "non_retenue"
                else "",
            )
        session_clore(session=passee)

    # The cohort of this week: started two days ago.
    if courante:
        en_cours = session(
            "Semaine de mobilisation de décembre", aujourd_hui - dt.timedelta(days=2)
        )
        membres = participants_inviter(session=en_cours, candidatures=courante, par=staff)
        session_demarrer(session=en_cours)
        _presences(en_cours, membres, rng, jusqu_a=timezone.now(), par=animatrice or staff)
        # Half the grids filled by the association, on the criteria seen so far.
        if animatrice:
            for membre in membres[: len(membres) // 2]:
                _evaluer(
                    rng,
                    membre,
                    criteres[:2],
                    qualite=Evaluation.Qualite.ANIMATEUR,
                    evaluateur=animatrice,
                )
        # Two managers met in mock interviews, each with a link of their own.
        for i, (prenom, nom, entreprise, local) in enumerate(MANAGERS):
            manager = EvaluateurInvite.objects.create(
                session=en_cours,
                prenom=prenom,
                nom=nom,
                entreprise=entreprise,
                email=f"{local}@entreprises.{DOMAINE}",
            )
            evaluateur_inviter(evaluateur=manager)
            for membre in membres[i::2][:2]:
                _evaluer(
                    rng,
                    membre,
                    criteres[3:],
                    qualite=Evaluation.Qualite.MANAGER,
                    evaluateur_invite=manager,
                )


def _presences(session, membres, rng, *, jusqu_a, par):
    """Everyone's attendance for the half-days gone by (all of them when ``jusqu_a`` is
    None): mostly present, sometimes excused or absent."""
    saisies = {}
    for demi in session.demi_journees.all():
        if jusqu_a is not None and not _passee(demi, jusqu_a):
            continue
        for membre in membres:
            tirage = rng.random()
            etat = (
                Presence.Etat.PRESENT
                if tirage < 0.85
                else Presence.Etat.EXCUSE
                if tirage < 0.93
                else Presence.Etat.ABSENT
            )
            saisies[(membre.pk, demi.pk)] = etat
    if saisies:
        selection_presences_enregistrer(session=session, saisies=saisies, par=par)


def _passee(demi, maintenant) -> bool:
    local = timezone.localtime(maintenant)
    if demi.date != local.date():
        return demi.date < local.date()
    return demi.moment == DemiJournee.Moment.MATIN and local.hour >= 13


COMMENTAIRES = {
    1: "À retravailler.",
    2: "Des progrès pendant la semaine.",
    3: "Solide.",
    4: "Excellent.",
}


def _evaluer(rng, membre, criteres, *, qualite, evaluateur=None, evaluateur_invite=None):
    notes = {}
    for critere in criteres:
        valeur = rng.choice([2, 3, 3, 4, 4, 1])
        notes[critere.pk] = (valeur, COMMENTAIRES[valeur])
    evaluation_enregistrer(
        participation=membre,
        qualite=qualite,
        notes=notes,
        commentaire=rng.choice(
            [
                "Très impliqué(e) dans les ateliers.",
                "Gagne en confiance.",
                "Discret(e) mais attentif(ve).",
                "",
            ]
        ),
        evaluateur=evaluateur,
        evaluateur_invite=evaluateur_invite,
    )
