"""Factories: staff traits give the right group, status traits a row its transitions could
have made (the status, and what comes with it)."""

import pytest

from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE
from tests.mentorat.factories import EnvoiFactory, UserFactory
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    ImmersionFactory,
    MatchingRunFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
)
from tests.partenaires.factories import ConventionFactory, RapportFactory
from tests.programmes.factories import EvenementFactory, InscriptionFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "trait, groupe", [("gestionnaire", GESTIONNAIRE), ("administrateur", ADMINISTRATEUR)]
)
def test_staff_traits_give_their_group(trait, groupe):
    user = UserFactory(**{trait: True})
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [groupe]


def test_only_administrators_may_delete_a_person():
    assert UserFactory(administrateur=True).has_perm("mentorat.delete_user")
    assert not UserFactory(gestionnaire=True).has_perm("mentorat.delete_user")
    ordinaire = UserFactory()
    assert not ordinaire.is_staff and not ordinaire.groups.exists()


ETATS = [
    (ProgrammeFactory, "brouillon", "brouillon", {}),
    (ProgrammeFactory, "en_cours", "en_cours", {}),
    (ProgrammeFactory, "clos", "clos", {}),
    (EvenementFactory, "publie", "publie", {}),
    (EvenementFactory, "annule", "annule", {}),
    (EvenementFactory, "termine", "termine", {}),
    (InscriptionFactory, "present", "present", {}),
    (InscriptionFactory, "absent", "absent", {}),
    (ParrainFactory, "invite", "invite", {}),
    (ParrainFactory, "a_valider", "a_valider", {}),
    (ParrainFactory, "pause", "pause", {}),
    (ParrainFactory, "inactif", "inactif", {}),
    (CandidatureFactory, "en_etude", "en_etude", {"decidee_le"}),
    (CandidatureFactory, "retenue", "retenue", {"decidee_le"}),
    (CandidatureFactory, "refusee", "refusee", {"decidee_le", "motif_refus"}),
    (CandidatureFactory, "desistee", "desistee", {}),
    (ParrainageFactory, "attente", "attente_parrain", {"envoye_le"}),
    (ParrainageFactory, "actif", "actif", {"date_debut", "date_fin_prevue"}),
    (ParrainageFactory, "decline", "decline", {"repondu_le", "motif_declin"}),
    (ParrainageFactory, "expire", "expire", {}),
    (ParrainageFactory, "annule", "annule", {}),
    (ParrainageFactory, "termine", "termine", {"date_debut", "date_fin"}),
    (ParrainageFactory, "interrompu", "interrompu", {"date_debut", "date_fin", "motif_fin"}),
    (RencontreFactory, "tenue", "tenue", {}),
    (RencontreFactory, "annulee", "annulee", {}),
    (ImmersionFactory, "validee", "validee", {}),
    (ImmersionFactory, "terminee", "terminee", {}),
    (CharteFactory, "signee", "signee", {"signee_le"}),
    (CharteFactory, "annulee", "annulee", {"annulee_le", "motif_annulation"}),
    (ConventionFactory, "signee", "signee", {"signee_le"}),
    (ConventionFactory, "active", "active", {"signee_le"}),
    (ConventionFactory, "terminee", "terminee", {"signee_le"}),
    (RapportFactory, "en_cours", "en_cours", {"demarre_le", "battement_le"}),
    (RapportFactory, "pret", "pret", {"genere_le"}),
    (RapportFactory, "echec", "echec", {"erreur"}),
    (MatchingRunFactory, "en_attente", "en_attente", {}),
    (MatchingRunFactory, "en_cours", "en_cours", {"debut"}),
    (MatchingRunFactory, "echoue", "echoue", {"erreur"}),
    (EnvoiFactory, "envoye", "envoye", {"envoye_le"}),
    (EnvoiFactory, "echec", "echec", {"erreur"}),
]


@pytest.mark.parametrize(
    "usine, trait, statut, remplis", ETATS, ids=[f"{u.__name__}-{t}" for u, t, _, _ in ETATS]
)
def test_each_status_trait_gives_that_status_and_what_comes_with_it(usine, trait, statut, remplis):
    objet = usine(**{trait: True})
    objet.refresh_from_db()
    assert objet.statut == statut
    assert all(getattr(objet, champ) for champ in remplis), remplis
    if usine is ParrainageFactory and objet.date_fin:
        assert objet.date_debut <= objet.date_fin
