"""The staff admin: every model's pages, permissions, transition actions and the home page."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry as AuditLogEntry
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.forms import CheckboxSelectMultiple, SelectMultiple
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorat.admin import RIGHTS_FIELDS as RIGHTS
from mentorat.models import (
    CodeSignature,
    CodeTelephone,
    Envoi,
    IdentiteCertifiee,
    LienCourt,
    Partie,
    Session,
    User,
)
from parrainages.models import (
    AutorisationParentale,
    AvancementObjectif,
    BilanImmersion,
    Candidature,
    Charte,
    DemiJournee,
    EvaluateurInvite,
    Evaluation,
    EvenementCandidature,
    Filleul,
    Immersion,
    Note,
    ObjectifBinome,
    Parrainage,
    ParticipationSelection,
    Presence,
    Rencontre,
    Sortie,
)
from partenaires.models import (
    ActionConvention,
    CodeReclamation,
    Convention,
    ImportPrescriptions,
    Objectif,
    PartieConvention,
)
from programmes.models import (
    Affectation,
    Evenement,
    ModeleCharte,
    ObjectifSuggere,
    Programme,
    Structure,
)
from tests.mentorat.factories import (
    EmailAddressFactory,
    EnvoiFactory,
    JournalFactory,
    PartieFactory,
    UserFactory,
    administrateur,
    connecter,
    gestionnaire,
)
from tests.mentorat.helpers import champs_sans_nom, form_data
from tests.parrainages.factories import (
    AutorisationParentaleFactory,
    BilanImmersionFactory,
    CandidatureFactory,
    CharteFactory,
    CritereEvaluationFactory,
    FilleulFactory,
    ImmersionFactory,
    ImportParrainsFactory,
    MatchingRunFactory,
    MotifRefusFactory,
    ObjectifBinomeFactory,
    ParrainageFactory,
    ParrainFactory,
    PointEtapeFactory,
    RencontreFactory,
    RepresentantLegalFactory,
    SessionSelectionFactory,
    SortieCandidatureFactory,
    SortieFactory,
)
from tests.partenaires.factories import (
    ConventionFactory,
    MembreFactory,
    ObjectifFactory,
    ParrainApporteFactory,
    PartenaireFactory,
    PrescriptionFactory,
    RapportFactory,
)
from tests.programmes.factories import (
    CommuneFactory,
    EtapeFactory,
    EvenementFactory,
    InscriptionFactory,
    ModeleCharteFactory,
    ProgrammeFactory,
    QuartierPrioritaireFactory,
    RessourceFactory,
    SecteurFactory,
    StructureFactory,
    affecter,
)

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("mentorat", "programmes", "parrainages", "partenaires")
# The dashboard's queries, the staff member's perimeter's read among them, and the work queue's
# (parrainages/file_de_travail.py: the programmes, the next selection sessions, one count per
# kind of work — the candidates to invite only when a session is coming, the stalled pairs once
# per distinct delay) with the failed reports' count; the programmes' figures in three (the
# programmes, the pairs seen grouped by programme, their positive outcomes).
HOME_QUERIES = 19


@pytest.fixture(autouse=True)
def _cold_content_type_cache():
    # The content-type cache lives for the whole process: start every test cold so that the
    # pinned query counts do not depend on which tests ran before.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def login(client, user):
    return connecter(client, user)


# Per model: the factory, and the exact queries of its changelist, add page and change page
# for a Gestionnaire (their perimeter's read, mentorat/perimetre.py, is one of them; an
# Administrateur sees everything and reads none). ``None``: no add page on purpose (charters
# and signatures are issued by the charter service, referrals by the partner portal: never
# typed in).
PAGES = [
    # Accounts: an Administrateur's pages (see ADMINISTRATEUR_SEULEMENT), who reads no perimeter.
    # The change pages read whether FranceConnect certified the identity (read-only names).
    pytest.param(UserFactory, 9, 6, 11, id="user"),
    # The reference lists (sectors, communes, QPV) are the Administrateur's to change
    # (REFERENTIEL, mentorat/admin_perimetre.py): a Gestionnaire reads them, their add page
    # answers 403 (test_reference_lists_are_changed_by_an_administrateur).
    pytest.param(SecteurFactory, 8, None, 7, id="secteur"),
    pytest.param(CommuneFactory, 7, None, 7, id="commune"),
    pytest.param(QuartierPrioritaireFactory, 8, None, 7, id="quartier_prioritaire"),
    pytest.param(ProgrammeFactory, 10, 6, 10, id="programme"),
    pytest.param(EtapeFactory, 9, 6, 7, id="etape"),
    pytest.param(ModeleCharteFactory, 11, 6, 7, id="modelecharte"),
    pytest.param(RessourceFactory, 9, 6, 7, id="ressource"),
    pytest.param(EvenementFactory, 11, 6, 8, id="evenement"),
    pytest.param(InscriptionFactory, 10, 6, 7, id="inscription"),
    # Mentors and conventions of no programme: the "programmes" filter offers the programmes
    # of the perimeter, none here, read without a query.
    pytest.param(ParrainFactory, 10, 6, 9, id="parrain"),
    # The change page lists the mentee's legal guardians (one query, whatever their number).
    pytest.param(FilleulFactory, 9, 6, 10, id="filleul"),
    pytest.param(RepresentantLegalFactory, 9, 6, 7, id="representant_legal"),
    # Guardians' consents: evidence written by the application's service, never typed in.
    pytest.param(AutorisationParentaleFactory, 10, None, 8, id="autorisation_parentale"),
    # The change page is the application's review: the history (one query), the reasons of the
    # list (one), the partners' referrals with their diagnostics (one), and the previous and
    # next applications of the list (one: the list's filters the address does not use are not
    # built, nor their choices read).
    pytest.param(CandidatureFactory, 10, 6, 11, id="candidature"),
    # Staff reorder and withdraw reasons from the list itself.
    pytest.param(MotifRefusFactory, 8, 6, 7, id="motif_refus"),
    # A pair's change page reads its outcomes with the pair (one query less than its inline).
    pytest.param(ParrainageFactory, 11, 6, 11, id="parrainage"),
    pytest.param(RencontreFactory, 10, 6, 7, id="rencontre"),
    # Conventions are proposed from the mentor portal, assessments sent by the tutor's link.
    pytest.param(ImmersionFactory, 10, None, 10, id="immersion"),
    pytest.param(BilanImmersionFactory, 9, None, 7, id="bilan_immersion"),
    pytest.param(SortieFactory, 10, 6, 7, id="sortie"),
    # Check-ins' answers: written from their link only, never typed in.
    pytest.param(PointEtapeFactory, 11, None, 7, id="point_etape"),
    pytest.param(SortieCandidatureFactory, 10, 6, 7, id="sortie_candidature"),
    pytest.param(CharteFactory, 11, None, 8, id="charte"),
    pytest.param(PartieFactory, 9, None, 6, id="partie"),
    pytest.param(PartenaireFactory, 8, 6, 8, id="partenaire"),
    pytest.param(MembreFactory, 8, 6, 7, id="membre"),
    pytest.param(ConventionFactory, 10, 10, 15, id="convention"),
    pytest.param(ObjectifFactory, 8, 7, 8, id="objectif"),
    pytest.param(RapportFactory, 10, 6, 7, id="rapport"),
    pytest.param(PrescriptionFactory, 10, None, 7, id="prescription"),
    pytest.param(EnvoiFactory, 9, None, 7, id="envoi"),
    pytest.param(ParrainApporteFactory, 8, 6, 7, id="parrain_apporte"),
    # The change page asks, for this run, whether the role covers its whole territory.
    pytest.param(MatchingRunFactory, 11, None, 9, id="appariement"),
    pytest.param(ImportParrainsFactory, 10, None, 7, id="import_parrains"),
    # The audit trail: read by an Administrateur only (see equipe_pour), never added.
    pytest.param(JournalFactory, 6, None, 8, id="journal_audit"),
    # The selection step: sessions (their half-days and managers inline), grid criteria.
    pytest.param(SessionSelectionFactory, 11, 6, 10, id="session_selection"),
    pytest.param(CritereEvaluationFactory, 9, 6, 7, id="critere_evaluation"),
    # Structures and their staff: the Administrateur's (what everyone else sees follows).
    pytest.param(StructureFactory, 8, 6, 10, id="structure"),
]

# Who opens each model's pages: a Gestionnaire, except where only an Administrateur may.
# Platform internals and accounts: an Administrateur only (mentorat/admin_perimetre.py); the
# accounts a Gestionnaire sees are those of their perimeter (tests/test_perimetre_admin.py).
ADMINISTRATEUR_SEULEMENT = {AuditLogEntry, Envoi, Partie, Structure, User}


def equipe_pour(model):
    return administrateur() if model in ADMINISTRATEUR_SEULEMENT else gestionnaire()


# Not administered: a session's key is what a browser's cookie holds (and its data is
# someone's login); sessions go with their account or when they expire. A one-time signature
# code signs for its party: never shown to staff, not even its hash.
# An application's history is written by its services and shown on the application's page.
# A claim code lets its holder take an account over: never shown to staff, not even its
# hash (like a signature code). A batch of imported referrals is read through its referrals
# (the "import" of each, in their admin).
# A selection session's half-days and managers are edited inline on it; its members, their
# attendance and assessments on its cohort sheet, attendance grid and grid pages.
# A staff member's place in a structure is edited inline on the structure.
HORS_ADMINISTRATION = {
    # A programme's suggested goals are edited on the programme; a pair's goals and their
    # progress are read on the pair's page (inlines).
    ObjectifSuggere,
    ObjectifBinome,
    AvancementObjectif,
    Affectation,
    Session,
    CodeSignature,
    # A mobile number's codes and the short links of text messages: hashes, read by no one.
    CodeTelephone,
    LienCourt,
    EvenementCandidature,
    CodeReclamation,
    ImportPrescriptions,
    DemiJournee,
    EvaluateurInvite,
    Evaluation,
    Note,
    ParticipationSelection,
    Presence,
    # A convention's parties and action plan are edited on the convention's page (inlines).
    PartieConvention,
    ActionConvention,
    # Written by a FranceConnect login only, shown on the person's profile and data export.
    IdentiteCertifiee,
}


def test_every_domain_model_is_registered():
    covered = {p.values[0]._meta.model for p in PAGES}
    for app_label in DOMAIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model in HORS_ADMINISTRATION:
                assert model not in admin.site._registry, model
                continue
            assert model in admin.site._registry, model
            assert model in covered, f"{model} manque dans PAGES"


@pytest.mark.parametrize(("factory", "changelist", "add", "change"), PAGES)
def test_changelist_queries_do_not_grow_with_rows(
    client, django_assert_num_queries, factory, changelist, add, change
):
    model = factory._meta.model
    login(client, equipe_pour(model))
    factory.create_batch(5)
    with django_assert_num_queries(changelist):
        assert client.get(url(model, "changelist")).status_code == 200
    factory.create_batch(45)
    # What a list keeps for a few minutes (its date bar's bounds, admin_dates) read again.
    cache.clear()
    with django_assert_num_queries(changelist):
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 50
    assert client.get(url(model, "changelist"), {"q": "Du 1"}).status_code == 200


@pytest.mark.parametrize(("factory", "changelist", "add", "change"), PAGES)
def test_add_and_change_pages(client, django_assert_num_queries, factory, changelist, add, change):
    model = factory._meta.model
    login(client, equipe_pour(model))
    ContentType.objects.clear_cache()  # the audit trail of the login's writes warmed it
    if add is None:
        assert client.get(url(model, "add")).status_code == 403
    else:
        with django_assert_num_queries(add):
            assert client.get(url(model, "add")).status_code == 200
    obj = factory()
    ContentType.objects.clear_cache()
    with django_assert_num_queries(change):
        response = client.get(url(model, "change", obj.pk))
    assert response.status_code == 200


# --- Inlines: a change page does not grow with its inline rows -------------------------------


def _programme_children(programme, i):
    EtapeFactory(programme=programme)
    ModeleCharteFactory(programme=programme)
    ObjectifSuggere.objects.create(programme=programme, ordre=i, libelle=f"Objectif {i}")


def _parrainage_children(parrainage, i):
    RencontreFactory(parrainage=parrainage)
    ImmersionFactory(parrainage=parrainage)
    ObjectifBinomeFactory(parrainage=parrainage)
    PointEtapeFactory(parrainage=parrainage, tour=i + 1)
    if i < len(Sortie.Moment):
        SortieFactory(parrainage=parrainage, moment=Sortie.Moment.values[i])


def _charte_children(charte, i):
    PartieFactory(document=charte, role=Charte.Role.values[i], signee=True)


def _evenement_children(evenement, i):
    """A mentee's, a mentor's and a partner member's registrations, in turn."""
    kind = i % 3
    if kind == 1:
        InscriptionFactory(evenement=evenement, parrain=ParrainFactory())
    elif kind == 2:
        InscriptionFactory(evenement=evenement, membre=UserFactory())
    else:
        InscriptionFactory(evenement=evenement)


def _convention_children(convention, i):
    ObjectifFactory(convention=convention, indicateur=Objectif.Indicateur.values[i])
    partie = PartieConvention.objects.create(convention=convention, partenaire=PartenaireFactory())
    ActionConvention.objects.create(
        convention=convention,
        intitule=f"Action {i}",
        responsable=partie,
        echeance=convention.date_debut,
    )


INLINE_PARENTS = [
    pytest.param(ProgrammeFactory, _programme_children, 10, id="programme"),
    pytest.param(EvenementFactory, _evenement_children, 8, id="evenement"),
    pytest.param(lambda: ParrainageFactory(actif=True), _parrainage_children, 11, id="parrainage"),
    pytest.param(lambda: CharteFactory(parties=False), _charte_children, 8, id="charte"),
    pytest.param(ConventionFactory, _convention_children, 15, id="convention"),
    pytest.param(PartenaireFactory, lambda p, i: MembreFactory(partenaire=p), 8, id="partenaire"),
]


def test_the_label_check_finds_a_field_without_a_name():
    assert (
        champs_sans_nom(
            '<label for="a">Nom</label><input id="a"><label>Âge <input name="age"></label>'
            '<input aria-label="Choisir"><span id="t">Titre</span><select aria-labelledby="t">'
            '</select><input type="hidden" name="h"><input type="submit" value="Enregistrer">'
        )
        == []
    )
    assert champs_sans_nom(
        '<label for="a"> </label><input id="a"><input name="b"><select aria-labelledby="x">'
        "</select><textarea></textarea>"
    ) == [
        "<input name=None id='a'>",
        "<input name='b' id=None>",
        "<select name=None id=None>",
        "<textarea name=None id=None>",
    ]


@pytest.mark.parametrize(("factory", "changelist", "add", "change"), PAGES)
def test_every_field_of_the_admin_pages_has_a_label(client, factory, changelist, add, change):
    """Every visible field of a model's list, add and change pages has a name a screen reader
    reads (WCAG 1.3.1, 4.1.2): a ``<label for>``, or an ``aria-label``/``aria-labelledby``."""
    model = factory._meta.model
    login(client, equipe_pour(model))
    obj = factory()
    pages = [url(model, "changelist"), url(model, "change", obj.pk)]
    if add is not None:
        pages.append(url(model, "add"))
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert champs_sans_nom(response.content.decode()) == [], page


@pytest.mark.parametrize(("parent_factory", "add_child", "queries"), INLINE_PARENTS)
def test_every_field_of_inline_rows_has_a_label(client, parent_factory, add_child, queries):
    """Inline rows (their delete boxes among them), existing and empty."""
    login(client, administrateur())
    parent = parent_factory()
    add_child(parent, 0)
    response = client.get(url(type(parent), "change", parent.pk))
    assert response.status_code == 200
    assert champs_sans_nom(response.content.decode()) == []


@pytest.mark.parametrize(("parent_factory", "add_child", "queries"), INLINE_PARENTS)
def test_change_page_with_inlines(
    client, django_assert_num_queries, parent_factory, add_child, queries
):
    login(client, gestionnaire())
    parent = parent_factory()
    add_child(parent, 0)
    page = url(type(parent), "change", parent.pk)
    ContentType.objects.clear_cache()  # the audit trail of the rows just made warmed it
    with django_assert_num_queries(queries):
        assert client.get(page).status_code == 200
    add_child(parent, 1)
    add_child(parent, 2)
    ContentType.objects.clear_cache()
    with django_assert_num_queries(queries):
        response = client.get(page)
    assert response.status_code == 200
    assert all(len(f.formset.queryset) >= 2 for f in response.context["inline_admin_formsets"])


# --- Autocomplete: one page of results, whatever the number of rows ----------------------------


class ComptesDeParrains:
    @staticmethod
    def create_batch(n):
        return [p.user for p in ParrainFactory.create_batch(n, programmes=[ProgrammeFactory()])]


AUTOCOMPLETE = [
    pytest.param("parrainages", "parrainage", "parrain", ParrainFactory, id="parrain"),
    pytest.param("parrainages", "parrainage", "filleul", FilleulFactory, id="filleul"),
    pytest.param("parrainages", "parrainage", "candidature", CandidatureFactory, id="candidature"),
    pytest.param("parrainages", "rencontre", "parrainage", ParrainageFactory, id="parrainage"),
    pytest.param("parrainages", "candidature", "programme", ProgrammeFactory, id="programme"),
    pytest.param("parrainages", "candidature", "etape", EtapeFactory, id="etape"),
    pytest.param("parrainages", "candidature", "prescripteur", PartenaireFactory, id="partenaire"),
    pytest.param("parrainages", "parrain", "secteurs", SecteurFactory, id="secteur"),
    # The accounts a Gestionnaire sees are those of their perimeter: mentors' here.
    pytest.param("partenaires", "membre", "user", ComptesDeParrains, id="user"),
    pytest.param("programmes", "evenement", "commune", CommuneFactory, id="commune"),
    pytest.param("programmes", "inscription", "evenement", EvenementFactory, id="evenement"),
    pytest.param("partenaires", "objectif", "convention", ConventionFactory, id="convention"),
]


@pytest.mark.parametrize(("app_label", "model_name", "field_name", "factory"), AUTOCOMPLETE)
def test_autocomplete(
    client, django_assert_num_queries, app_label, model_name, field_name, factory
):
    login(client, gestionnaire())
    params = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
    factory.create_batch(5)
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("admin:autocomplete"), params).status_code == 200
    factory.create_batch(25)
    with django_assert_num_queries(len(first)):
        response = client.get(reverse("admin:autocomplete"), params)
    assert len(response.json()["results"]) == 20
    # The page's queries, the perimeter's read among them (mentorat/perimetre.py).
    assert len(first) <= 9


# --- Who gets in -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonyme", "non_staff"])
def test_only_staff_reach_the_admin(client, who):
    if who == "non_staff":
        login(client, UserFactory())
    for page in (reverse("admin:index"), url(Filleul, "changelist")):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('admin:login')}?next={page}"


def test_staff_without_group_sees_no_model(client):
    ProgrammeFactory()
    user = UserFactory(is_staff=True)
    user.groups.clear()
    login(client, user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []
    assert "Binômes formés" not in response.content.decode()
    assert client.get(url(Filleul, "changelist")).status_code == 403


def _action_names(response):
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices} if form else set()


@pytest.mark.parametrize("factory", [FilleulFactory, ParrainFactory, UserFactory])
def test_only_administrateur_deletes_people(client, factory):
    person = factory()
    model = factory._meta.model
    login(client, gestionnaire())
    # A mentor or mentee attached to no programme is the operator structure's (the city's):
    # seen, not deleted. An account of nobody in the perimeter is not even seen: 404, before
    # any question of rights (tests/test_perimetre_admin.py).
    refus = 404 if model is User else 403
    assert client.get(url(model, "delete", person.pk)).status_code == refus
    assert client.post(url(model, "delete", person.pk), {"post": "yes"}).status_code == refus
    assert "delete_selected" not in _action_names(client.get(url(model, "changelist")))

    login(client, administrateur())
    assert client.get(url(model, "delete", person.pk)).status_code == 200
    assert "delete_selected" in _action_names(client.get(url(model, "changelist")))
    assert model.objects.filter(pk=person.pk).exists()


def test_the_bulk_deletion_label_agrees_with_every_model(client):
    login(client, administrateur())
    response = client.get(url(Candidature, "changelist"))
    libelles = dict(response.context["action_form"].fields["action"].choices)
    assert libelles["delete_selected"] == "Supprimer la sélection (candidatures)"
    assert "candidatures sélectionnés" not in response.content.decode()


def test_gestionnaire_deletes_working_records(client):
    rencontre = RencontreFactory()
    login(client, gestionnaire())
    assert "delete_selected" in _action_names(client.get(url(Rencontre, "changelist")))
    response = client.post(url(Rencontre, "delete", rencontre.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Rencontre.objects.filter(pk=rencontre.pk).exists()


@pytest.mark.parametrize("factory", [SecteurFactory, CommuneFactory])
def test_reference_lists_are_changed_by_an_administrateur(client, factory):
    # Sectors and communes are shared by every structure (REFERENTIEL): a Gestionnaire picks
    # from them, an Administrateur keeps them.
    model, row = factory._meta.model, factory()
    login(client, gestionnaire())
    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "add")).status_code == 403
    response = client.get(url(model, "change", row.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False

    login(client, administrateur())
    assert client.get(url(model, "add")).status_code == 200
    assert client.get(url(model, "change", row.pk)).context["has_change_permission"] is True


def test_gestionnaire_cannot_hand_out_rights(client):
    login(client, gestionnaire())
    # A mentor of a programme their structure runs: an account of their perimeter.
    person = ParrainFactory(programmes=[ProgrammeFactory()]).user
    response = client.get(url(User, "change", person.pk))
    assert not set(RIGHTS) & set(response.context["adminform"].form.fields)
    data = {
        "email": person.email,
        "first_name": "Inès",
        "last_name": person.last_name,
        "telephone": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
    }
    assert client.post(url(User, "change", person.pk), data).status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Inès"
    assert not person.is_staff and not person.is_superuser

    # Staff accounts are read-only for a Gestionnaire: no e-mail or password take-over (a
    # colleague of their structure; an Administrateur's account is not theirs to see at all).
    assert client.get(url(User, "change", administrateur().pk)).status_code == 404
    staff = gestionnaire()
    response = client.get(url(User, "change", staff.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert (
        client.post(url(User, "change", staff.pk), {**data, "email": "moi@exemple.fr"}).status_code
        == 403
    )
    password_page = reverse("admin:auth_user_password_change", args=[staff.pk])
    assert client.get(password_page).status_code == 403


def test_administrateur_hands_out_rights(client):
    login(client, administrateur())
    person = UserFactory()
    response = client.get(url(User, "change", person.pk))
    assert set(RIGHTS) <= set(response.context["adminform"].form.fields)


# --- Third-party models registered on the site -------------------------------------------------

THIRD_PARTY = [m for m in admin.site._registry if m._meta.app_label not in DOMAIN_APPS]


@pytest.mark.parametrize("model", THIRD_PARTY, ids=lambda m: m._meta.label)
def test_third_party_changelists(client, model):
    login(client, administrateur())
    assert client.get(url(model, "changelist")).status_code == 200
    # The audit trail is written by the platform only, authenticators by their owner: never
    # added by hand.
    par_la_plateforme = (AuditLogEntry, Authenticator)
    assert client.get(url(model, "add")).status_code == (403 if model in par_la_plateforme else 200)


def test_email_address_changelist_loads_its_accounts(client, django_assert_num_queries):
    login(client, administrateur())
    EmailAddressFactory.create_batch(5)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url(EmailAddress, "changelist")).status_code == 200
    EmailAddressFactory.create_batch(45)
    with django_assert_num_queries(len(first)):
        assert client.get(url(EmailAddress, "changelist")).status_code == 200


# --- The admin home ----------------------------------------------------------------------------


def _pair(programme, statut, sortie=None, moment=Sortie.Moment.FIN):
    pair = ParrainageFactory(programme=programme, statut=statut)
    if sortie:
        SortieFactory(parrainage=pair, type=sortie, moment=moment)
    return pair


def test_home_shows_each_programme_figures(client, django_assert_num_queries):
    S = Parrainage.Statut
    paris = ProgrammeFactory(nom="1.000 parrains pour 1.000 emplois", cible_binomes=10)
    for statut in (S.ACTIF, S.ACTIF, S.ACTIF, S.PROPOSITION, S.ATTENTE_PARRAIN, S.DECLINE):
        _pair(paris, statut)
    _pair(paris, S.TERMINE, sortie=Sortie.Type.CDI)
    _pair(paris, S.TERMINE, sortie=Sortie.Type.CDD_COURT)
    _pair(paris, S.INTERROMPU, sortie=Sortie.Type.FORMATION, moment=Sortie.Moment.SIX_MOIS)
    strasbourg = ProgrammeFactory(nom="100 chances 100 emplois", cible_binomes=0)
    _pair(strasbourg, S.ACTIF, sortie=Sortie.Type.ALTERNANCE)
    ProgrammeFactory(nom="Programme en préparation", brouillon=True)
    login(client, gestionnaire())

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("admin:index"))
    html = response.content.decode()
    assert response.status_code == 200
    rows = {row["programme"].nom: row for row in response.context["programmes_stats"]}
    assert set(rows) == {paris.nom, strasbourg.nom}
    # Paris: 3 active + 2 ended + 1 interrupted pairs formed, out of 10; one positive outcome.
    resume = reverse("admin:programmes_programme_resume", args=[paris.pk])
    assert f'href="{resume}">{paris.nom}</a>' in html
    assert '<progress max="10" value="6"' in html
    assert f'aria-label="Binômes formés pour {paris.nom} : 6 sur 10"' in html
    assert "6 / 10" in html and "(60 %)" in html
    assert (rows[paris.nom]["binomes_actifs"], rows[paris.nom]["sorties_positives"]) == (3, 1)
    assert '<td class="nombre">3</td>\n          <td class="nombre">1</td>' in html
    # Strasbourg has no target: no gauge, but its figures.
    assert "(pas d'objectif fixé)" in html
    assert html.count("<progress") == 1
    assert '<td class="nombre">1</td>\n          <td class="nombre">1</td>' in html
    assert "Programme en préparation" not in html.split("Binômes formés")[1].split("</table>")[0]

    ProgrammeFactory.create_batch(5)
    ContentType.objects.clear_cache()
    cache.clear()  # counted again (the counts are kept a minute)
    with django_assert_num_queries(HOME_QUERIES):
        assert client.get(reverse("admin:index")).status_code == 200


def test_home_shows_the_programmes_and_pairs_of_the_staff_members_perimeter(client):
    ville = ProgrammeFactory(nom="Programme de la ville")
    national = ProgrammeFactory(nom="Programme national", structure=False)
    for departement in ("63", "75"):
        filleul = FilleulFactory(commune=CommuneFactory(code_insee=f"{departement}001"))
        ParrainageFactory(programme=national, filleul=filleul, statut=Parrainage.Statut.ACTIF)
    _pair(ville, Parrainage.Statut.ACTIF)
    # A regional team of the national programme, in the Puy-de-Dôme only.
    equipe = StructureFactory(programmes=[national], departements=["63"])
    membre = gestionnaire(structure=False)
    affecter(membre, equipe)
    login(client, membre)

    response = client.get(reverse("admin:index"))
    rows = {row["programme"].nom: row for row in response.context["programmes_stats"]}
    assert set(rows) == {national.nom}
    assert (rows[national.nom]["binomes_formes"], rows[national.nom]["binomes_actifs"]) == (1, 1)

    login(client, administrateur())  # another perimeter: its own counts
    response = client.get(reverse("admin:index"))
    rows = {row["programme"].nom: row for row in response.context["programmes_stats"]}
    assert set(rows) == {ville.nom, national.nom}
    assert rows[national.nom]["binomes_formes"] == 2


def test_home_gauge_is_full_past_the_target(client):
    programme = ProgrammeFactory(cible_binomes=1)
    _pair(programme, Parrainage.Statut.ACTIF)
    _pair(programme, Parrainage.Statut.TERMINE)
    login(client, gestionnaire())
    html = client.get(reverse("admin:index")).content.decode()
    assert '<progress max="1" value="1"' in html
    assert "2 / 1" in html and "(200 %)" in html


# --- Transition actions ------------------------------------------------------------------------


def _snapshot(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


P, E, C, PA, IM, CV = (
    Programme.Statut,
    Evenement.Statut,
    Candidature.Statut,
    Parrainage.Statut,
    Immersion.Statut,
    Convention.Statut,
)


def _convention_with_objective(**kwargs):
    return ObjectifFactory(convention=ConventionFactory(**kwargs)).convention


ACTIONS = [
    (Programme, "ouvrir", lambda: ProgrammeFactory(brouillon=True), P.CLOS, P.OUVERT),
    (Programme, "fermer_candidatures", ProgrammeFactory, P.BROUILLON, P.EN_COURS),
    (Programme, "clore", ProgrammeFactory, P.BROUILLON, P.CLOS),
    (Evenement, "publier", EvenementFactory, E.ANNULE, E.PUBLIE),
    (Evenement, "annuler", EvenementFactory, E.TERMINE, E.ANNULE),
    (Evenement, "terminer", lambda: EvenementFactory(publie=True), E.PROPOSE, E.TERMINE),
    (Candidature, "etudier", CandidatureFactory, C.RETENUE, C.EN_ETUDE),
    (Candidature, "retenir", CandidatureFactory, C.DESISTEE, C.RETENUE),
    (Candidature, "desister", lambda: CandidatureFactory(retenue=True), C.REFUSEE, C.DESISTEE),
    (Parrainage, "confirmer", ParrainageFactory, PA.ACTIF, PA.ATTENTE_PARRAIN),
    (Parrainage, "ecarter", ParrainageFactory, PA.ACTIF, PA.ANNULE),
    (Parrainage, "terminer", lambda: ParrainageFactory(actif=True), PA.PROPOSITION, PA.TERMINE),
    (Immersion, "valider", lambda: ImmersionFactory(a_valider=True), IM.A_SIGNER, IM.VALIDEE),
    (Convention, "signer", _convention_with_objective, CV.SIGNEE, CV.SIGNEE),
    (Convention, "activer", lambda: ConventionFactory(signee=True), CV.BROUILLON, CV.ACTIVE),
    (
        Convention,
        "terminer",
        lambda: ConventionFactory(active=True),
        CV.BROUILLON,
        CV.TERMINEE,
    ),
]


def run_action(client, model, action, objs):
    response = client.post(
        url(model, "changelist"),
        # ``post``: the answer to a confirmation page (the proposals' one), ignored elsewhere.
        {"action": action, "_selected_action": [o.pk for o in objs], "index": "0", "post": "yes"},
    )
    assert response.status_code == 302
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("model", "action", "legal", "illegal_statut", "target"),
    ACTIONS,
    ids=[f"{m._meta.model_name}-{a}" for m, a, *_ in ACTIONS],
)
def test_transition_action(client, model, action, legal, illegal_statut, target):
    user = login(client, gestionnaire())
    ok, ok_too, bystander = legal(), legal(), legal()
    illegal = legal()
    model.objects.filter(pk=illegal.pk).update(statut=illegal_statut)
    # As the database holds them: some columns are its own (a pair's communes, copied by its
    # triggers), not known to the instance a factory created.
    for obj in (illegal, bystander):
        obj.refresh_from_db()
    untouched = {o.pk: _snapshot(o) for o in (illegal, bystander)}

    sent = run_action(client, model, action, [ok, ok_too, illegal])

    for obj in (ok, ok_too, illegal, bystander):
        obj.refresh_from_db()
    assert ok.statut == ok_too.statut == target
    assert {o.pk: _snapshot(o) for o in (illegal, bystander)} == untouched
    assert [level for level, _ in sent] == [messages.SUCCESS, messages.WARNING]
    assert sent[0][1].startswith("2 ")
    assert sent[1][1] == (
        f"« {illegal} » n'a pas été modifié(e) : Passage impossible de "
        f"« {model.Statut(illegal_statut).label} » à « {model.Statut(target).label} »."
    )
    logged = LogEntry.objects.filter(user=user, object_id__in=[str(ok.pk), str(ok_too.pk)])
    assert logged.count() == 2
    if action in ("etudier", "retenir"):
        assert ok.decidee_par == user


def test_transition_action_labels_are_french(client):
    login(client, gestionnaire())
    labels = dict(
        client.get(url(Candidature, "changelist")).context["action_form"].fields["action"].choices
    )
    assert labels["retenir"] == "Retenir les candidatures sélectionnées"
    labels = dict(
        client.get(url(Parrainage, "changelist")).context["action_form"].fields["action"].choices
    )
    assert labels["confirmer"] == "Confirmer les propositions (envoyer aux parrains)"
    assert labels["ecarter"] == "Écarter les propositions"
    labels = dict(
        client.get(url(Convention, "changelist")).context["action_form"].fields["action"].choices
    )
    assert labels["signer"] == "Signer la convention"
    assert labels["activer"] == "Activer"


def test_a_convention_without_objective_is_not_signed(client):
    login(client, gestionnaire())
    draft, ready = ConventionFactory(), _convention_with_objective()
    sent = run_action(client, Convention, "signer", [draft, ready])
    draft.refresh_from_db()
    ready.refresh_from_db()
    assert (draft.statut, ready.statut) == (CV.BROUILLON, CV.SIGNEE)
    assert ready.signee_le is not None
    assert sent == [
        (messages.SUCCESS, "1 convention signée."),
        (
            messages.WARNING,
            f"« {draft} » n'a pas été modifié(e) : "
            "Une convention sans objectif ne peut pas être signée.",
        ),
    ]


def test_status_is_read_only_on_change_forms(client):
    login(client, gestionnaire())
    for obj in (
        CandidatureFactory(),
        ParrainageFactory(),
        ConventionFactory(),
        CharteFactory(),
        RapportFactory(),
        ImmersionFactory(),
    ):
        response = client.get(url(type(obj), "change", obj.pk))
        assert "statut" not in response.context["adminform"].form.fields
        assert "statut" in response.context["adminform"].readonly_fields


# --- Decisions on a change form ----------------------------------------------------------------


def _candidature_data(c, **extra):
    return {
        "filleul": c.filleul_id,
        "programme": c.programme_id,
        "etape": "",
        "source": c.source,
        "prescripteur": "",
        # The history (read only) shown under the application.
        "evenements-TOTAL_FORMS": "0",
        "evenements-INITIAL_FORMS": "0",
        **extra,
    }


def test_refusing_a_candidature_needs_a_reason(client):
    user = login(client, gestionnaire())
    candidature = CandidatureFactory()
    page = url(Candidature, "change", candidature.pk)

    response = client.post(page, _candidature_data(candidature, decision="refuser", motif=" "))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["motif_liste"] == [
        "Choisissez le motif de la décision dans la liste."
    ]
    candidature.refresh_from_db()
    assert candidature.statut == C.DEPOSEE

    raison = MotifRefusFactory(libelle="Projet hors du champ du programme")
    motif = "Le projet professionnel ne relève pas de ce programme."
    response = client.post(
        page,
        _candidature_data(candidature, decision="refuser", motif=motif, motif_liste=raison.pk),
    )
    assert response.status_code == 302
    candidature.refresh_from_db()
    assert (candidature.statut, candidature.motif_refus) == (
        C.REFUSEE,
        f"Projet hors du champ du programme — {motif}",
    )
    assert candidature.decidee_par == user

    # Once refused, the only move left is back to review.
    form = client.get(page).context["adminform"].form
    assert [key for key, _ in form.fields["decision"].choices] == ["", "etudier"]
    response = client.post(page, _candidature_data(candidature, decision="retenir"))
    assert "decision" in response.context["adminform"].form.errors


def test_a_closed_record_offers_no_decision(client):
    login(client, gestionnaire())
    candidature = CandidatureFactory(desistee=True)
    response = client.get(url(Candidature, "change", candidature.pk))
    assert "Décision" not in [name for name, _ in response.context["adminform"].fieldsets]


def test_interrupting_a_pair_from_its_page(client):
    login(client, gestionnaire())
    pair = ParrainageFactory(actif=True)
    page = url(Parrainage, "change", pair.pk)
    response = client.get(page)
    data = form_data(response)
    data.update(decision="interrompre", motif="Le filleul a déménagé.")
    assert client.post(page, data).status_code == 302
    pair.refresh_from_db()
    assert (pair.statut, pair.motif_fin) == (PA.INTERROMPU, "Le filleul a déménagé.")


def test_a_confirm_posted_with_an_invalid_field_sends_nothing(client):
    """Validation has no side effect: the mentor hears of the proposal only once it is saved."""
    login(client, gestionnaire())
    pair = ParrainageFactory()
    page = url(Parrainage, "change", pair.pk)
    data = form_data(client.get(page))
    data.update(decision="confirmer", forme="pas-une-forme")

    response = client.post(page, data)

    assert response.status_code == 200
    assert "forme" in response.context["adminform"].form.errors
    pair.refresh_from_db()
    assert (pair.statut, pair.envoye_le) == (PA.PROPOSITION, None)
    assert not Envoi.objects.exists()
    assert not AuditLogEntry.objects.get_for_object(pair).filter(action=AuditLogEntry.Action.UPDATE)


def test_a_decision_overtaken_by_another_change_is_an_error_message(client, monkeypatch):
    """Another request discarded the proposal after this one read it: the form validates
    against the row as read, the service refuses on the row as it is, nothing of the form is
    saved (the other change is not written over) and the page says why."""
    from parrainages.admin import ParrainageAdmin

    login(client, gestionnaire())
    pair = ParrainageFactory()
    page = url(Parrainage, "change", pair.pk)
    data = form_data(client.get(page))
    data.update(decision="confirmer", objectifs="Préparer ses entretiens.")
    lue = Parrainage.objects.get(pk=pair.pk)
    Parrainage.objects.filter(pk=pair.pk).update(statut=PA.ANNULE)  # meanwhile, elsewhere
    monkeypatch.setattr(ParrainageAdmin, "get_object", lambda *args, **kwargs: lue)

    response = client.post(page, data)

    assert response.status_code == 302 and response["Location"] == page
    assert [(m.level, m.message) for m in get_messages(response.wsgi_request)] == [
        (
            messages.ERROR,
            "Rien n'a été enregistré : Passage impossible de « Annulé » à « En attente de la "
            "réponse du parrain ».",
        )
    ]
    pair.refresh_from_db()
    assert (pair.statut, pair.objectifs, pair.envoye_le) == (PA.ANNULE, "", None)
    assert not Envoi.objects.exists()


def test_a_reissue_the_service_refuses_is_an_error_message(client):
    """A charter is issued only for an active pair: the refusal is a message, the charter stays
    as it was (not cancelled without a successor)."""
    login(client, gestionnaire())
    charte = CharteFactory()
    Parrainage.objects.filter(pk=charte.parrainage_id).update(
        statut=PA.TERMINE, date_fin=dt.date.today()
    )
    page = url(Charte, "change", charte.pk)
    data = form_data(client.get(page))
    data.update(decision="reemettre", motif="Le filleul a changé de nom d'usage.")

    response = client.post(page, data)

    assert response.status_code == 302 and response["Location"] == page
    assert [(m.level, m.message) for m in get_messages(response.wsgi_request)] == [
        (
            messages.ERROR,
            "Rien n'a été enregistré : Une charte n'est émise que pour un parrainage accepté.",
        )
    ]
    charte.refresh_from_db()
    assert (charte.statut, charte.motif_annulation) == (Charte.Statut.A_SIGNER, "")
    assert Charte.objects.count() == 1


def test_reissuing_from_the_admin_says_when_the_new_charter_was_issued(client):
    login(client, gestionnaire())
    charte = CharteFactory()
    page = url(Charte, "change", charte.pk)
    data = form_data(client.get(page))
    data.update(decision="reemettre", motif="Le filleul a changé de nom d'usage.")

    response = client.post(page, data)

    assert response.status_code == 302
    nouvelle = Charte.objects.get(statut=Charte.Statut.A_SIGNER)
    sent = [m.message for m in get_messages(response.wsgi_request)]
    assert f"Nouvelle charte émise le {nouvelle.emise_le:%d/%m/%Y} : à signer." in sent
    charte.refresh_from_db()
    assert (charte.statut, charte.motif_annulation) == (
        Charte.Statut.ANNULEE,
        "Le filleul a changé de nom d'usage.",
    )


# --- Charter model versions --------------------------------------------------------------------


def test_a_new_charter_text_is_a_new_version(client):
    user = login(client, gestionnaire())
    premier = ModeleCharteFactory(version=3)
    data = {"programme": premier.programme_id, "titre": "Charte 2026", "texte": "Nouveau texte."}
    assert client.post(url(ModeleCharte, "add"), data).status_code == 302
    nouveau = ModeleCharte.objects.get(titre="Charte 2026")
    assert (nouveau.version, nouveau.created_by) == (4, user)
    response = client.get(url(ModeleCharte, "change", premier.pk))
    assert not {"titre", "texte", "version"} & set(response.context["adminform"].form.fields)


def test_a_charter_text_added_on_its_programme_is_the_next_version(client):
    user = login(client, gestionnaire())
    premier = ModeleCharteFactory(version=2)
    programme = premier.programme
    page = url(Programme, "change", programme.pk)
    data = form_data(client.get(page))
    prefix = "modeles_charte"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 2)
    for rang, titre in ((total, "Charte 2026"), (total + 1, "Charte 2027")):
        data[f"{prefix}-{rang}-programme"] = str(programme.pk)
        data[f"{prefix}-{rang}-titre"] = titre
        data[f"{prefix}-{rang}-texte"] = f"Texte de la {titre}."

    response = client.post(page, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    versions = ModeleCharte.objects.filter(programme=programme).order_by("version")
    assert [(m.version, m.titre, m.created_by) for m in versions] == [
        (2, "Charte du parrainage", None),
        (3, "Charte 2026", user),
        (4, "Charte 2027", user),
    ]
    assert ModeleCharte.objects.courant(programme).titre == "Charte 2027"


def test_programme_form_widgets(client):
    login(client, gestionnaire())
    form = client.get(url(Programme, "add")).context["adminform"].form
    departements = form.fields["departements"].widget
    assert type(departements) is SelectMultiple and departements.attrs["size"] == 12
    assert len(form.fields["departements"].choices) == 101
    assert type(form.fields["situations_acceptees"].widget) is CheckboxSelectMultiple


@pytest.mark.parametrize(("factory", "changelist", "add", "change"), PAGES)
def test_history_and_delete_pages_for_administrateur(client, factory, changelist, add, change):
    login(client, administrateur())
    obj = factory()
    model = type(obj)
    assert client.get(url(model, "history", obj.pk)).status_code == 200
    # Signed documents and their evidence are never deleted by hand.
    deletable = model not in (
        Charte,
        Partie,
        Envoi,
        AuditLogEntry,
        AutorisationParentale,
        Immersion,
        BilanImmersion,
    )
    assert client.get(url(model, "delete", obj.pk)).status_code == (200 if deletable else 403)


def test_illegal_rows_with_the_same_reason_share_one_warning(client):
    login(client, gestionnaire())
    parties = CandidatureFactory.create_batch(2, desistee=True)
    sent = run_action(client, Candidature, "retenir", parties)
    assert len(sent) == 1
    level, text = sent[0]
    assert level == messages.WARNING
    assert text.startswith("2 lignes n'ont pas été modifiées (« ")
    assert text.endswith(": Passage impossible de « Désistement » à « Retenue ».")
    assert {c.statut for c in Candidature.objects.all()} == {C.DESISTEE}


def test_deleting_an_account_in_the_admin_erases_it_like_the_person_would(client):
    from auditlog.models import LogEntry

    # A surname no other person of the test bears (a random one may be the mentor's too).
    pair = ParrainageFactory(actif=True, filleul__user__last_name="Quenoëlle-Vraszk")
    filleul = pair.filleul
    user = filleul.user
    nom = user.last_name
    login(client, administrateur())
    response = client.post(url(User, "delete", user.pk), {"post": "yes"})
    assert response.status_code == 302

    filleul.refresh_from_db()
    assert filleul.user is None and filleul.anonymise_le is not None
    assert not User.objects.filter(pk=user.pk).exists()
    assert Parrainage.objects.filter(pk=pair.pk).exists()  # the statistics keep the pair
    assert not [e for e in LogEntry.objects.all() if nom in str(e.changes) + e.object_repr]


def test_deleting_accounts_in_bulk_in_the_admin_erases_each(client):
    mentor, mentee = ParrainFactory(), FilleulFactory()
    login(client, administrateur())
    response = client.post(
        url(User, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [mentor.user_id, mentee.user_id],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    mentee.refresh_from_db()
    assert mentee.user is None and mentee.anonymise_le is not None
    assert not User.objects.filter(pk__in=[mentor.user_id]).exists()
