"""Every status move, legal and illegal, through the models' transition methods.

The expected legal moves are written out here on their own, from the product rules, so that a
change to a model's TRANSITIONS table that breaks a rule fails a test.
"""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError

from parrainages.models import (
    Candidature,
    Charte,
    Immersion,
    Parrainage,
    Rencontre,
    SessionSelection,
)
from partenaires.models import Convention, Rapport
from programmes.models import Evenement, Programme, TransitionError
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    ImmersionFactory,
    ParrainageFactory,
    RencontreFactory,
    SessionSelectionFactory,
)
from tests.partenaires.factories import ConventionFactory, ObjectifFactory, RapportFactory
from tests.programmes.factories import EvenementFactory, ProgrammeFactory

C, P, V = Candidature.Statut, Parrainage.Statut, Convention.Statut

MACHINES = {
    "candidature": {
        "model": Candidature,
        "factory": CandidatureFactory,
        "legal": {
            # A minor's application, once a guardian consented (or the minor withdrew).
            (C.ATTENTE_AUTORISATION, C.DEPOSEE),
            (C.ATTENTE_AUTORISATION, C.DESISTEE),
            (C.DEPOSEE, C.EN_ETUDE),
            (C.DEPOSEE, C.RETENUE),
            (C.DEPOSEE, C.REFUSEE),
            (C.DEPOSEE, C.DESISTEE),
            (C.EN_ETUDE, C.RETENUE),
            (C.EN_ETUDE, C.REFUSEE),
            (C.EN_ETUDE, C.DESISTEE),
            (C.RETENUE, C.DESISTEE),
            (C.REFUSEE, C.EN_ETUDE),
            # The waiting list: every place taken for now.
            (C.DEPOSEE, C.LISTE_ATTENTE),
            (C.EN_ETUDE, C.LISTE_ATTENTE),
            (C.LISTE_ATTENTE, C.EN_ETUDE),
            (C.LISTE_ATTENTE, C.RETENUE),
            (C.LISTE_ATTENTE, C.REFUSEE),
            (C.LISTE_ATTENTE, C.DESISTEE),
            # The selection week: invited, then the jury decides.
            (C.DEPOSEE, C.INVITEE_SELECTION),
            (C.EN_ETUDE, C.INVITEE_SELECTION),
            (C.LISTE_ATTENTE, C.INVITEE_SELECTION),
            (C.INVITEE_SELECTION, C.EN_ETUDE),
            (C.INVITEE_SELECTION, C.LISTE_ATTENTE),
            (C.INVITEE_SELECTION, C.RETENUE),
            (C.INVITEE_SELECTION, C.REFUSEE),
            (C.INVITEE_SELECTION, C.DESISTEE),
        },
        "moves": {
            C.EN_ETUDE: lambda o: o.etudier(),
            C.LISTE_ATTENTE: lambda o: o.mettre_en_attente(),
            C.INVITEE_SELECTION: lambda o: o.inviter_a_la_selection(),
            C.RETENUE: lambda o: o.retenir(),
            C.REFUSEE: lambda o: o.refuser("Ne réside pas dans le territoire."),
            C.DESISTEE: lambda o: o.desister(),
            C.DEPOSEE: lambda o: o.deposer_avec_accord(),
        },
    },
    "parrainage": {
        "model": Parrainage,
        "factory": ParrainageFactory,
        "legal": {
            (P.PROPOSITION, P.ATTENTE_PARRAIN),
            (P.PROPOSITION, P.ATTENTE_FILLEUL),
            (P.PROPOSITION, P.ANNULE),
            (P.ATTENTE_FILLEUL, P.ATTENTE_PARRAIN),
            (P.ATTENTE_FILLEUL, P.REFUSE_FILLEUL),
            (P.ATTENTE_FILLEUL, P.NON_CHOISI),
            (P.ATTENTE_FILLEUL, P.EXPIRE),
            (P.ATTENTE_FILLEUL, P.ANNULE),
            (P.ATTENTE_PARRAIN, P.ACTIF),
            (P.ATTENTE_PARRAIN, P.DECLINE),
            (P.ATTENTE_PARRAIN, P.EXPIRE),
            (P.ATTENTE_PARRAIN, P.ANNULE),
            (P.ACTIF, P.TERMINE),
            (P.ACTIF, P.INTERROMPU),
        },
        "moves": {
            # Staff confirm a proposal; the mentee accepts (or chooses) one put to them.
            P.ATTENTE_PARRAIN: lambda o: (
                o.choisir() if o.statut == P.ATTENTE_FILLEUL else o.confirmer()
            ),
            P.ATTENTE_FILLEUL: lambda o: o.soumettre_au_filleul(),
            P.REFUSE_FILLEUL: lambda o: o.refuser_par_le_filleul("Trop loin de chez moi."),
            P.NON_CHOISI: lambda o: o.ecarter_non_choisie(),
            P.ANNULE: lambda o: o.ecarter(),
            P.ACTIF: lambda o: o.accepter(),
            P.DECLINE: lambda o: o.decliner("Pas disponible ce trimestre."),
            P.EXPIRE: lambda o: o.expirer(),
            P.TERMINE: lambda o: o.terminer(),
            P.INTERROMPU: lambda o: o.interrompre(motif="Déménagement."),
        },
    },
    "convention": {
        "model": Convention,
        "factory": ConventionFactory,
        "legal": {
            (V.BROUILLON, V.SIGNEE),
            (V.SIGNEE, V.ACTIVE),
            (V.SIGNEE, V.TERMINEE),
            (V.ACTIVE, V.TERMINEE),
        },
        "moves": {
            V.SIGNEE: lambda o: o.signer(),
            V.ACTIVE: lambda o: o.activer(),
            V.TERMINEE: lambda o: o.terminer(),
        },
    },
    "programme": {
        "model": Programme,
        "factory": ProgrammeFactory,
        "legal": {
            (Programme.Statut.BROUILLON, Programme.Statut.OUVERT),
            (Programme.Statut.OUVERT, Programme.Statut.EN_COURS),
            (Programme.Statut.OUVERT, Programme.Statut.CLOS),
            (Programme.Statut.EN_COURS, Programme.Statut.OUVERT),
            (Programme.Statut.EN_COURS, Programme.Statut.CLOS),
        },
        "moves": {
            Programme.Statut.OUVERT: lambda o: o.ouvrir(),
            Programme.Statut.EN_COURS: lambda o: o.fermer_candidatures(),
            Programme.Statut.CLOS: lambda o: o.clore(),
        },
    },
    "rencontre": {
        "model": Rencontre,
        "factory": RencontreFactory,
        "legal": {
            (Rencontre.Statut.PREVUE, Rencontre.Statut.TENUE),
            (Rencontre.Statut.PREVUE, Rencontre.Statut.ANNULEE),
            # Moved by the mentee: the mentor confirms the new time (docs/rencontres.md).
            (Rencontre.Statut.PREVUE, Rencontre.Statut.PROPOSEE),
            (Rencontre.Statut.PROPOSEE, Rencontre.Statut.PROPOSEE),
            (Rencontre.Statut.PROPOSEE, Rencontre.Statut.PREVUE),
            (Rencontre.Statut.PROPOSEE, Rencontre.Statut.ANNULEE),
        },
        "moves": {
            Rencontre.Statut.TENUE: lambda o: o.marquer_tenue(themes=["cv"]),
            Rencontre.Statut.ANNULEE: lambda o: o.annuler(),
            Rencontre.Statut.PREVUE: lambda o: o.confirmer(),
            Rencontre.Statut.PROPOSEE: lambda o: o.deplacer(o.debut + dt.timedelta(days=1)),
        },
    },
    "immersion": {
        "model": Immersion,
        "factory": ImmersionFactory,
        "legal": {
            (Immersion.Statut.BROUILLON, Immersion.Statut.A_SIGNER),
            (Immersion.Statut.BROUILLON, Immersion.Statut.ANNULEE),
            (Immersion.Statut.A_SIGNER, Immersion.Statut.A_SIGNER),
            (Immersion.Statut.A_SIGNER, Immersion.Statut.PARTIELLEMENT_SIGNEE),
            (Immersion.Statut.A_SIGNER, Immersion.Statut.A_VALIDER),
            (Immersion.Statut.A_SIGNER, Immersion.Statut.REFUSEE),
            (Immersion.Statut.A_SIGNER, Immersion.Statut.ANNULEE),
            (Immersion.Statut.PARTIELLEMENT_SIGNEE, Immersion.Statut.A_SIGNER),
            (Immersion.Statut.PARTIELLEMENT_SIGNEE, Immersion.Statut.A_VALIDER),
            (Immersion.Statut.PARTIELLEMENT_SIGNEE, Immersion.Statut.REFUSEE),
            (Immersion.Statut.PARTIELLEMENT_SIGNEE, Immersion.Statut.ANNULEE),
            (Immersion.Statut.A_VALIDER, Immersion.Statut.A_SIGNER),
            (Immersion.Statut.A_VALIDER, Immersion.Statut.VALIDEE),
            (Immersion.Statut.A_VALIDER, Immersion.Statut.REFUSEE),
            (Immersion.Statut.A_VALIDER, Immersion.Statut.ANNULEE),
            (Immersion.Statut.VALIDEE, Immersion.Statut.TERMINEE),
            (Immersion.Statut.VALIDEE, Immersion.Statut.ANNULEE),
            (Immersion.Statut.REFUSEE, Immersion.Statut.A_SIGNER),
        },
        "moves": {
            Immersion.Statut.A_SIGNER: lambda o: o.soumettre(),
            Immersion.Statut.PARTIELLEMENT_SIGNEE: lambda o: o.marquer_signature(),
            Immersion.Statut.A_VALIDER: lambda o: o.marquer_signee(),
            Immersion.Statut.VALIDEE: lambda o: o.valider(par=None),
            Immersion.Statut.REFUSEE: lambda o: o.refuser(par="Tuteur", motif="Dates."),
            Immersion.Statut.TERMINEE: lambda o: o.terminer(),
            Immersion.Statut.ANNULEE: lambda o: o.annuler(motif="Plus d'accueil."),
        },
    },
    "charte": {
        "model": Charte,
        "factory": CharteFactory,
        "legal": {
            (Charte.Statut.A_SIGNER, Charte.Statut.SIGNEE),
            (Charte.Statut.A_SIGNER, Charte.Statut.ANNULEE),
            (Charte.Statut.SIGNEE, Charte.Statut.ANNULEE),
        },
        "moves": {
            Charte.Statut.SIGNEE: lambda o: o.marquer_signee(),
            Charte.Statut.ANNULEE: lambda o: o.annuler(motif="Erreur de binôme."),
        },
    },
    "evenement": {
        "model": Evenement,
        "factory": EvenementFactory,
        "legal": {
            (Evenement.Statut.PROPOSE, Evenement.Statut.PUBLIE),
            (Evenement.Statut.PROPOSE, Evenement.Statut.ANNULE),
            (Evenement.Statut.PUBLIE, Evenement.Statut.TERMINE),
            (Evenement.Statut.PUBLIE, Evenement.Statut.ANNULE),
        },
        "moves": {
            Evenement.Statut.PUBLIE: lambda o: o.publier(),
            Evenement.Statut.ANNULE: lambda o: o.annuler(),
            Evenement.Statut.TERMINE: lambda o: o.terminer(),
        },
    },
    # A selection session (cohort): planned, running, closed once the jury decided everyone,
    # or cancelled before its end.
    "session_selection": {
        "model": SessionSelection,
        "factory": SessionSelectionFactory,
        "legal": {
            (SessionSelection.Statut.PREVUE, SessionSelection.Statut.EN_COURS),
            (SessionSelection.Statut.PREVUE, SessionSelection.Statut.ANNULEE),
            (SessionSelection.Statut.EN_COURS, SessionSelection.Statut.CLOSE),
            (SessionSelection.Statut.EN_COURS, SessionSelection.Statut.ANNULEE),
        },
        "moves": {
            SessionSelection.Statut.EN_COURS: lambda o: o.demarrer(),
            SessionSelection.Statut.CLOSE: lambda o: o.clore(),
            SessionSelection.Statut.ANNULEE: lambda o: o.annuler(),
        },
    },
    "rapport": {
        "model": Rapport,
        "factory": RapportFactory,
        "legal": {
            (Rapport.Statut.EN_ATTENTE, Rapport.Statut.EN_COURS),
            (Rapport.Statut.EN_ATTENTE, Rapport.Statut.ECHEC),
            (Rapport.Statut.EN_COURS, Rapport.Statut.PRET),
            (Rapport.Statut.EN_COURS, Rapport.Statut.ECHEC),
            (Rapport.Statut.ECHEC, Rapport.Statut.EN_ATTENTE),
            # Taken back to be produced again (a person listed in it was erased).
            (Rapport.Statut.EN_COURS, Rapport.Statut.EN_ATTENTE),
            (Rapport.Statut.PRET, Rapport.Statut.EN_ATTENTE),
        },
        "moves": {
            Rapport.Statut.EN_COURS: lambda o: o.demarrer(),
            Rapport.Statut.PRET: lambda o: o.terminer(),
            Rapport.Statut.ECHEC: lambda o: o.echouer("Délai dépassé."),
            Rapport.Statut.EN_ATTENTE: lambda o: o.reprendre(motif="Une personne a été effacée."),
        },
    },
}


def _cases():
    for name, machine in MACHINES.items():
        statuts = list(machine["model"].Statut)
        for source, cible in itertools.product(statuts, statuts):
            if cible in machine["moves"]:
                yield pytest.param(name, source, cible, id=f"{name}:{source}->{cible}")


def _build(name, source):
    machine = MACHINES[name]
    obj = machine["factory"](statut=source)
    if name == "convention":
        ObjectifFactory(convention=obj)
    return obj


@pytest.mark.django_db
@pytest.mark.parametrize("name,source,cible", list(_cases()))
def test_every_move(name, source, cible):
    machine = MACHINES[name]
    obj = _build(name, source)
    move = machine["moves"][cible]
    if (source, cible) in machine["legal"]:
        move(obj)
        obj.full_clean()
        obj.save()
        obj.refresh_from_db()
        assert obj.statut == cible
    else:
        with pytest.raises(TransitionError) as excinfo:
            move(obj)
        assert "Passage impossible" in str(excinfo.value)
        obj.refresh_from_db()
        assert obj.statut == source


def test_tables_match_the_rules():
    """The model tables allow exactly the moves listed above (no extra, none missing)."""
    for name, machine in MACHINES.items():
        model = machine["model"]
        table = {(s, c) for s, cibles in model.TRANSITIONS.items() for c in cibles}
        assert table == machine["legal"], name
        assert set(model.TRANSITIONS) == set(model.Statut), name


@pytest.mark.django_db
@pytest.mark.parametrize("source", list(Rapport.Statut))
def test_only_a_failed_report_is_started_again(source):
    rapport = RapportFactory(statut=source)
    if source == Rapport.Statut.ECHEC:
        rapport.relancer()
        assert rapport.statut == Rapport.Statut.EN_ATTENTE
    else:
        with pytest.raises(TransitionError, match="Passage impossible"):
            rapport.relancer()
        assert rapport.statut == source


@pytest.mark.django_db
def test_refusal_and_decline_need_a_reason():
    candidature = CandidatureFactory()
    with pytest.raises(ValidationError):
        candidature.refuser("   ")
    assert candidature.statut == C.DEPOSEE
    pair = ParrainageFactory(attente=True)
    with pytest.raises(ValidationError):
        pair.decliner("")
    assert pair.statut == P.ATTENTE_PARRAIN
    active = ParrainageFactory(actif=True)
    with pytest.raises(ValidationError):
        active.interrompre(motif="")
    assert active.statut == P.ACTIF


@pytest.mark.django_db
def test_decision_records_who_and_when():
    staff = gestionnaire()
    candidature = CandidatureFactory()
    candidature.retenir(par=staff)
    assert candidature.decidee_par == staff
    assert candidature.decidee_le is not None


@pytest.mark.django_db
def test_accepting_sets_dates_from_the_programme_duration():
    import datetime as dt

    pair = ParrainageFactory(attente=True, programme__duree_parrainage_mois=6)
    pair.accepter(debut=dt.date(2026, 8, 31))
    assert pair.date_debut == dt.date(2026, 8, 31)
    assert pair.date_fin_prevue == dt.date(2027, 2, 28)
    assert pair.repondu_le is not None


@pytest.mark.django_db
def test_ending_before_start_is_refused():
    import datetime as dt

    pair = ParrainageFactory(actif=True)
    with pytest.raises(ValidationError):
        pair.terminer(fin=pair.date_debut - dt.timedelta(days=1))
    assert pair.statut == P.ACTIF


@pytest.mark.django_db
def test_convention_without_objective_cannot_be_signed():
    convention = ConventionFactory()
    with pytest.raises(ValidationError, match="sans objectif"):
        convention.signer()
    assert convention.statut == V.BROUILLON


@pytest.mark.django_db
def test_meeting_topics_are_checked():
    rencontre = RencontreFactory()
    with pytest.raises(ValidationError):
        rencontre.marquer_tenue(themes=["astrologie"])
    assert rencontre.statut == Rencontre.Statut.PREVUE
