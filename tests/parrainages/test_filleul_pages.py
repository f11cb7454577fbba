"""The job seeker's pages: profile steps, application, their space, their data."""

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorat.models import IdentiteCertifiee, User
from parrainages import consentement
from parrainages.models import Candidature, EvenementCandidature, Filleul, Parrainage, Sortie
from programmes.models import Commune, Secteur
from tests.mentorat.factories import UserFactory, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    EvenementCandidatureFactory,
    FilleulFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
    RepresentantLegalFactory,
    SortieCandidatureFactory,
    SortieFactory,
    partie_de,
    signer,
)
from tests.parrainages.helpers import STEPS, walk_profile
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import InscriptionFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def toulouse():
    return Commune.objects.create(
        code_insee="31555",
        nom="Toulouse",
        code_postal="31000",
        codes_postaux="31000 31100 31200 31300 31400 31500",
        departement="31",
        latitude=43.6,
        longitude=1.44,
    )


def test_profile_in_steps_creates_the_mentee(client, toulouse):
    user = UserFactory(first_name="", last_name="")
    client.force_login(user)
    steps = {**STEPS, 4: {**STEPS[4], "secteurs_souhaites": [Secteur.objects.get(code="G").pk]}}
    response = walk_profile(client, steps)
    assert response.status_code == 302
    assert response["Location"] == reverse("filleul:tableau_de_bord")
    filleul = Filleul.objects.get(user=user)
    assert filleul.commune == toulouse
    assert filleul.qpv == Filleul.StatutQPV.DECLARE
    assert filleul.identifiant_france_travail == "1234567A"
    assert filleul.consentement_version == consentement.VERSION
    assert filleul.consentement_le is not None
    assert list(filleul.secteurs_souhaites.values_list("code", flat=True)) == ["G"]
    user.refresh_from_db()
    assert (user.first_name, user.telephone) == ("Inès", "0612345678")


@pytest.mark.parametrize(
    "etape,data,field,message",
    [
        (1, {**STEPS[1], "date_naissance": "2099-01-01"}, "date_naissance", "dans le futur"),
        (1, {**STEPS[1], "date_naissance": "1890-01-01"}, "date_naissance", "pas plausible"),
        (1, {**STEPS[1], "date_naissance": "pas une date"}, "date_naissance", "Saisissez une date"),
        (
            2,
            {"commune": "Atlantide", "qpv": "non"},
            "commune",
            "Nous ne trouvons pas cette commune",
        ),
        (
            3,
            {**STEPS[3], "identifiant_france_travail": "12AB"},
            "identifiant_france_travail",
            "7 chiffres",
        ),
        (
            3,
            {**STEPS[3], "inscrit_france_travail_depuis": "2099-05-01"},
            "inscrit_france_travail_depuis",
            "dans le futur",
        ),
        (5, {}, "consentement", "Votre accord est nécessaire"),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(client, toulouse, etape, data, field, message):
    user = UserFactory()
    client.force_login(user)
    for previous in range(1, etape):
        client.post(reverse("filleul:profil", kwargs={"etape": previous}), STEPS[previous])
    response = client.post(reverse("filleul:profil", kwargs={"etape": etape}), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Filleul.objects.filter(user=user).exists()


def test_commune_typed_as_secondary_postcode_and_ambiguous_name(client, toulouse):
    client.force_login(UserFactory())
    ok = client.post(
        reverse("filleul:profil", kwargs={"etape": 2}), {"commune": "31400", "qpv": "non"}
    )
    assert ok.status_code == 302
    Commune.objects.create(
        code_insee="31999", nom="Toulouse", code_postal="31999", departement="31"
    )
    ambiguous = client.post(
        reverse("filleul:profil", kwargs={"etape": 2}), {"commune": "toulouse", "qpv": "non"}
    )
    assert "Plusieurs communes correspondent" in ambiguous.content.decode()


def test_editing_keeps_a_confirmed_neighbourhood(client, toulouse):
    filleul = FilleulFactory(commune=toulouse, qpv=Filleul.StatutQPV.CONFIRME)
    client.force_login(filleul.user)
    walk_profile(client)
    filleul.refresh_from_db()
    assert filleul.qpv == Filleul.StatutQPV.CONFIRME
    assert Filleul.objects.count() == 1


def test_communes_search(client, toulouse):
    response = client.get(reverse("programmes:communes_recherche"), {"q": "3110"})
    assert response.json() == {"resultats": [{"id": toulouse.pk, "label": "Toulouse (31000)"}]}
    assert client.get(reverse("programmes:communes_recherche"), {"q": "t"}).json() == {
        "resultats": []
    }


# --- Application ----------------------------------------------------------------------------


@pytest.fixture
def programme_hg():
    return ProgrammeFactory(
        nom="Profession-emploi",
        slug="profession-emploi",
        age_min=16,
        age_max=25,
        departements=["31"],
    )


def young_mentee(commune, **kwargs):
    naissance = timezone.localdate().replace(year=timezone.localdate().year - 20)
    return FilleulFactory(commune=commune, date_naissance=naissance, **kwargs)


def test_eligible_person_applies_once(client, toulouse, programme_hg):
    filleul = young_mentee(toulouse)
    client.force_login(filleul.user)
    url = reverse("candidater", kwargs={"slug": programme_hg.slug})
    page = client.get(url)
    assert "Âge : 20 ans — entre 16 et 25 ans ✓" in page.content.decode()
    assert client.post(url, {"confirmation": "on"}).status_code == 302
    candidature = Candidature.objects.get(filleul=filleul, programme=programme_hg)
    assert candidature.eligible and candidature.source == Candidature.Source.EN_LIGNE
    assert candidature.eligibilite["criteres"][0]["ligne"].startswith("Âge : 20 ans")
    again = client.post(url, {"confirmation": "on"})
    assert again.status_code == 200
    assert "Vous avez déjà déposé une candidature" in again.content.decode()
    assert Candidature.objects.filter(filleul=filleul).count() == 1


def test_confirmation_box_is_required(client, toulouse, programme_hg):
    filleul = young_mentee(toulouse)
    client.force_login(filleul.user)
    response = client.post(reverse("candidater", kwargs={"slug": programme_hg.slug}), {})
    assert "Cochez la case" in response.content.decode()
    assert not Candidature.objects.exists()


def test_ineligible_person_sees_why_and_other_programmes(client, toulouse, programme_hg):
    open_to_all = ProgrammeFactory(nom="Programme ouvert à tous")
    filleul = FilleulFactory(commune=toulouse, date_naissance=dt.date(1970, 1, 1))
    client.force_login(filleul.user)
    url = reverse("candidater", kwargs={"slug": programme_hg.slug})
    content = client.get(url).content.decode()
    assert "entre 16 et 25 ans ✗" in content
    assert open_to_all.nom in content
    client.post(url, {"confirmation": "on"})
    assert not Candidature.objects.exists()


def test_applying_without_profile_goes_through_the_profile(client, programme_hg):
    client.force_login(UserFactory())
    url = reverse("candidater", kwargs={"slug": programme_hg.slug})
    response = client.get(url)
    assert response["Location"] == f"{reverse('filleul:profil', kwargs={'etape': 1})}?suite={url}"


def test_mentor_account_cannot_apply(client, programme_hg):
    parrain = ParrainFactory()
    client.force_login(parrain.user)
    response = client.post(
        reverse("candidater", kwargs={"slug": programme_hg.slug}), {"confirmation": "on"}
    )
    assert response.status_code == 302
    assert not Candidature.objects.exists()


def test_draft_programme_is_404(client, toulouse):
    filleul = young_mentee(toulouse)
    client.force_login(filleul.user)
    draft = ProgrammeFactory(brouillon=True)
    assert client.get(reverse("candidater", kwargs={"slug": draft.slug})).status_code == 404


# --- Their space ----------------------------------------------------------------------------


def build_space(filleul, n=5):
    for _ in range(n):
        CandidatureFactory(filleul=filleul)
    pair = ParrainageFactory(filleul=filleul, actif=True)
    for i in range(n):
        RencontreFactory(parrainage=pair, debut=timezone.now() + dt.timedelta(days=i + 1))
        RencontreFactory(
            parrainage=pair, debut=timezone.now() - dt.timedelta(days=i + 1), tenue=True
        )
        InscriptionFactory(filleul=filleul)
        ImmersionFactory(
            parrainage=pair,
            date_debut=timezone.localdate() + dt.timedelta(days=10 + 20 * i),
            validee=i % 2 == 1,
        )
    CharteFactory(parrainage=pair)
    return pair


@pytest.mark.parametrize("n", [2, 8])
def test_space_shows_own_things_in_constant_queries(client, django_assert_num_queries, n):
    filleul = FilleulFactory()
    pair = build_space(filleul, n)
    other = FilleulFactory()
    other_pair = build_space(other, 2)
    client.force_login(filleul.user)
    # savepoints, session (with the account and the mentee's profile), candidatures (+ their
    # history), pairs (with their charter in force and whether it waits for her signature),
    # meetings, events, immersions (+ their assessments) and their parties
    with django_assert_num_queries(10):
        response = client.get(reverse("filleul:tableau_de_bord"))
    content = response.content.decode()
    assert pair.parrain.user.email in content
    assert "en attente de votre signature" in content
    assert other_pair.parrain.user.email not in content
    assert response["Cache-Control"].startswith("max-age=0")


def test_mentor_contact_only_once_accepted(client):
    filleul = FilleulFactory()
    pending = ParrainageFactory(filleul=filleul, attente=True)
    client.force_login(filleul.user)
    content = client.get(reverse("filleul:tableau_de_bord")).content.decode()
    assert pending.parrain.user.email not in content
    assert pending.parrain.user.last_name not in content


def test_signed_charter_is_not_listed_to_sign(client):
    filleul = FilleulFactory()
    charte = CharteFactory(parrainage=ParrainageFactory(filleul=filleul, actif=True))
    signer(partie_de(charte, "filleul"))
    client.force_login(filleul.user)
    content = client.get(reverse("filleul:tableau_de_bord")).content.decode()
    assert "en attente de votre signature" not in content


@pytest.mark.parametrize(
    "url_name",
    ["filleul:tableau_de_bord", "filleul:donnees", "filleul:donnees_json", "filleul:supprimer"],
)
def test_access_matrix(client, url_name):
    url = reverse(url_name)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    # A mentor, a partner member and staff have no mentee space.
    for user in (ParrainFactory().user, MembreFactory().user, gestionnaire()):
        client.force_login(user)
        assert client.get(url).status_code == 404
    # A signed-in person without a profile is asked to fill it.
    client.force_login(UserFactory())
    assert client.get(url)["Location"] == reverse("filleul:profil", kwargs={"etape": 1})
    client.force_login(FilleulFactory().user)
    assert client.get(url).status_code == 200


def test_profile_is_not_for_other_roles(client):
    client.force_login(ParrainFactory().user)
    assert client.get(reverse("filleul:profil", kwargs={"etape": 1})).status_code == 404


# --- Their data -----------------------------------------------------------------------------


def test_download_my_data(client):
    filleul = FilleulFactory(identifiant_france_travail="7654321B")
    build_space(filleul, 2)
    other = FilleulFactory()
    client.force_login(filleul.user)
    response = client.get(reverse("filleul:donnees_json"))
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-mentorat-')
    data = json.loads(response.content)
    assert data["identite"]["email"] == filleul.user.email
    assert data["profil"]["identifiant_france_travail"] == "7654321B"
    assert len(data["candidatures"]) == 2
    assert len(data["parrainages"][0]["rencontres"]) == 4
    assert other.user.email not in response.content.decode()
    page = client.get(reverse("filleul:donnees")).content.decode()
    assert "7654321B" in page


def test_my_data_lists_every_signed_document_in_a_fixed_number_of_queries():
    """Each signed charter is named in the export; more signatures, no more queries (the
    documents are read by type, the charters with their pair's programme)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parrainages.services import filleul_exporter

    filleul = FilleulFactory()

    def signer_une_charte():
        charte = CharteFactory(parrainage=ParrainageFactory(filleul=filleul, actif=True))
        signer(partie_de(charte, "filleul"))
        return charte

    def exporter():
        with CaptureQueriesContext(connection) as capture:
            export = filleul_exporter(filleul=Filleul.objects.get(pk=filleul.pk))
        return export, len(capture.captured_queries)

    premiere = signer_une_charte()
    export, une = exporter()
    assert [s["document"] for s in export["signatures"]] == [str(premiere)]
    autres = [signer_une_charte() for _ in range(2)]
    export, trois = exporter()
    assert [s["document"] for s in export["signatures"]] == [str(c) for c in [premiere, *autres]]
    assert trois == une


def test_my_data_reads_its_small_tables_as_their_own_queries_would():
    """Her certified identity, sectors, guardians, registrations, signatures, her
    applications' history and the outcomes come in one query, as JSON: the same values (to
    the microsecond, in the same time zone) in the same order as each table's own query."""
    from parrainages.services import filleul_exporter

    filleul = RepresentantLegalFactory(consentement_le=timezone.now()).filleul
    RepresentantLegalFactory(filleul=filleul, prenom="Éric", consentement_le=None)
    identite = IdentiteCertifiee.objects.create(
        user=filleul.user,
        prenoms="Zoé Anne",
        nom=filleul.user.last_name,
        date_naissance=filleul.date_naissance,
        pays_naissance="99100",
        certifiee_le=timezone.now().replace(microsecond=120000),
    )
    filleul.secteurs_souhaites.set(Secteur.objects.order_by("-code")[:2])
    candidature = CandidatureFactory(filleul=filleul, retenue=True)
    for jours in (3, 1, 2):
        EvenementCandidatureFactory(
            candidature=candidature, le=timezone.now() - dt.timedelta(days=jours)
        )
    SortieCandidatureFactory(candidature=candidature, moment=Sortie.Moment.SIX_MOIS)
    pair = ParrainageFactory(filleul=filleul, actif=True)
    for moment, jours in ((Sortie.Moment.FIN, 0), (Sortie.Moment.SIX_MOIS, 180)):
        SortieFactory(
            parrainage=pair, moment=moment, date=timezone.localdate() + dt.timedelta(days=jours)
        )
    InscriptionFactory.create_batch(2, filleul=filleul)
    charte = CharteFactory(parrainage=pair)
    signer(partie_de(charte, "filleul"))

    export = filleul_exporter(filleul=Filleul.objects.get(pk=filleul.pk))

    identite.refresh_from_db()
    assert export["identite"]["certifiee_par_franceconnect"]["certifiee_le"] == (
        identite.certifiee_le.isoformat()
    )
    secteurs = [s.libelle for s in filleul.secteurs_souhaites.all()]
    assert len(secteurs) == 2 and export["profil"]["secteurs_souhaites"] == secteurs
    assert [(r["prenom"], r["consentement_donne_le"]) for r in export["representants_legaux"]] == [
        (r.prenom, r.consentement_le and r.consentement_le.isoformat())
        for r in filleul.representants_legaux.all()
    ]
    (exportee,) = export["candidatures"]
    assert [e["date"] for e in exportee["historique"]] == [
        e.le.isoformat()
        for e in EvenementCandidature.objects.filter(candidature=candidature).chronologiques()
    ]
    assert [s["moment"] for s in exportee["sorties"]] == ["Six mois après la fin"]
    (binome,) = export["parrainages"]
    assert [s["date"] for s in binome["sorties"]] == [
        s.date.isoformat() for s in pair.sorties.all()
    ]
    assert [(e["evenement"], e["date"]) for e in export["evenements"]] == [
        (i.evenement.titre, i.evenement.debut.isoformat()) for i in filleul.inscriptions.all()
    ]
    (signature,) = export["signatures"]
    assert signature["document"] == str(charte)
    assert signature["signee_le"] == partie_de(charte, "filleul").signee_le.isoformat()


def test_my_data_names_availability_slots_in_french(client):
    filleul = FilleulFactory(disponibilites=["mar_soir", "sam_matin"])
    client.force_login(filleul.user)
    data = json.loads(client.get(reverse("filleul:donnees_json")).content)
    assert data["profil"]["disponibilites"] == ["Mardi soir", "Samedi matin"]
    page = client.get(reverse("filleul:donnees")).content.decode()
    assert "Mardi soir, Samedi matin" in page
    assert "mar_soir" not in page


def test_delete_account_needs_the_password(client):
    filleul = FilleulFactory()
    client.force_login(filleul.user)
    response = client.post(
        reverse("filleul:supprimer"), {"mot_de_passe": "mauvais", "confirmation": "on"}
    )
    assert "pas le bon" in response.content.decode()
    assert User.objects.filter(pk=filleul.user.pk).exists()


def test_delete_account_password_checks_are_limited_per_day(client, settings):
    """A signed-in session is not a way to try passwords: a few checks a day, then none."""
    settings.LIMITE_SUPPRESSION_ESSAIS_JOUR = 3
    filleul, autre = FilleulFactory(), FilleulFactory()
    client.force_login(filleul.user)
    url = reverse("filleul:supprimer")
    for _ in range(3):
        essai = client.post(url, {"mot_de_passe": "mauvais", "confirmation": "on"})
        assert "pas le bon" in essai.content.decode()
    # Even the right password is not checked any more today.
    refus = client.post(url, {"mot_de_passe": "motdepasse-de-test", "confirmation": "on"})
    assert refus.status_code == 200
    assert "Vous avez déjà essayé 3 fois votre mot de passe aujourd&#x27;hui" in (
        refus.content.decode()
    )
    assert User.objects.filter(pk=filleul.user.pk).exists()
    # The count is the account's own.
    client.force_login(autre.user)
    response = client.post(url, {"mot_de_passe": "motdepasse-de-test", "confirmation": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=autre.user.pk).exists()


def test_delete_account_erases_identity_and_keeps_statistics(
    client, django_capture_on_commit_callbacks
):
    filleul = FilleulFactory(
        identifiant_france_travail="7654321B", date_naissance=dt.date(2001, 7, 9)
    )
    pair = ParrainageFactory(filleul=filleul, actif=True)
    RencontreFactory(parrainage=pair, compte_rendu="A parlé de sa famille.")
    charte = CharteFactory(parrainage=pair, texte="Charte de Inès Benali")
    signer(partie_de(charte, "filleul"))
    user = filleul.user
    email = user.email
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("filleul:supprimer"),
            {"mot_de_passe": "motdepasse-de-test", "confirmation": "on"},
        )
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    filleul.refresh_from_db()
    assert filleul.user is None and filleul.anonymise_le is not None
    assert filleul.date_naissance == dt.date(2001, 1, 1)
    assert filleul.identifiant_france_travail == ""
    # The pair is kept for the statistics, ended: the person is gone (the mentor is told).
    assert Parrainage.objects.filter(pk=pair.pk, statut="interrompu").exists()
    assert pair.rencontres.get().compte_rendu == ""
    charte.refresh_from_db()
    assert "Benali" not in charte.texte
    signature = partie_de(charte, "filleul")
    assert (signature.user, signature.prenom, signature.nom, signature.email) == (None, "", "", "")
    assert signature.signee_le is not None and signature.texte_sha256 == charte.texte_sha256
    destinataires = [m.to for m in mail.outbox]
    # The person: the confirmation of the deletion, nothing else; the mentor: the pair's end.
    assert destinataires.count([email]) == 1
    assert "supprimé" in next(m for m in mail.outbox if m.to == [email]).subject
    assert [pair.parrain.user.email] in destinataires
    # The person is signed out.
    assert client.get(reverse("filleul:tableau_de_bord"))["Location"].startswith(
        reverse("account_login")
    )


# --- Privacy page ---------------------------------------------------------------------------


def test_privacy_page_is_public(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("confidentialite"))
    assert "Vos droits" in response.content.decode()
    assert consentement.VERSION in response.content.decode()


def _code_from_last_mail():
    return re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE).group(1)


def test_signup_with_email_code_then_profile(client, programme_hg):
    suite = reverse("candidater", kwargs={"slug": programme_hg.slug})
    response = client.post(
        f"{reverse('account_signup')}?next={suite}",
        {
            "first_name": "Yanis",
            "last_name": "Haddad",
            "email": "yanis@exemple.fr",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    code = _code_from_last_mail()
    confirmed = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert confirmed.status_code == 302
    user = User.objects.get(email="yanis@exemple.fr")
    assert user.first_name == "Yanis"
    assert user.emailaddress_set.get().verified
    # Signed in, back to the application, which asks for the profile first.
    assert confirmed["Location"] == suite
    follow = client.get(suite)
    assert follow["Location"] == f"{reverse('filleul:profil', kwargs={'etape': 1})}?suite={suite}"


def test_signup_refuses_a_weak_password_and_a_taken_email(client):
    UserFactory(email="pris@exemple.fr")
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "A",
            "last_name": "B",
            "email": "autre@exemple.fr",
            "password1": "123",
            "password2": "123",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="autre@exemple.fr").exists()
    before = len(mail.outbox)
    taken = client.post(
        reverse("account_signup"),
        {
            "first_name": "A",
            "last_name": "B",
            "email": "pris@exemple.fr",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    # No account enumeration: the answer looks like a successful sign-up.
    assert taken.status_code == 302
    assert User.objects.filter(email__iexact="pris@exemple.fr").count() == 1
    assert len(mail.outbox) == before + 1


def test_a_field_the_export_did_not_read_is_read_from_the_database_not_defaulted(
    django_assert_num_queries,
):
    """The small tables' rows rebuilt from JSON (``_relues``) hold only the fields their
    query named; another one is deferred: read from the database when asked, never the
    model's default."""
    from parrainages.models import RepresentantLegal
    from parrainages.services.filleul import _petites_tables_lire, _relues

    filleul = RepresentantLegalFactory(email="tuteur@exemple.fr").filleul
    lus = _petites_tables_lire(filleul)["representants"]
    (representant,) = _relues(RepresentantLegal, lus)
    assert representant.email == "tuteur@exemple.fr"
    assert "filleul_id" in representant.get_deferred_fields()
    with django_assert_num_queries(1):
        assert representant.filleul_id == filleul.pk
