"""Staff side of conventions and reports: period action, side-by-side figures, files, bad input."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from partenaires.models import Convention, Objectif, Rapport
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.mentorat.helpers import form_data
from tests.partenaires import scenario
from tests.partenaires.factories import ConventionFactory, ObjectifFactory, RapportFactory
from tests.partenaires.scenario import ATTENDU_A_Q1, ATTENDU_B_Q1, IND

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:partenaires_convention_changelist"


@pytest.fixture
def s(private_storage_dir):
    return scenario.construire()


@pytest.fixture
def staff(client):
    return connecter(client, gestionnaire())


def messages_de(response):
    return [m.message for m in get_messages(response.wsgi_request)]


def action(client, conventions, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": "produire_rapport", "_selected_action": [c.pk for c in conventions], **extra},
    )


def test_the_action_asks_for_a_period(client, s, staff):
    response = action(client, [s.convention_a], index="0")
    assert response.status_code == 200
    assert "partenaires/admin/produire_rapport.html" in [t.name for t in response.templates]
    assert "CONV-A — Mission locale A" in response.content.decode()
    assert not Rapport.objects.exists()


def test_a_bad_period_changes_nothing(client, s, staff):
    response = action(client, [s.convention_a], debut="2026-03-31", fin="2026-01-01", appliquer="1")
    assert response.status_code == 200
    assert "La fin de la période doit suivre son début." in response.content.decode()
    assert not Rapport.objects.exists()


def test_staff_produce_reports_for_several_conventions(
    client, s, staff, django_capture_on_commit_callbacks
):
    brouillon = ConventionFactory(reference="CONV-BROUILLON")
    with django_capture_on_commit_callbacks(execute=True):
        response = action(
            client,
            [s.convention_a, s.convention_b, brouillon],
            debut="2026-01-01",
            fin="2026-03-31",
            appliquer="1",
        )
    assert response.status_code == 302
    rapports = Rapport.objects.order_by("convention__reference")
    assert [r.convention.reference for r in rapports] == ["CONV-A", "CONV-B"]
    assert {(r.statut, r.demande_par) for r in rapports} == {(Rapport.Statut.PRET, staff)}
    assert messages_de(response) == [
        "2 rapports du 01/01/2026 au 31/03/2026 en cours de production.",
        "La convention CONV-BROUILLON est encore un brouillon : ses indicateurs seront suivis, "
        "et ses rapports produits, une fois qu'elle aura été signée.",
    ]
    # The staff download them from the report's page.
    page = client.get(reverse("admin:partenaires_rapport_change", args=[rapports[0].pk]))
    fichier = reverse("admin:partenaires_rapport_fichier", args=[rapports[0].pk, "xlsx"])
    assert fichier in page.content.decode()
    response = client.get(fichier)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        'filename="rapport-conv-a-2026-01-01-au-2026-03-31.xlsx"'
    )
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_every_partners_figures_side_by_side(client, s, staff, django_assert_num_queries):
    url = reverse("admin:partenaires_indicateurs")
    params = {"debut": "2026-01-01", "fin": "2026-03-31"}
    # The page's own queries (the staff member's perimeter's read among them, and the test's
    # two savepoints), then one statement for every figure (``indicateurs.Releve``).
    with django_assert_num_queries(8):
        response = client.get(url, params)
    assert response.status_code == 200
    lignes = {
        c.reference: [x["valeur"] for x in c.cellules] for c in response.context["conventions"]
    }
    assert lignes == {
        "CONV-A": [ATTENDU_A_Q1[i] for i in IND.values],
        "CONV-B": [ATTENDU_B_Q1[i] for i in IND.values],
    }
    html = response.content.decode()
    assert "objectif 10 par an" in html and "objectif 4 sur la convention" in html
    ConventionFactory.create_batch(5, active=True)
    with django_assert_num_queries(8):
        assert client.get(url, params).status_code == 200
    mauvais = client.get(url, {"debut": "2026-03-31", "fin": "2026-01-01"})
    assert "La fin de la période doit suivre son début." in mauvais.content.decode()
    assert mauvais.context["conventions"] is None


def test_the_convention_pdf_from_the_admin(client, s, staff):
    page = client.get(reverse("admin:partenaires_convention_change", args=[s.convention_a.pk]))
    url = reverse("admin:partenaires_convention_pdf", args=[s.convention_a.pk])
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == 'attachment; filename="convention-conv-a.pdf"'


def test_staff_files_are_for_staff_only(client, s):
    rapport = RapportFactory(convention=s.convention_a)
    urls = [
        reverse("admin:partenaires_convention_pdf", args=[s.convention_a.pk]),
        reverse("admin:partenaires_rapport_fichier", args=[rapport.pk, "pdf"]),
        reverse("admin:partenaires_indicateurs"),
    ]
    for user in (s.membre_a.user, UserFactory()):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
    sans_droits = UserFactory(is_staff=True)
    sans_droits.groups.clear()
    connecter(client, sans_droits)
    for url in urls:
        assert client.get(url).status_code == 403


def test_failed_reports_are_started_again(client, s, staff, django_capture_on_commit_callbacks):
    echec = RapportFactory(convention=s.convention_a, echec=True, erreur="panne")
    pret = RapportFactory(convention=s.convention_a, pret=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:partenaires_rapport_changelist"),
            {"action": "relancer", "_selected_action": [echec.pk, pret.pk], "index": "0"},
        )
    assert messages_de(response) == ["1 rapport(s) relancé(s)."]
    echec.refresh_from_db()
    assert (echec.statut, echec.erreur) == (Rapport.Statut.PRET, "")


def test_a_report_added_in_the_admin_is_produced(
    client, s, staff, django_capture_on_commit_callbacks
):
    url = reverse("admin:partenaires_rapport_add")
    data = {
        "convention": s.convention_a.pk,
        "periode_debut": "2026-01-01",
        "periode_fin": "2026-03-31",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    rapport = Rapport.objects.get()
    assert (rapport.statut, rapport.demande_par) == (Rapport.Statut.PRET, staff)

    mauvais = client.post(url, {**data, "periode_debut": "2026-04-01"})
    assert mauvais.context["adminform"].form.errors == {
        "periode_fin": ["La fin de la période doit suivre son début."]
    }
    brouillon = ConventionFactory()
    refuse = client.post(url, {**data, "convention": brouillon.pk})
    assert "encore un brouillon" in refuse.context["adminform"].form.errors["convention"][0]
    assert Rapport.objects.count() == 1


def test_a_negative_target_is_refused(client, s, staff):
    page = reverse("admin:partenaires_convention_change", args=[s.convention_a.pk])
    data = form_data(client.get(page))
    prefixe = next(k for k in data if k.endswith("-0-valeur_cible"))
    data[prefixe] = "-5"
    response = client.post(page, data)
    assert response.status_code == 200
    erreurs = response.context["inline_admin_formsets"][0].formset.errors
    assert erreurs[0]["valeur_cible"] == [
        "Assurez-vous que cette valeur est supérieure ou égale à 0."
    ]
    assert not Objectif.objects.filter(valeur_cible__lt=0).exists()


def test_a_signed_convention_keeps_an_objective(client, s, staff):
    page = reverse("admin:partenaires_convention_change", args=[s.convention_a.pk])
    data = form_data(client.get(page))
    for cle in [k for k in data if k.endswith("-id")]:
        data[cle.removesuffix("-id") + "-DELETE"] = "on"
    response = client.post(page, data)
    assert response.status_code == 200
    erreurs = response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert erreurs == [
        "Une convention signée garde au moins un objectif : modifiez-le plutôt que de le supprimer."
    ]
    assert s.convention_a.objectifs.count() == 3


def test_a_convention_without_objective_is_not_signed(client, staff):
    brouillon, prete = ConventionFactory(), ObjectifFactory().convention
    response = client.post(
        reverse(CHANGELIST),
        {"action": "signer", "_selected_action": [brouillon.pk, prete.pk], "index": "0"},
    )
    brouillon.refresh_from_db()
    prete.refresh_from_db()
    assert (brouillon.statut, prete.statut) == (
        Convention.Statut.BROUILLON,
        Convention.Statut.SIGNEE,
    )
    assert "Une convention sans objectif ne peut pas être signée." in messages_de(response)[1]
