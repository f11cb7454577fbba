"""The admin's search box by subqueries (``mentorat.admin_recherche``): the same rows as
Django's own search on every list, and on PostgreSQL a plan that can read the indexes."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory

from mentorat.admin_recherche import RechercheIndexeeMixin
from parrainages.models import Filleul, Parrainage, Rencontre
from tests.mentorat.factories import administrateur
from tests.parrainages.factories import (
    CandidatureFactory,
    ParrainageFactory,
    RencontreFactory,
    SortieFactory,
)

pytestmark = pytest.mark.django_db

TERMES = [
    "Benali",
    "benali",
    "ali",
    "Ndiaye Benali",
    "@exemple",
    "Boulangerie",
    "entretien",
    '"Du Pont"',
    "1234567A",
    "zzz-introuvable",
]


@pytest.fixture
def monde():
    noms = [("Karim", "Benali"), ("Awa", "Ndiaye"), ("Jean", "Du Pont"), ("Léa", "Martin")]
    paires = []
    for i, (prenom, nom) in enumerate(noms):
        paire = ParrainageFactory(
            actif=True,
            filleul__user__first_name=prenom,
            filleul__user__last_name=nom,
            filleul__user__email=f"{nom.lower().replace(' ', '')}{i}@exemple.fr",
            filleul__identifiant_france_travail="1234567A" if i == 0 else "",
            parrain__entreprise="Boulangerie Benali" if i == 1 else f"Société {i}",
        )
        RencontreFactory(parrainage=paire, sujet="Préparer un entretien" if i else "Réseau")
        CandidatureFactory(filleul=paire.filleul, programme=paire.programme)
        SortieFactory(parrainage=paire)
        paires.append(paire)
    return paires


def recherches():
    """Every list whose search goes through the subqueries."""
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, RechercheIndexeeMixin) and model_admin.search_fields:
            yield model, model_admin


def test_the_same_rows_as_djangos_search_on_every_list(monde):
    requete = RequestFactory().get("/")
    requete.user = administrateur()
    essayees = 0
    for model, model_admin in recherches():
        base = model._base_manager.all()
        for terme in TERMES:
            nos_lignes, doublons = model_admin.get_search_results(requete, base, terme)
            attendues, _ = admin.ModelAdmin.get_search_results(model_admin, requete, base, terme)
            assert doublons is False
            assert set(nos_lignes.values_list("pk", flat=True)) == set(
                attendues.values_list("pk", flat=True)
            ), (model._meta.label, terme)
            essayees += 1
    assert essayees > 20 * len(TERMES)


def test_what_it_finds(monde):
    requete = RequestFactory().get("/")
    requete.user = administrateur()
    rencontres = admin.site._registry[Rencontre]
    trouvees, _ = rencontres.get_search_results(requete, Rencontre.objects.all(), "Benali")
    # The meeting of Karim Benali's pair, and the one of the mentor from « Boulangerie Benali ».
    assert {r.parrainage for r in trouvees} == {monde[0], monde[1]}
    # Every word must match: of the two pairs above, only one is Awa Ndiaye's.
    trouvees, _ = rencontres.get_search_results(requete, Rencontre.objects.all(), "Benali ndiaye")
    assert {r.parrainage for r in trouvees} == {monde[1]}
    # The France Travail identifier is matched exactly, not as a fragment.
    filleuls = admin.site._registry[Filleul]
    trouves, _ = filleuls.get_search_results(requete, Filleul.objects.all(), "1234567a")
    assert list(trouves) == [monde[0].filleul]
    trouves, _ = filleuls.get_search_results(requete, Filleul.objects.all(), "234567")
    assert list(trouves) == []


def test_a_number_is_also_the_rows_number(monde):
    requete = RequestFactory().get("/")
    requete.user = administrateur()
    paires = admin.site._registry[Parrainage]
    cible = monde[2]
    trouvees, _ = paires.get_search_results(requete, Parrainage.objects.all(), str(cible.pk))
    assert cible in trouvees
    trouvees, _ = paires.get_search_results(requete, Parrainage.objects.all(), "9" * 40)
    assert list(trouvees) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index trigrammes : PostgreSQL")
def test_the_meetings_search_can_read_the_trigram_indexes(monde):
    """With whole-table reads made prohibitive (sequential scans, and index scans that
    filter every row of a table this small), the plan of a search of the meetings for a name
    goes through the trigram indexes and reaches each table by its keys: a plan exists that
    never reads a table whole, which is the one national data gets."""
    requete = RequestFactory().get("/")
    requete.user = administrateur()
    rencontres = admin.site._registry[Rencontre]
    trouvees, _ = rencontres.get_search_results(requete, Rencontre.objects.all(), "Benali")
    sql, params = trouvees.query.sql_with_params()
    with connection.cursor() as curseur:
        curseur.execute("SET LOCAL enable_seqscan = off")
        curseur.execute("SET LOCAL enable_indexscan = off")
        curseur.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(ligne for (ligne,) in curseur.fetchall())
    for index in (
        "mentorat_user_nom_trgm",
        "mentorat_user_email_trgm",
        "parrainages_parrain_entreprise_trgm",
    ):
        assert index in plan
    assert "Seq Scan" not in plan


def test_each_word_once_and_six_at_most(monde):
    requete = RequestFactory().get("/")
    requete.user = administrateur()
    rencontres = admin.site._registry[Rencontre]
    base = Rencontre.objects.all()
    une_fois, _ = rencontres.get_search_results(requete, base, "Benali")
    repete, _ = rencontres.get_search_results(requete, base, "Benali benali " * 200)
    assert set(repete) == set(une_fois)
    # Beyond six words the rest is not searched (a pasted text does not hold the database).
    six = "Benali Boulangerie exemple Société Ndiaye Awa"
    avec_un_septieme, _ = rencontres.get_search_results(requete, base, f"{six} introuvable")
    seulement_six, _ = rencontres.get_search_results(requete, base, six)
    assert set(avec_un_septieme) == set(seulement_six)


def test_a_searched_lists_row_links_keep_its_filters_without_resolving_each_row(
    client, monkeypatch
):
    """Each row's link keeps the list's search and filters (``_changelist_filters``), as
    Django writes it, without resolving every row's URL against the admin's patterns."""
    import re
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    from django.contrib.admin.templatetags import admin_urls

    from tests.mentorat.factories import connecter

    for _ in range(3):
        RencontreFactory(parrainage=ParrainageFactory())
    connecter(client, administrateur())
    resolutions = []
    resoudre = admin_urls.resolve
    monkeypatch.setattr(admin_urls, "resolve", lambda u: resolutions.append(u) or resoudre(u))
    url = "/admin/parrainages/rencontre/?statut__exact=prevue&o=1"
    page = client.get(url).content.decode()
    liens = set(re.findall(r'href="(/admin/parrainages/rencontre/\d+/change/[^"]*)"', page))
    assert len(liens) == Rencontre.objects.filter(statut="prevue").count() > 0
    for lien in liens:
        requete = parse_qs(urlsplit(unescape(lien)).query)
        assert requete == {"_changelist_filters": ["statut__exact=prevue&o=1"]}
    assert not [u for u in resolutions if "/change/" in u]
