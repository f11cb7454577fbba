"""The partner portal: who gets in, what each member sees, requests, downloads, query counts."""

import datetime as dt
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from parrainages.models import Parrainage, Sortie
from partenaires.models import Membre, Rapport
from tests.mentorat.factories import UserFactory, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    FilleulFactory,
    ParrainageFactory,
    ParrainFactory,
    SortieFactory,
)
from tests.partenaires import scenario
from tests.partenaires.factories import (
    ConventionFactory,
    MembreFactory,
    ObjectifFactory,
    PrescriptionFactory,
    RapportFactory,
)
from tests.partenaires.scenario import Q1

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(private_storage_dir, django_capture_on_commit_callbacks):
    s = scenario.construire()
    from partenaires import services

    with django_capture_on_commit_callbacks(execute=True):
        s.rapport_a = services.rapport_demander(
            convention=s.convention_a, debut=Q1[0], fin=Q1[1], par=s.membre_a.user
        )
        s.rapport_b = services.rapport_demander(convention=s.convention_b, debut=Q1[0], fin=Q1[1])
    return s


def urls_de(convention, rapport):
    """Every portal URL, with the ids of one partner's convention and report."""
    return {
        "accueil": reverse("partenaires:accueil"),
        "filleuls": reverse("partenaires:filleuls"),
        "rapports": reverse("partenaires:rapports"),
        "prescrire": reverse("partenaires:prescrire"),
        "convention": reverse("partenaires:convention", args=[convention.pk]),
        "convention_pdf": reverse("partenaires:convention_pdf", args=[convention.pk]),
        "rapport": reverse("partenaires:rapport", args=[rapport.pk]),
        "rapport_statut": reverse("partenaires:rapport_statut", args=[rapport.pk]),
        "rapport_pdf": reverse("partenaires:rapport_fichier", args=[rapport.pk, "pdf"]),
        "rapport_csv": reverse("partenaires:rapport_fichier", args=[rapport.pk, "csv"]),
        "rapport_xlsx": reverse("partenaires:rapport_fichier", args=[rapport.pk, "xlsx"]),
    }


PAGES_LISTES = {"accueil", "filleuls", "rapports", "prescrire"}


def statut(client, url):
    response = client.get(url)
    if response.streaming:  # reading a file response to its end closes its file
        b"".join(response.streaming_content)
    return response.status_code


def test_access_matrix(client, s):
    urls = urls_de(s.convention_a, s.rapport_a)
    mentor, mentee = ParrainFactory().user, FilleulFactory().user
    inactive = MembreFactory(partenaire=s.a, actif=False).user
    partner_off = MembreFactory(partenaire__actif=False).user
    for name, url in urls.items():
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"], name
        for user in (mentor, mentee, gestionnaire(), UserFactory(), inactive, partner_off):
            client.force_login(user)
            assert statut(client, url) == 404, (name, user)
        client.force_login(s.membre_b.user)
        attendu = 200 if name in PAGES_LISTES else 404
        assert statut(client, url) == attendu, ("B", name)
        client.force_login(s.membre_a.user)
        assert statut(client, url) == 200, ("A", name)


def test_a_member_of_several_partners_sees_both(client, s):
    double = MembreFactory(partenaire=s.b, user=s.membre_a.user)
    client.force_login(double.user)
    for convention, rapport in ((s.convention_a, s.rapport_a), (s.convention_b, s.rapport_b)):
        for url in urls_de(convention, rapport).values():
            assert statut(client, url) == 200, url


def test_another_partners_people_stay_hidden(client, s):
    client.force_login(s.membre_a.user)
    filleuls = client.get(reverse("partenaires:filleuls")).content.decode()
    for nom in ("Inès Un", "Bilal Deux", "Chloé Trois", "David Quatre", "Emma Cinq"):
        assert nom in filleuls
    for nom in ("Farid Six", "Gaëlle Sept"):
        assert nom not in filleuls
    accueil = client.get(reverse("partenaires:accueil")).content.decode()
    assert "CONV-A" in accueil and "CONV-B" not in accueil
    rapports = client.get(reverse("partenaires:rapports")).content.decode()
    assert f"/partenaire/rapports/{s.rapport_a.pk}/" in rapports
    assert f"/partenaire/rapports/{s.rapport_b.pk}/" not in rapports


def test_referred_people_with_where_they_stand(client, s):
    client.force_login(s.membre_a.user)
    page = client.get(reverse("partenaires:filleuls"))
    lignes = {c.filleul.user.last_name: c for c in page.context["filleuls"]}
    assert lignes["Deux"].binome_libelle == "Interrompu"
    assert lignes["Deux"].sortie_libelle == "CDI (six mois après la fin)"
    assert lignes["Un"].binome_libelle == "En cours"
    assert lignes["Quatre"].binome_libelle == "Proposition à valider"
    assert lignes["Cinq"].binome_libelle == ""


def test_the_convention_page_shows_objectives_and_curves(client, s, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 3, 31))
    client.force_login(s.membre_a.user)
    response = client.get(reverse("partenaires:convention", args=[s.convention_a.pk]))
    html = response.content.decode()
    assert (
        '<progress max="10" value="3" aria-label="Filleuls orientés : 3 sur un objectif de 10"'
        in html
    )
    assert "3 / 10 (30 %)" in html
    assert '<progress max="1" value="1"' in html and "2 / 1 (200 %) — objectif atteint" in html
    assert 'role="img"' in html and "<polyline" in html
    assert "Cumul depuis oct. 25 jusqu&#x27;à fin mars 26" in html
    assert "Filleuls orientés : 3" in html  # the curve's legend
    # The form proposes the last full month.
    form = response.context["form"]
    assert (form.initial["debut"], form.initial["fin"]) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )


def test_a_draft_convention_has_no_figures_yet(client, s):
    brouillon = ConventionFactory(partenaire=s.a, reference="CONV-A-2")
    client.force_login(s.membre_a.user)
    response = client.get(reverse("partenaires:convention", args=[brouillon.pk]))
    assert "ses indicateurs seront suivis dès sa signature" in response.content.decode()
    assert "une convention doit en avoir au moins un pour être signée" in response.content.decode()
    response = client.post(
        reverse("partenaires:convention", args=[brouillon.pk]),
        {"debut": "2026-01-01", "fin": "2026-01-31"},
    )
    assert not Rapport.objects.filter(convention=brouillon).exists()


def test_a_member_requests_a_report(client, s, django_capture_on_commit_callbacks):
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"debut": "2026-02-01", "fin": "2026-02-28"})
    rapport = Rapport.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("partenaires:rapport", args=[rapport.pk])
    assert (rapport.convention, rapport.demande_par) == (s.convention_a, s.membre_a.user)
    assert rapport.statut == Rapport.Statut.PRET
    page = client.get(response["Location"]).content.decode()
    assert "Rapport (PDF)" in page and "Production en cours" not in page


def test_bad_periods_are_refused_in_french(client, s):
    client.force_login(s.membre_a.user)
    avant = Rapport.objects.count()
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    response = client.post(url, {"debut": "2026-03-31", "fin": "2026-03-01"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "fin": ["La fin de la période doit suivre son début."]
    }
    response = client.post(url, {"debut": "pas une date", "fin": ""})
    assert set(response.context["form"].errors) == {"debut", "fin"}
    assert Rapport.objects.count() == avant


def test_b_cannot_request_a_report_on_as_convention(client, s):
    client.force_login(s.membre_b.user)
    avant = Rapport.objects.count()
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    assert client.post(url, {"debut": "2026-01-01", "fin": "2026-01-31"}).status_code == 404
    assert Rapport.objects.count() == avant


def test_downloads_have_proper_names(client, s):
    client.force_login(s.membre_a.user)
    attendu = {
        "pdf": "application/pdf",
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    for extension, type_mime in attendu.items():
        response = client.get(
            reverse("partenaires:rapport_fichier", args=[s.rapport_a.pk, extension])
        )
        assert response["Content-Type"] == type_mime
        assert response["Content-Disposition"] == (
            f'attachment; filename="rapport-conv-a-2026-01-01-au-2026-03-31.{extension}"'
        )
        assert "max-age=0" in response["Cache-Control"]
        assert b"".join(response.streaming_content)
    response = client.get(reverse("partenaires:convention_pdf", args=[s.convention_a.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="convention-conv-a.pdf"'
    pages = PdfReader(io.BytesIO(response.content)).pages
    texte = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))
    assert "Convention de partenariat" in texte and "Mission locale A" in texte
    assert "Pour la Mission locale A : le président" in texte
    assert "Filleuls orientés" in texte and "Par année" in texte


def test_files_of_a_report_not_ready_answer_404(client, s):
    client.force_login(s.membre_a.user)
    en_cours = RapportFactory(convention=s.convention_a, en_cours=True, progression=40)
    assert (
        client.get(reverse("partenaires:rapport_fichier", args=[en_cours.pk, "pdf"])).status_code
        == 404
    )
    assert client.get(f"/partenaire/rapports/{s.rapport_a.pk}/docx/").status_code == 404
    assert (
        client.get(reverse("partenaires:convention_signee", args=[s.convention_a.pk])).status_code
        == 404
    )


def test_progress_is_shown_while_the_report_is_produced(client, s):
    client.force_login(s.membre_a.user)
    en_cours = RapportFactory(convention=s.convention_a, en_cours=True, progression=40)
    page = client.get(reverse("partenaires:rapport", args=[en_cours.pk])).content.decode()
    assert 'data-statut-url="/partenaire/rapports/' in page
    assert '<progress id="production-jauge" max="100" value="40"' in page
    assert '<h2 id="titre-production">Production en cours</h2>' in page
    assert 'src="/static/js/partenaires-rapport.js"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    statut = client.get(reverse("partenaires:rapport_statut", args=[en_cours.pk])).json()
    assert statut == {
        "statut": "en_cours",
        "libelle": "En cours de production",
        "progression": 40,
        "pret": False,
        "termine": False,
        "titre": "Production en cours",
        "url": reverse("partenaires:rapport", args=[en_cours.pk]),
    }
    pret = client.get(reverse("partenaires:rapport_statut", args=[s.rapport_a.pk])).json()
    assert (pret["pret"], pret["termine"], pret["progression"]) == (True, True, 100)
    echec = RapportFactory(convention=s.convention_a, echec=True, erreur="boom")
    page = client.get(reverse("partenaires:rapport", args=[echec.pk])).content.decode()
    assert "La production de ce rapport a échoué" in page and "boom" not in page


def test_a_ready_report_page_no_longer_says_it_is_being_produced(client, s):
    client.force_login(s.membre_a.user)
    page = client.get(reverse("partenaires:rapport", args=[s.rapport_a.pk])).content.decode()
    texte = page.lower()
    assert "en cours" not in texte and "se met à jour" not in texte
    assert "partenaires-rapport.js" not in page and "http-equiv" not in page
    assert 'id="production"' not in page
    assert "Télécharger le rapport" in page
    etat = client.get(reverse("partenaires:rapport_statut", args=[s.rapport_a.pk])).json()
    assert etat["titre"] == "Rapport prêt" and etat["termine"]


# --- Query counts: pages do not grow with their rows ---------------------------------------------


def beaucoup_de_lignes(partenaire, convention, n):
    """``n`` referred people with a pair and an outcome, ``n`` invitations, ``n`` reports."""
    programme = convention.programmes.get()
    for _ in range(n):
        candidature = CandidatureFactory(programme=programme, prescripteur=partenaire, retenue=True)
        pair = ParrainageFactory(programme=programme, filleul=candidature.filleul, actif=True)
        SortieFactory(parrainage=pair, moment=Sortie.Moment.FIN, type=Sortie.Type.CDI)
        PrescriptionFactory(partenaire=partenaire, programme=programme)
        RapportFactory(convention=convention, pret=True, progression=100)


PAGES_COMPTEES = [
    ("accueil", 8),
    ("filleuls", 7),
    ("rapports", 6),
    # + the parties and the action plan; every figure in one statement (on a cache miss, as
    # here); the test's two savepoints included (a request's BEGIN and COMMIT are not).
    ("convention", 11),
    ("rapport", 5),
    ("rapport_statut", 5),
]


@pytest.mark.parametrize(("page", "requetes"), PAGES_COMPTEES)
def test_portal_pages_pin_their_queries(client, s, django_assert_num_queries, page, requetes):
    ConventionFactory(partenaire=s.a, signee=True)
    client.force_login(s.membre_a.user)
    url = urls_de(s.convention_a, s.rapport_a)[page]
    ObjectifFactory(convention=s.convention_a, indicateur="rencontres_tenues", valeur_cible=100)
    beaucoup_de_lignes(s.a, s.convention_a, 3)
    with django_assert_num_queries(requetes):
        assert client.get(url).status_code == 200
    beaucoup_de_lignes(s.a, s.convention_a, 60)
    ConventionFactory.create_batch(3, partenaire=s.a, active=True)
    cache.clear()  # the convention's figures are cached: count them again
    with django_assert_num_queries(requetes):
        response = client.get(url)
    assert response.status_code == 200
    if page == "filleuls":
        assert len(response.context["filleuls"]) == 50
        assert Parrainage.objects.filter(filleul__candidatures__prescripteur=s.a).count() > 60
    if page == "rapports":
        assert len(response.context["rapports"]) == 50


def test_only_active_members_get_in(client, s):
    client.force_login(s.membre_a.user)
    assert client.get(reverse("partenaires:accueil")).status_code == 200
    Membre.objects.filter(pk=s.membre_a.pk).update(actif=False)
    assert client.get(reverse("partenaires:accueil")).status_code == 404
