"""The mentee's say in the demo: Profession-emploi (Haute-Garonne) lets its mentees choose
among up to three mentors, and one demo mentee, signed in, finds three to choose from.

The options are those a matching run gives her (the engine, on the programme's mentors),
confirmed by the demo staff member as staff would: she is e-mailed, no mentor is asked yet.
Idempotent: the programme's setting is set again, the options created once.
"""

import datetime as dt

from django.utils import timezone

from parrainages.matching import match
from parrainages.models import Candidature, Filleul, Parrainage
from parrainages.services.matching import (
    donnees_charger,
    libelles,
    options_par_filleul,
    poids_du_programme,
    propositions_confirmer,
    regles_du_programme,
)
from programmes.models import AvisFilleul, Commune, Programme, Secteur, Situation

from .eligibilite import eligibilite
from .population import CONSENTEMENT_VERSION, DOMAINE
from .programmes import HAUTE_GARONNE
from .socle import creer_compte

PROGRAMME_AU_CHOIX = HAUTE_GARONNE
COMPTE = {"email": f"filleule.choix@{DOMAINE}", "first_name": "Inès", "last_name": "Moreau"}
TOULOUSE = "31555"


def choix_filleul_demo(password_hash, gestionnaire) -> Filleul | None:
    programme = Programme.objects.filter(slug=PROGRAMME_AU_CHOIX).first()
    commune = Commune.objects.filter(code_insee=TOULOUSE).first()
    if programme is None or commune is None:
        return None
    if programme.avis_filleul != AvisFilleul.CHOISIR:
        programme.avis_filleul = AvisFilleul.CHOISIR
        programme.save(update_fields=["avis_filleul"])
    _historique(programme)
    filleul = _filleule(password_hash, programme, commune)
    if filleul.parrainages.filter(programme=programme).exists():
        return filleul
    filleuls, parrains, candidature_de = donnees_charger(programme)
    resultat = match(
        [f for f in filleuls if f.id == filleul.pk],
        parrains,
        regles_du_programme(programme),
        poids_du_programme(programme),
        libelles(),
        options=options_par_filleul(programme),
    )
    now = timezone.now()
    options = [
        Parrainage.objects.create(
            programme=programme,
            parrain_id=p.parrain_id,
            filleul=filleul,
            candidature_id=candidature_de[filleul.pk],
            forme=p.forme,
            score=p.score,
            raisons=[str(r) for r in p.reasons],
            raisons_breves={r.composante: r.bref for r in p.reasons if r.composante},
            distance_km=p.distance_km,
            option=True,
            propose_le=now,
        )
        for p in resultat.proposals
    ]
    propositions_confirmer(ids=[o.pk for o in options], par=gestionnaire)
    return filleul


def _historique(programme) -> None:
    """Answers of earlier mentees: one chose her mentor among three (the two others « non
    choisi »), another refused the mentor first proposed to her."""
    if Parrainage.objects.filter(
        programme=programme,
        statut__in=[Parrainage.Statut.NON_CHOISI, Parrainage.Statut.REFUSE_FILLEUL],
    ).exists():
        return
    binomes = list(
        Parrainage.objects.filter(programme=programme, statut=Parrainage.Statut.ACTIF)
        .exclude(date_debut__isnull=True)
        .order_by("pk")[:2]
    )
    parrains = list(programme.parrains.order_by("pk").values_list("pk", flat=True)[:4])
    if len(binomes) < 2 or len(parrains) < 4:
        return
    for binome, statuts in (
        (binomes[0], [Parrainage.Statut.NON_CHOISI, Parrainage.Statut.NON_CHOISI]),
        (binomes[1], [Parrainage.Statut.REFUSE_FILLEUL]),
    ):
        autres = [pk for pk in parrains if pk != binome.parrain_id]
        quand = timezone.make_aware(
            dt.datetime.combine(binome.date_debut - dt.timedelta(days=5), dt.time(10))
        )
        for parrain_id, statut in zip(autres, statuts, strict=False):
            Parrainage.objects.create(
                programme=programme,
                parrain_id=parrain_id,
                filleul_id=binome.filleul_id,
                candidature_id=binome.candidature_id,
                forme=binome.forme,
                statut=statut,
                option=statut == Parrainage.Statut.NON_CHOISI,
                propose_le=quand - dt.timedelta(days=3),
                soumis_au_filleul_le=quand - dt.timedelta(days=2),
                filleul_repondu_le=quand,
                motif_declin="Je cherche plutôt quelqu'un du commerce."
                if statut == Parrainage.Statut.REFUSE_FILLEUL
                else "",
                created_at=quand - dt.timedelta(days=3),
            )


def _filleule(password_hash, programme, commune) -> Filleul:
    user = creer_compte(password_hash=password_hash, **COMPTE)
    inscrite_le = timezone.now() - dt.timedelta(days=40)
    filleul, _ = Filleul.objects.get_or_create(
        user=user,
        defaults={
            "date_naissance": timezone.localdate() - dt.timedelta(days=365 * 22 + 100),
            "commune": commune,
            "niveau_diplome": 4,
            "situation": Situation.MISSION_LOCALE,
            "disponibilites": ["lun_soir", "mar_soir", "mer_aprem", "jeu_soir"],
            "mobilite_km": 15,
            "consentement_version": CONSENTEMENT_VERSION,
            "consentement_le": inscrite_le,
            "created_at": inscrite_le,
        },
    )
    filleul.secteurs_souhaites.set(Secteur.objects.filter(code__in=["D", "M"]))
    # Her eligibility as it was when she applied, criterion by criterion (as every demo
    # application carries it).
    instantane = eligibilite(programme, filleul, inscrite_le.date())
    Candidature.objects.get_or_create(
        filleul=filleul,
        programme=programme,
        defaults={
            "statut": Candidature.Statut.RETENUE,
            "eligible": instantane["eligible"],
            "eligibilite": instantane,
            "decidee_le": inscrite_le + dt.timedelta(days=10),
            "created_at": inscrite_le,
        },
    )
    return filleul
