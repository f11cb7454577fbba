"""What a staff member may *write* across structures: a form's choices, an inline's rows and an
account follow the role the staff member holds where the row lives (mentorat/admin_perimetre.py).

The crawl (tests/test_perimetre_admin.py) reads everything as staff of one structure; here a
staff member holds two roles at once — counsellor or coordinator in A, read-only in B — and
tries to write into B through the forms that reach it sideways.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from parrainages.models import Candidature
from partenaires.models import Membre
from programmes.models import Inscription, Public
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import CandidatureFactory, FilleulFactory, ParrainFactory
from tests.partenaires.factories import MembreFactory, PartenaireFactory, PrescriptionFactory
from tests.programmes.factories import (
    CommuneFactory,
    EvenementFactory,
    ProgrammeFactory,
    StructureFactory,
    affecter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deux():
    clermont = CommuneFactory(code_insee="63113", nom="Clermont-Ferrand", code_postal="63000")
    strasbourg = CommuneFactory(code_insee="67482", nom="Strasbourg", code_postal="67000")
    pa = ProgrammeFactory(structure=False, nom="Programme A")
    pb = ProgrammeFactory(structure=False, nom="Programme B")
    a = StructureFactory(nom="Mission locale A", departements=["63"], programmes=[pa])
    b = StructureFactory(nom="Service B", departements=["67"], programmes=[pb])
    personne = gestionnaire(structure=a, email="double@a.example")
    affecter(personne, a, "coordinateur")
    affecter(personne, b, "lecture")
    filleul_b = FilleulFactory(commune=strasbourg)
    CandidatureFactory(filleul=filleul_b, programme=pb)
    return {
        "pa": pa,
        "pb": pb,
        "a": a,
        "b": b,
        "personne": personne,
        "clermont": clermont,
        "strasbourg": strasbourg,
        "filleul_b": filleul_b,
    }


def test_a_form_offers_only_the_programmes_where_the_staff_member_writes(client, deux):
    connecter(client, deux["personne"])
    reponse = client.get(reverse("admin:parrainages_candidature_add"))
    assert reponse.status_code == 200
    choix = reponse.context["adminform"].form.fields["programme"].queryset
    assert set(choix) == {deux["pa"]}
    # Posting B's programme anyway: refused, nothing written.
    filleul_a = FilleulFactory(commune=deux["clermont"])
    avant = Candidature.objects.count()
    reponse = client.post(
        reverse("admin:parrainages_candidature_add"),
        {"filleul": filleul_a.pk, "programme": deux["pb"].pk, "statut": "deposee"},
    )
    assert reponse.status_code == 200
    assert "programme" in reponse.context["adminform"].form.errors
    assert Candidature.objects.count() == avant


def test_an_account_seen_read_only_cannot_be_changed(client, deux):
    compte = deux["filleul_b"].user
    connecter(client, deux["personne"])
    page = reverse("admin:mentorat_user_change", args=[compte.pk])
    reponse = client.get(page)
    assert reponse.status_code == 200  # read, as their read-only role in B allows
    reponse = client.post(page, {"email": "pris@exemple.fr", "first_name": "X", "last_name": "Y"})
    assert reponse.status_code == 403
    compte.refresh_from_db()
    assert compte.email != "pris@exemple.fr"


def test_an_inline_refuses_a_person_from_outside_the_perimeter(client, deux):
    """A partner's members inline: another structure's mentee cannot be made a member of a
    partner one sees (and so come into one's account list)."""
    partenaire = PartenaireFactory(commune=deux["clermont"])
    PrescriptionFactory(partenaire=partenaire, programme=deux["pa"])
    intrus = deux["filleul_b"].user
    connecter(client, deux["personne"])
    page = reverse("admin:partenaires_partenaire_change", args=[partenaire.pk])
    reponse = client.get(page)
    assert reponse.status_code == 200
    formset = next(f for f in reponse.context["inline_admin_formsets"] if f.formset.model is Membre)
    assert intrus not in formset.formset.empty_form.fields["user"].queryset


def test_an_events_registrations_are_placed_by_each_persons_commune(client, deux):
    """A programme-wide event seen by A's team: the registrations of B's territory's people
    are not listed to A, on the registrations' list nor on the event's page."""
    evenement = EvenementFactory(
        programme=deux["pa"],
        publie=True,
        publics=[Public.FILLEULS, Public.PARRAINS, Public.PARTENAIRES],
        commune=deux["clermont"],  # in A's territory: B's people registered still are not A's
        debut=timezone.now() + dt.timedelta(days=3),
        fin=timezone.now() + dt.timedelta(days=3, hours=2),
    )
    filleul_a = FilleulFactory(commune=deux["clermont"])
    CandidatureFactory(filleul=filleul_a, programme=deux["pa"])
    a_moi = Inscription.objects.create(evenement=evenement, filleul=filleul_a)
    filleul_b = FilleulFactory(commune=deux["strasbourg"])
    CandidatureFactory(filleul=filleul_b, programme=deux["pa"])
    pas_a_moi = Inscription.objects.create(evenement=evenement, filleul=filleul_b)
    parrain_b = ParrainFactory(commune=deux["strasbourg"], programmes=[deux["pa"]])
    pas_a_moi_non_plus = Inscription.objects.create(
        evenement=evenement, parrain=parrain_b, public=Public.PARRAINS
    )
    membre = MembreFactory()
    du_partenaire = Inscription.objects.create(
        evenement=evenement, membre=membre.user, public=Public.PARTENAIRES
    )
    # A's team is limited to the 63: a mentee's or mentor's registration by their own commune.
    connecter(client, deux["personne"])
    liste = client.get(reverse("admin:programmes_inscription_changelist"))
    vues = set(liste.context["cl"].result_list)
    # A partner member's registration is placed by the event's commune.
    assert a_moi in vues and du_partenaire in vues
    assert pas_a_moi not in vues and pas_a_moi_non_plus not in vues
    page = client.get(reverse("admin:programmes_evenement_change", args=[evenement.pk]))
    formset = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.model is Inscription
    )
    lignes = set(formset.formset.queryset)
    assert a_moi in lignes
    assert pas_a_moi not in lignes and pas_a_moi_non_plus not in lignes
