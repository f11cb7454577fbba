"""Events open to mentees, mentors and partner members as each event says: each registers
in their own space (capacity held under concurrency, a calendar invitation through the
outbox), staff record attendance in the admin, and the person sees it in their space."""

import base64
import datetime as dt

import factory
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.services import (
    inscription_prendre,
    parrain_desinscrire,
    parrain_inscrire,
)
from programmes.models import Evenement, Inscription
from tests.concurrence import simultanement
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.parrainages.factories import CandidatureFactory, FilleulFactory, ParrainFactory
from tests.partenaires.factories import ConventionFactory, MembreFactory
from tests.programmes.factories import (
    CommuneFactory,
    EvenementFactory,
    InscriptionFactory,
    ProgrammeFactory,
    StructureFactory,
    affecter,
)

P = Evenement.Public
TOUS = [P.FILLEULS, P.PARRAINS, P.PARTENAIRES]


def table_ronde(programme, publics=TOUS, **kwargs):
    return EvenementFactory(
        programme=programme,
        type=Evenement.Type.TABLE_RONDE,
        titre=factory.Sequence(lambda n: f"Table ronde {n}"),
        publics=publics,
        publie=True,
        **kwargs,
    )


def parrain_de(programme):
    parrain = ParrainFactory()
    parrain.programmes.add(programme)
    return parrain


def membre_avec_convention(programme):
    membre = MembreFactory()
    ConventionFactory(partenaire=membre.partenaire, active=True).programmes.add(programme)
    return membre


def envois(user, methode):
    return [
        e
        for e in Envoi.objects.filter(regle="evenement_invitation", destinataire=user)
        if f":{methode}:" in e.cle
    ]


def ics(envoi) -> str:
    (piece,) = envoi.pieces_jointes
    return base64.b64decode(piece["contenu"]).decode()


# --- The model ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_event_is_for_mentees_unless_staff_open_it_to_others():
    assert EvenementFactory().publics == [P.FILLEULS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "champs",
    [
        lambda f, p, u: {"public": P.FILLEULS, "filleul": f, "parrain": p},
        lambda f, p, u: {"public": P.PARRAINS, "filleul": f},
        lambda f, p, u: {"public": P.PARRAINS, "membre": u},
        lambda f, p, u: {"public": P.FILLEULS},
        lambda f, p, u: {"public": P.PARTENAIRES, "membre": u, "parrain": p},
    ],
    ids=["deux-personnes", "filleul-en-parrain", "membre-en-parrain", "personne", "membre-parrain"],
)
def test_a_registration_is_exactly_the_person_of_its_audience(champs):
    evenement = EvenementFactory()
    valeurs = champs(FilleulFactory(), ParrainFactory(), UserFactory())
    with pytest.raises(ValidationError):
        Inscription(evenement=evenement, **valeurs).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Inscription.objects.create(evenement=evenement, **valeurs)


@pytest.mark.django_db
def test_a_person_registers_once_per_event_in_each_capacity():
    evenement = EvenementFactory()
    parrain = ParrainFactory()
    InscriptionFactory(evenement=evenement, parrain=parrain)
    with pytest.raises(IntegrityError), transaction.atomic():
        Inscription.objects.create(evenement=evenement, public=P.PARRAINS, parrain=parrain)


# --- Who may register -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_mentor_registers_to_an_event_open_to_mentors_and_receives_the_invitation(client):
    programme = ProgrammeFactory()
    parrain = parrain_de(programme)
    ouverte = table_ronde(programme, lieu="Hôtel de ville")
    reservee = table_ronde(programme, publics=[P.FILLEULS])
    ailleurs = table_ronde(ProgrammeFactory())
    connecter(client, parrain.user)

    page = client.get(reverse("parrain:evenements")).content.decode()
    assert ouverte.titre in page
    assert reservee.titre not in page and ailleurs.titre not in page

    response = client.post(reverse("parrain:evenements"), {"evenement": ouverte.pk})
    assert response.status_code == 302
    inscription = Inscription.objects.get(evenement=ouverte)
    assert (inscription.public, inscription.parrain, inscription.filleul) == (
        P.PARRAINS,
        parrain,
        None,
    )
    (envoi,) = envois(parrain.user, "REQUEST")
    assert envoi.email == parrain.user.email
    calendrier = ics(envoi)
    assert "METHOD:REQUEST" in calendrier and ouverte.titre in calendrier
    assert "Hôtel de ville" in calendrier

    for evenement in (reservee, ailleurs):
        client.post(reverse("parrain:evenements"), {"evenement": evenement.pk})
        assert not Inscription.objects.filter(evenement=evenement).exists()


@pytest.mark.django_db
def test_cancelling_withdraws_the_calendar_entry_and_registering_again_is_a_new_one():
    programme = ProgrammeFactory()
    parrain = parrain_de(programme)
    evenement = table_ronde(programme)
    premiere = parrain_inscrire(evenement=evenement, parrain=parrain)
    parrain_desinscrire(evenement=evenement, parrain=parrain)
    (annulation,) = envois(parrain.user, "CANCEL")
    assert "METHOD:CANCEL" in ics(annulation) and "STATUS:CANCELLED" in ics(annulation)
    uid = next(ligne for ligne in ics(annulation).splitlines() if ligne.startswith("UID"))
    assert uid in ics(envois(parrain.user, "REQUEST")[0])

    reprise = parrain_inscrire(evenement=evenement, parrain=parrain)
    assert reprise.pk == premiere.pk and reprise.statut == Inscription.Statut.INSCRIT
    assert len(envois(parrain.user, "REQUEST")) == 2


@pytest.mark.django_db
def test_a_partner_member_sees_the_events_of_the_programmes_their_partner_works_with(client):
    conventionne, oriente, etranger = ProgrammeFactory(), ProgrammeFactory(), ProgrammeFactory()
    membre = membre_avec_convention(conventionne)
    CandidatureFactory(programme=oriente, prescripteur=membre.partenaire)
    par_convention = table_ronde(conventionne)
    par_orientation = table_ronde(oriente)
    pour_les_filleuls = table_ronde(conventionne, publics=[P.FILLEULS, P.PARRAINS])
    hors_champ = table_ronde(etranger)
    connecter(client, membre.user)

    page = client.get(reverse("partenaires:evenements")).content.decode()
    assert par_convention.titre in page and par_orientation.titre in page
    assert pour_les_filleuls.titre not in page and hors_champ.titre not in page

    client.post(reverse("partenaires:evenements"), {"evenement": par_orientation.pk})
    inscription = Inscription.objects.get(evenement=par_orientation)
    assert (inscription.public, inscription.membre) == (P.PARTENAIRES, membre.user)
    assert envois(membre.user, "REQUEST")
    for evenement in (pour_les_filleuls, hors_champ):
        response = client.post(reverse("partenaires:evenements"), {"evenement": evenement.pk})
        assert response.status_code == 302
        assert not Inscription.objects.filter(evenement=evenement).exists()

    client.post(
        reverse("partenaires:evenements"), {"evenement": par_orientation.pk, "action": "annuler"}
    )
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.ANNULE


@pytest.mark.django_db
def test_the_mentee_page_lists_only_events_open_to_mentees(client):
    programme = ProgrammeFactory()
    filleul = FilleulFactory()
    CandidatureFactory(filleul=filleul, programme=programme)
    pour_eux = table_ronde(programme)
    sans_eux = table_ronde(programme, publics=[P.PARRAINS, P.PARTENAIRES])
    connecter(client, filleul.user)
    page = client.get(reverse("filleul:evenements")).content.decode()
    assert pour_eux.titre in page and sans_eux.titre not in page
    client.post(reverse("filleul:evenements"), {"evenement": sans_eux.pk})
    assert not Inscription.objects.filter(evenement=sans_eux).exists()
    client.post(reverse("filleul:evenements"), {"evenement": pour_eux.pk})
    assert Inscription.objects.get(evenement=pour_eux).filleul == filleul


@pytest.mark.django_db
def test_one_person_in_two_capacities_takes_one_place(client):
    programme = ProgrammeFactory()
    parrain = parrain_de(programme)
    membre = membre_avec_convention(programme)
    membre.user = parrain.user
    membre.save()
    evenement = table_ronde(programme)
    parrain_inscrire(evenement=evenement, parrain=parrain)
    connecter(client, parrain.user)
    response = client.post(
        reverse("partenaires:evenements"), {"evenement": evenement.pk}, follow=True
    )
    assert "déjà inscrit" in response.content.decode()
    assert evenement.inscriptions.count() == 1


# --- Places -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_last_place_goes_to_one_audience_and_the_next_person_is_told_it_is_full(client):
    programme = ProgrammeFactory()
    evenement = table_ronde(programme, places=2)
    InscriptionFactory(evenement=evenement)
    InscriptionFactory(evenement=evenement, annule=True)  # a cancelled one frees its place
    parrain_inscrire(evenement=evenement, parrain=parrain_de(programme))
    membre = membre_avec_convention(programme)
    connecter(client, membre.user)
    page = client.get(reverse("partenaires:evenements")).content.decode()
    assert "Complet" in page
    response = client.post(
        reverse("partenaires:evenements"), {"evenement": evenement.pk}, follow=True
    )
    assert "complet" in response.content.decode()
    assert evenement.inscriptions.exclude(statut=Inscription.Statut.ANNULE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_three_audiences_never_exceed_the_places(postgres):
    programme = ProgrammeFactory()
    evenement = table_ronde(programme, places=2)
    filleul = FilleulFactory()
    CandidatureFactory(filleul=filleul, programme=programme)
    parrains = [parrain_de(programme) for _ in range(2)]
    membre = membre_avec_convention(programme)
    ouverts = Evenement.objects.filter(pk=evenement.pk)

    def prendre(public, personne):
        return lambda: inscription_prendre(
            evenement=evenement, public=public, personne=personne, ouverts=ouverts
        )

    resultats = simultanement(
        prendre(P.FILLEULS, filleul),
        *(prendre(P.PARRAINS, p) for p in parrains),
        prendre(P.PARTENAIRES, membre.user),
    )
    gagnants = [r for r in resultats if isinstance(r, Inscription)]
    perdants = [r for r in resultats if isinstance(r, ValidationError)]
    assert len(gagnants) == 2 and len(perdants) == 2, resultats
    assert all("complet" in str(e) for e in perdants)
    assert evenement.inscriptions.count() == 2
    assert Envoi.objects.filter(regle="evenement_invitation").count() == 2


# --- Attendance ---------------------------------------------------------------------------------


def _passe(evenement):
    maintenant = timezone.now()
    Evenement.objects.filter(pk=evenement.pk).update(
        debut=maintenant - dt.timedelta(hours=3), fin=maintenant - dt.timedelta(hours=1)
    )


@pytest.mark.django_db
def test_staff_mark_attendance_in_the_admin_and_each_person_sees_it_in_their_space(client):
    programme = ProgrammeFactory()
    evenement = table_ronde(programme)
    parrain = parrain_de(programme)
    membre = membre_avec_convention(programme)
    du_parrain = InscriptionFactory(evenement=evenement, parrain=parrain)
    du_membre = InscriptionFactory(evenement=evenement, membre=membre.user)
    annulee = InscriptionFactory(evenement=evenement, annule=True)
    staff = gestionnaire()
    connecter(client, staff)
    url = reverse("admin:programmes_inscription_changelist")
    tous = [du_parrain.pk, du_membre.pk, annulee.pk]

    # Not begun yet: nothing is marked.
    client.post(url, {"action": "marquer_present", "_selected_action": tous})
    du_parrain.refresh_from_db()
    assert du_parrain.statut == Inscription.Statut.INSCRIT

    _passe(evenement)
    client.post(url, {"action": "marquer_present", "_selected_action": [du_parrain.pk, annulee.pk]})
    client.post(url, {"action": "marquer_absent", "_selected_action": [du_membre.pk]})
    statuts = dict(Inscription.objects.values_list("pk", "statut"))
    assert statuts == {
        du_parrain.pk: Inscription.Statut.PRESENT,
        du_membre.pk: Inscription.Statut.ABSENT,
        annulee.pk: Inscription.Statut.ANNULE,
    }

    client.logout()
    connecter(client, parrain.user)
    assert "Présent" in client.get(reverse("parrain:evenements")).content.decode()
    client.logout()
    connecter(client, membre.user)
    assert "Absent" in client.get(reverse("partenaires:evenements")).content.decode()


@pytest.mark.django_db
def test_the_event_page_of_the_admin_shows_every_audience_registered(client):
    programme = ProgrammeFactory()
    evenement = table_ronde(programme)
    parrain = parrain_de(programme)
    membre = MembreFactory()
    InscriptionFactory(evenement=evenement)
    InscriptionFactory(evenement=evenement, parrain=parrain)
    InscriptionFactory(evenement=evenement, membre=membre.user)
    connecter(client, gestionnaire())
    page = client.get(reverse("admin:programmes_evenement_change", args=[evenement.pk]))
    assert page.status_code == 200
    contenu = page.content.decode()
    assert str(parrain) in contenu
    assert str(membre.user) in contenu
    liste = client.get(reverse("admin:programmes_inscription_changelist")).content.decode()
    assert parrain.user.get_full_name() in liste and membre.user.get_full_name() in liste


@pytest.mark.django_db
def test_a_territorial_team_sees_the_registrations_of_its_territory_whoever_registered(client):
    """A registration is placed by its person's commune (a mentee's, a mentor's) or by its
    event's (a partner member has none)."""
    programme = ProgrammeFactory(structure=False)
    affecter(staff := gestionnaire(), StructureFactory(programmes=[programme], departements=["31"]))
    toulouse = CommuneFactory(code_insee="31555", nom="Toulouse")
    lyon = CommuneFactory(code_insee="69123", nom="Lyon")
    a_toulouse = table_ronde(programme, commune=toulouse)
    a_lyon = table_ronde(programme, commune=lyon)
    vues = {
        InscriptionFactory(evenement=a_toulouse, membre=UserFactory()).pk,
        InscriptionFactory(evenement=a_lyon, parrain=ParrainFactory(commune=toulouse)).pk,
        InscriptionFactory(evenement=a_lyon, filleul=FilleulFactory(commune=toulouse)).pk,
    }
    cachees = {
        InscriptionFactory(evenement=a_lyon, membre=UserFactory()).pk,
        InscriptionFactory(evenement=a_lyon, parrain=ParrainFactory(commune=lyon)).pk,
        InscriptionFactory(evenement=a_lyon, parrain=ParrainFactory(commune=None)).pk,
    }
    connecter(client, staff)
    response = client.get(reverse("admin:programmes_inscription_changelist"))
    assert {i.pk for i in response.context["cl"].result_list} == vues
    for pk in cachees:
        url = reverse("admin:programmes_inscription_change", args=[pk])
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_staff_cancelling_an_event_tell_every_person_still_registered(client):
    programme = ProgrammeFactory()
    evenement = table_ronde(programme)
    parrain = parrain_de(programme)
    membre = membre_avec_convention(programme)
    parrain_inscrire(evenement=evenement, parrain=parrain)
    inscription_prendre(
        evenement=evenement,
        public=P.PARTENAIRES,
        personne=membre.user,
        ouverts=Evenement.objects.filter(pk=evenement.pk),
    )
    parti = parrain_de(programme)
    parrain_inscrire(evenement=evenement, parrain=parti)
    parrain_desinscrire(evenement=evenement, parrain=parti)  # already told
    connecter(client, gestionnaire())
    client.post(
        reverse("admin:programmes_evenement_changelist"),
        {"action": "annuler", "_selected_action": [evenement.pk]},
    )
    evenement.refresh_from_db()
    assert evenement.statut == Evenement.Statut.ANNULE
    for user in (parrain.user, membre.user):
        (envoi,) = envois(user, "CANCEL")
        assert envoi.sujet.startswith("Événement annulé")
        assert "STATUS:CANCELLED" in ics(envoi)
    assert len(envois(parti.user, "CANCEL")) == 1
