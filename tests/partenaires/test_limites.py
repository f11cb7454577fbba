"""Daily limits of the partner portal and of the staff's report requests (issue #13, point 8):
a refused request says why in French and writes nothing; yesterday's requests do not count."""

import datetime as dt
import html
import threading

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import service_missing
from partenaires import services
from partenaires.models import Prescription, Rapport
from tests.mentorat.factories import connecter, gestionnaire
from tests.partenaires.factories import (
    ConventionFactory,
    MembreFactory,
    ObjectifFactory,
    PrescriptionFactory,
    RapportFactory,
)
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

HIER = timezone.now() - dt.timedelta(days=1)


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def membre():
    return MembreFactory(partenaire__nom="Mission locale de Toulouse")


@pytest.fixture
def programme():
    return ProgrammeFactory()


def prescrire(client, membre, programme, n):
    return client.post(
        reverse("partenaires:prescrire"),
        {
            "partenaire": membre.partenaire.pk,
            "programme": programme.pk,
            "prenom": "Sarah",
            "nom": f"Diallo {n}",
            "email": f"sarah{n}@exemple.fr",
        },
    )


# --- Referral invitations -------------------------------------------------------------------


def test_a_member_sends_at_most_so_many_invitations_a_day(
    client, settings, membre, programme, django_capture_on_commit_callbacks
):
    settings.LIMITE_INVITATIONS_MEMBRE_JOUR = 2
    PrescriptionFactory.create_batch(3, conseiller=membre.user, created_at=HIER)  # not today
    client.force_login(membre.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert prescrire(client, membre, programme, 1).status_code == 302
        assert prescrire(client, membre, programme, 2).status_code == 302
        refus = prescrire(client, membre, programme, 3)
    assert refus.status_code == 200
    assert "Vous avez déjà envoyé 2 invitations aujourd'hui" in texte(refus)
    assert Prescription.objects.filter(created_at__gte=HIER + dt.timedelta(hours=1)).count() == 2
    assert len(mail.outbox) == 2


def test_a_partner_sends_at_most_so_many_invitations_a_day(
    client, settings, membre, programme, django_capture_on_commit_callbacks
):
    settings.LIMITE_INVITATIONS_PARTENAIRE_JOUR = 3
    collegue = MembreFactory(partenaire=membre.partenaire)
    PrescriptionFactory.create_batch(2, partenaire=membre.partenaire, conseiller=collegue.user)
    PrescriptionFactory.create_batch(5, conseiller=membre.user)  # for another partner
    client.force_login(membre.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert prescrire(client, membre, programme, 1).status_code == 302
        refus = prescrire(client, membre, programme, 2)
    assert "Mission locale de Toulouse a déjà envoyé 3 invitations aujourd'hui" in texte(refus)
    assert Prescription.objects.filter(partenaire=membre.partenaire).count() == 3
    assert len(mail.outbox) == 1


# --- Report requests ------------------------------------------------------------------------


@pytest.fixture
def convention(membre):
    convention = ConventionFactory(
        partenaire=membre.partenaire,
        active=True,
        date_debut=dt.date(2026, 1, 1),
        date_fin=dt.date(2026, 12, 31),
    )
    ObjectifFactory(convention=convention)
    return convention


def demander(client, convention, debut="2026-01-01", fin="2026-01-31"):
    return client.post(
        reverse("partenaires:convention", args=[convention.pk]), {"debut": debut, "fin": fin}
    )


def test_a_member_requests_at_most_so_many_reports_a_day(client, settings, membre, convention):
    settings.LIMITE_RAPPORTS_MEMBRE_JOUR = 2
    RapportFactory.create_batch(4, convention=convention, demande_par=membre.user, created_at=HIER)
    for mois in (1, 2, 3):  # the monthly ones
        RapportFactory(
            convention=convention,
            automatique=True,
            periode_debut=dt.date(2026, mois, 1),
            periode_fin=dt.date(2026, mois, 28),
        )
    client.force_login(membre.user)
    assert demander(client, convention).status_code == 302
    assert demander(client, convention, "2026-02-01", "2026-02-28").status_code == 302
    refus = demander(client, convention, "2026-03-01", "2026-03-31")
    assert refus.status_code == 200
    assert "Vous avez déjà demandé 2 rapports aujourd'hui" in texte(refus)
    assert Rapport.objects.filter(demande_par=membre.user).count() == 6


def test_the_same_request_posted_twice_is_one_report(client, membre, convention):
    client.force_login(membre.user)
    assert [demander(client, convention).status_code for _ in range(3)] == [302] * 3
    assert Rapport.objects.filter(demande_par=membre.user).count() == 1


def test_a_partner_requests_at_most_so_many_reports_a_day(
    client, settings, membre, convention, staff_user
):
    settings.LIMITE_RAPPORTS_PARTENAIRE_JOUR = 2
    collegue = MembreFactory(partenaire=membre.partenaire)
    RapportFactory(convention=convention, demande_par=collegue.user)
    RapportFactory.create_batch(3, convention=convention, demande_par=staff_user)  # staff's
    client.force_login(membre.user)
    assert demander(client, convention).status_code == 302
    refus = demander(client, convention, "2026-02-01", "2026-02-28")
    assert "Les membres de Mission locale de Toulouse ont déjà demandé 2 rapports" in texte(refus)
    assert Rapport.objects.filter(demande_par=membre.user).count() == 1


@pytest.fixture
def staff_user():
    return gestionnaire()


def test_staff_request_at_most_so_many_reports_a_day_in_the_admin(
    client, settings, staff_user, convention
):
    settings.LIMITE_RAPPORTS_EQUIPE_JOUR = 3
    settings.LIMITE_RAPPORTS_PARTENAIRE_JOUR = 1  # a partner's limit is its members'
    autres = [ConventionFactory(active=True, reference=f"CONV-L-{n}") for n in range(3)]
    connecter(client, staff_user)
    reponse = client.post(
        reverse("admin:partenaires_convention_changelist"),
        {
            "action": "produire_rapport",
            "_selected_action": [c.pk for c in [convention, *autres]],
            "appliquer": "1",
            "debut": "2026-01-01",
            "fin": "2026-01-31",
        },
        follow=True,
    )
    messages = [m.message for m in get_messages(reponse.wsgi_request)] or [
        str(m) for m in reponse.context["messages"]
    ]
    assert any("3 rapports du 01/01/2026 au 31/01/2026" in m for m in messages), messages
    refus = next(m for m in messages if "Vous avez déjà demandé 3 rapports" in m)
    assert refus.endswith("Non demandés : CONV-L-2.")
    assert Rapport.objects.count() == 3

    # The add form refuses too, with the same message.
    ajout = client.post(
        reverse("admin:partenaires_rapport_add"),
        {"convention": convention.pk, "periode_debut": "2026-02-01", "periode_fin": "2026-02-28"},
    )
    assert ajout.status_code == 200
    erreurs = ajout.context["adminform"].form.non_field_errors()
    assert "Vous avez déjà demandé 3 rapports aujourd'hui" in erreurs[0]
    assert Rapport.objects.count() == 3


@pytest.mark.parametrize(
    ("debut", "fin", "champs"),
    [
        ("2025-12-01", "2026-01-31", {"debut"}),
        ("2026-12-01", "2027-01-31", {"fin"}),
        ("2000-01-01", "2099-12-31", {"debut", "fin"}),
    ],
)
def test_a_report_period_stays_within_the_convention(
    client, membre, convention, staff_user, debut, fin, champs
):
    client.force_login(membre.user)
    refus = demander(client, convention, debut, fin)
    assert refus.status_code == 200
    assert set(refus.context["form"].errors) == champs
    assert "qui court du 01/01/2026 au 31/12/2026" in texte(refus)

    connecter(client, staff_user)
    ajout = client.post(
        reverse("admin:partenaires_rapport_add"),
        {"convention": convention.pk, "periode_debut": debut, "periode_fin": fin},
    )
    assert set(ajout.context["adminform"].form.errors) == {f"periode_{c}" for c in champs}
    assert not Rapport.objects.exists()


def test_the_proposed_period_and_monthly_reports_stay_within_the_convention(
    client, membre, django_capture_on_commit_callbacks
):
    aujourd_hui = timezone.localdate()
    mois_dernier_debut, mois_dernier_fin = services.mois_precedent(aujourd_hui)
    milieu = mois_dernier_debut + dt.timedelta(days=10)
    convention = ConventionFactory(
        partenaire=membre.partenaire,
        active=True,
        date_debut=milieu,
        date_fin=milieu + dt.timedelta(days=365),
    )
    ObjectifFactory(convention=convention)
    client.force_login(membre.user)
    form = client.get(reverse("partenaires:convention", args=[convention.pk])).context["form"]
    assert (form.initial["debut"], form.initial["fin"]) == (milieu, mois_dernier_fin)

    rapport = Rapport.objects.get(pk=services.rapports_mensuels_creer(jour=aujourd_hui)[0].pk)
    assert (rapport.periode_debut, rapport.periode_fin) == (milieu, mois_dernier_fin)


# --- Simultaneous requests (PostgreSQL) ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_are_counted_one_after_the_other(settings, monkeypatch):
    """25 requests at once (what kept the PDF queue busy): the locks make the count exact."""
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL requis (DATABASE_URL=postgres://… non défini)")
    settings.LIMITE_RAPPORTS_MEMBRE_JOUR = 3
    monkeypatch.setattr(services, "rapport_planifier", lambda **kwargs: None)  # no PDF here
    membre = MembreFactory()
    convention = ConventionFactory(partenaire=membre.partenaire, active=True)
    ObjectifFactory(convention=convention)
    depart, refus = threading.Barrier(25), []

    def demander_un_rapport(jour):
        try:
            depart.wait()
            with transaction.atomic():
                services.rapport_demander(
                    convention=convention,
                    debut=convention.date_debut + dt.timedelta(days=jour),
                    fin=convention.date_debut + dt.timedelta(days=jour),
                    par=membre.user,
                )
        except ValidationError:
            refus.append(1)
        finally:
            connection.close()

    fils = [threading.Thread(target=demander_un_rapport, args=(i,)) for i in range(25)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert Rapport.objects.count() == 3
    assert len(refus) == 22
