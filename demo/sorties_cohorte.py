"""Outcomes over the whole cohort in the demo: a past selection week of the Strasbourg « 100
chances 100 emplois » programme, whose people without a pair (retained but never paired, not
retained, left on the waiting list, withdrawn) have their situation at the end and six months
later — so that the prescriber's report (« Sorties sur toute la cohorte ») has figures.

Everything goes through the services: the invitation to the week and the jury's decisions
(``candidature_*``, which write the history and tell the applicant and the prescriber), the
outcomes recorded by staff (``sortie_candidature_enregistrer``) or answered through the survey
link (``enquete_candidature_repondre``). The week is then dated back to fourteen months ago (an
``update()`` of the instants only: the history's, the decision's, and the filing of these
applications, which the population made recent), and the messages the steps wrote count as sent
when they were written (the demo's people are not e-mailed).

Idempotent: once the programme has an outcome recorded on an application, nothing more.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.models import (
    Candidature,
    EvenementCandidature,
    Filleul,
    MotifRefus,
    Parrainage,
    Sortie,
    add_months,
)
from parrainages.services import (
    candidature_desister,
    candidature_inviter_a_la_selection,
    candidature_mettre_en_attente,
    candidature_refuser,
    candidature_retenir,
    enquete_candidature_repondre,
    sortie_candidature_enregistrer,
)
from partenaires.models import Convention, Partenaire
from programmes.models import Programme

from .partenaires import ML_STRASBOURG
from .population import a_heure
from .programmes import STRASBOURG

CONVENTION = "CONV-67-MLPE"
# The week took place fourteen months ago: the end (a pair's 6 months) and the 6-month
# survey after it are both past.
MOIS_DEPUIS_LA_SEMAINE = 14

T = Sortie.Type
# Per person: the jury's decision, the situation at the end (staff), six months later (staff),
# and whether the person answered the end survey through its link (today) instead.
PARCOURS = [
    ("retenir", T.CDD_COURT, T.CDI, False),
    ("retenir", T.FORMATION, T.FORMATION, False),
    ("retenir", None, None, True),
    ("refuser", T.AUCUNE, T.ALTERNANCE, False),
    ("refuser", None, T.AUCUNE, False),
    ("liste_attente", T.INTERIM_LONG, T.CDD_LONG, False),
    ("desister", None, T.AUCUNE, False),
]


def _candidatures(programme, n):
    """Applications not decided yet, of people with an account and without a pair, referred
    by the Mission locale of Strasbourg first (its convention's report shows them)."""
    binome = Parrainage.objects.filter(filleul=OuterRef("filleul"), programme=programme)
    candidates = (
        Candidature.objects.filter(
            programme=programme,
            statut__in=[Candidature.Statut.DEPOSEE, Candidature.Statut.EN_ETUDE],
            prescripteur__isnull=False,
            filleul__user__isnull=False,
        )
        .filter(~Exists(binome))
        .order_by("pk")
    )
    ml = Partenaire.objects.filter(nom=ML_STRASBOURG).first()
    choisies = list(candidates.filter(prescripteur=ml)[:n])
    if len(choisies) < n:
        choisies += list(candidates.exclude(pk__in=[c.pk for c in choisies])[: n - len(choisies)])
    return choisies


def _decider(candidature, decision, gestionnaire):
    if decision == "retenir":
        return candidature_retenir(candidature=candidature, par=gestionnaire)
    if decision == "refuser":
        motif = MotifRefus.objects.actifs().first()
        return candidature_refuser(
            candidature=candidature,
            par=gestionnaire,
            motif=motif,
            precision="Projet professionnel encore trop flou à l'issue de la semaine.",
        )
    if decision == "liste_attente":
        return candidature_mettre_en_attente(candidature=candidature, par=gestionnaire)
    return candidature_desister(candidature=candidature, par=gestionnaire)


@transaction.atomic
def sorties_cohorte_demo(gestionnaire, *, rapport: bool = False) -> None:
    programme = Programme.objects.filter(slug=STRASBOURG).first()
    if programme is None or Sortie.objects.filter(candidature__programme=programme).exists():
        return
    candidatures = _candidatures(programme, len(PARCOURS))
    if len(candidatures) < len(PARCOURS):
        return
    if not programme.sorties_sur_la_cohorte:
        programme.sorties_sur_la_cohorte = True
        programme.save(update_fields=["sorties_sur_la_cohorte"])
    depuis = Envoi.objects.aggregate(n=Max("pk"))["n"] or 0
    aujourd_hui = timezone.localdate()
    semaine = aujourd_hui - dt.timedelta(days=1) - dt.timedelta(days=30 * MOIS_DEPUIS_LA_SEMAINE)
    jury = semaine + dt.timedelta(days=4)
    fin = add_months(jury, programme.duree_parrainage_mois)
    six_mois = fin + dt.timedelta(days=183)
    for candidature, (decision, a_la_fin, apres, par_le_lien) in zip(
        candidatures, PARCOURS, strict=True
    ):
        candidature = candidature_inviter_a_la_selection(candidature=candidature, par=gestionnaire)
        candidature = _decider(candidature, decision, gestionnaire)
        # The week and the jury's decision, dated back (their rows only).
        evenements = EvenementCandidature.objects.filter(candidature=candidature)
        evenements.filter(statut=Candidature.Statut.INVITEE_SELECTION).update(
            le=a_heure(semaine, 9)
        )
        avant_la_semaine = [
            Candidature.Statut.INVITEE_SELECTION,
            Candidature.Statut.DEPOSEE,
            Candidature.Statut.EN_ETUDE,
        ]
        evenements.exclude(statut__in=avant_la_semaine).filter(le__gt=a_heure(semaine, 9)).update(
            le=a_heure(jury, 17)
        )
        # Referred before the week (the population's undecided applications are recent).
        depot = a_heure(semaine - dt.timedelta(days=12), 10)
        Candidature.objects.filter(pk=candidature.pk).update(
            created_at=depot, decidee_le=a_heure(jury, 17)
        )
        Filleul.objects.filter(pk=candidature.filleul_id, created_at__gt=depot).update(
            created_at=depot
        )
        evenements.filter(statut=Candidature.Statut.DEPOSEE).update(le=depot)
        # Studied before the invitation: a study row after it would be a return to study,
        # taking the person out of the cohort (``membre_de_cohorte``).
        evenements.filter(statut=Candidature.Statut.EN_ETUDE).update(
            le=depot + dt.timedelta(days=1)
        )
        for moment, type_, jour in (("fin", a_la_fin, fin), ("six_mois", apres, six_mois)):
            if type_ is not None:
                sortie_candidature_enregistrer(
                    candidature=candidature,
                    donnees={"moment": moment, "type": type_, "date": jour},
                )
        if par_le_lien:
            # The end survey's e-mail went out; the person answered through its link today.
            enquete_candidature_repondre(
                candidature_id=candidature.pk,
                moment="fin",
                user_id=candidature.filleul.user_id,
                type=T.ALTERNANCE,
                employeur="Transports de l'Eurométropole",
            )
    Envoi.objects.filter(pk__gt=depuis).update(
        statut=Envoi.Statut.ENVOYE, envoye_le=F("created_at"), tentatives=1
    )
    if rapport:
        _rapport(gestionnaire)


def _rapport(gestionnaire):
    """A report of the Mission locale's convention since its start, up to last month: its
    « Sorties sur toute la cohorte » section counts the week above."""
    from partenaires.models import Rapport
    from partenaires.services import mois_precedent, rapport_demander

    convention = Convention.objects.filter(reference=CONVENTION).first()
    if convention is None:
        return
    _debut, fin = mois_precedent(timezone.localdate())
    debut = convention.date_debut
    if fin < debut or Rapport.objects.filter(convention=convention, periode_debut=debut).exists():
        return
    rapport_demander(
        convention=convention, debut=debut, fin=fin, par=gestionnaire, sur_le_champ=True
    )
