"""FranceConnect and ProConnect end to end, against a real OpenID Connect provider run locally
(oidc-provider, ``fournisseur_oidc`` in conftest.py, accounts in tests/oidc/comptes.json).

A ``requests`` session plays the browser: the login page's button, the provider's login form,
the way back, the pages it lands on. Nothing reaches the network.
"""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from conftest import nu_erreurs
from mentorat.fournisseurs import apps_oidc
from mentorat.models import Envoi, IdentiteCertifiee, User
from tests.mentorat.factories import EmailAddressFactory, UserFactory, gestionnaire, totp_activer
from tests.parrainages.factories import FilleulFactory
from tests.partenaires.factories import MembreFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def oidc(settings, fournisseur_oidc):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": apps_oidc(
                franceconnect=("franceconnect", "secret-franceconnect", fournisseur_oidc),
                proconnect=("proconnect", "secret-proconnect", fournisseur_oidc),
            ),
        }
    }
    return fournisseur_oidc


@pytest.fixture
def navigateurs():
    """New browsers (``requests`` sessions), closed after the test: a connection left open
    would keep a live server's thread, and its database connection, alive."""
    ouverts = []

    def ouvrir():
        ouverts.append(requests.Session())
        return ouverts[-1]

    yield ouvrir
    for navigateur in ouverts:
        navigateur.close()


def se_connecter(live_server, navigateur, fournisseur: str, compte: str):
    """Click the provider's button on the login page, sign in as ``compte`` at the provider,
    and come back: the last response (redirects followed)."""
    page = navigateur.get(f"{live_server.url}/comptes/login/")
    assert page.status_code == 200
    assert f"/comptes/oidc/{fournisseur}/login/" in page.text
    formulaire = navigateur.post(
        f"{live_server.url}/comptes/oidc/{fournisseur}/login/",
        data={"csrfmiddlewaretoken": CSRF.search(page.text)[1], "process": "login"},
    )
    # The provider's login form (tests/oidc/fournisseur.mjs).
    assert formulaire.status_code == 200, formulaire.text
    action = re.search(r'<form method="post" action="([^"]+)"', formulaire.text)[1]
    origine = "{0.scheme}://{0.netloc}".format(urlsplit(formulaire.url))
    return navigateur.post(origine + action, data={"login": compte})


def chemin(reponse) -> str:
    return urlsplit(reponse.url).path


def test_buttons_show_only_when_configured(live_server, settings, oidc):
    page = requests.get(f"{live_server.url}/comptes/login/").text
    assert "S'identifier avec <strong>FranceConnect</strong>" in page
    assert "S'identifier avec <strong>ProConnect</strong>" in page
    assert "Qu'est-ce que FranceConnect ?" in page
    assert "https://franceconnect.gouv.fr/" in page
    assert "S'identifier avec" in requests.get(f"{live_server.url}/comptes/signup/").text
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "S'identifier avec" not in requests.get(f"{live_server.url}/comptes/login/").text


def test_pages_with_the_buttons_and_the_locked_identity_are_valid_html(
    live_server, oidc, nu_checker, navigateurs
):
    for page in ("/comptes/login/", "/comptes/signup/"):
        html = requests.get(f"{live_server.url}{page}").content
        assert nu_erreurs(nu_checker, html) == [], page
    profil = se_connecter(live_server, navigateurs(), "franceconnect", "fc-nouvelle")
    assert "Certifié par FranceConnect" in profil.text
    assert nu_erreurs(nu_checker, profil.content) == []


def test_franceconnect_signs_up_a_job_seeker_with_a_certified_identity(
    live_server, oidc, navigateurs
):
    navigateur = navigateurs()
    reponse = se_connecter(live_server, navigateur, "franceconnect", "fc-nouvelle")

    assert reponse.status_code == 200
    assert chemin(reponse) == "/filleul/profil/1/"
    user = User.objects.get(email="angela.dubois@exemple.fr")
    assert (user.first_name, user.last_name) == ("Angela Claire Louise", "Dubois")
    assert not user.has_usable_password()
    identite = IdentiteCertifiee.objects.get(user=user)
    assert str(identite.date_naissance) == "1992-06-14"
    assert (identite.lieu_naissance, identite.pays_naissance) == ("75107", "99100")
    # FranceConnect does not say the address is verified: no password reset to it until the
    # person verifies it.
    assert not user.emailaddress_set.get().verified
    # The profile shows the identity locked.
    page = reponse.text
    assert page.count("Certifié par FranceConnect") == 5
    assert re.search(r'name="first_name"[^>]*value="Angela Claire Louise"[^>]*disabled', page)
    assert re.search(r'name="date_naissance"[^>]*value="1992-06-14"[^>]*disabled', page)
    assert 'value="75107"' in page

    # A changed name posted by hand is ignored (the field is locked): the certified one stays.
    jeton = CSRF.search(page)[1]
    suite = navigateur.post(
        f"{live_server.url}/filleul/profil/1/",
        data={
            "csrfmiddlewaretoken": jeton,
            "first_name": "Autre",
            "last_name": "Nom",
            "date_naissance": "2001-01-01",
        },
    )
    assert chemin(suite) == "/filleul/profil/2/"
    session = navigateur.get(f"{live_server.url}/filleul/profil/1/").text
    assert 'value="Autre"' not in session

    # Logging out of the new account ends the FranceConnect session too (the ID token was
    # kept once the sign-up was accepted).
    page = navigateur.get(f"{live_server.url}/comptes/logout/").text
    sortie = navigateur.post(
        f"{live_server.url}/comptes/logout/",
        data={"csrfmiddlewaretoken": CSRF.search(page)[1]},
        allow_redirects=False,
    )
    assert sortie.headers["Location"].startswith(f"{oidc}/session/end")

    # The second time, the same identity opens the same account.
    navigateur = navigateurs()
    encore = se_connecter(live_server, navigateur, "franceconnect", "fc-nouvelle")
    assert chemin(encore) == "/filleul/profil/1/"
    assert User.objects.filter(email="angela.dubois@exemple.fr").count() == 1
    assert SocialAccount.objects.filter(user=user, provider="franceconnect").count() == 1

    # Logging out ends the FranceConnect session too.
    page = navigateur.get(f"{live_server.url}/comptes/logout/").text
    sortie = navigateur.post(
        f"{live_server.url}/comptes/logout/",
        data={"csrfmiddlewaretoken": CSRF.search(page)[1]},
        allow_redirects=False,
    )
    assert sortie.headers["Location"].startswith(f"{oidc}/session/end")
    assert parse_qs(urlsplit(sortie.headers["Location"]).query)["id_token_hint"]


def test_franceconnect_links_the_job_seeker_of_the_same_address(live_server, oidc, navigateurs):
    filleul = FilleulFactory(
        user__email="angela.dubois@exemple.fr",
        user__first_name="Angela",
        user__last_name="DUBOIS",
        date_naissance=dt.date(1992, 6, 14),
    )
    filleul.user.set_password("ancien-mot-de-passe")
    filleul.user.save()
    EmailAddressFactory(user=filleul.user)

    reponse = se_connecter(live_server, navigateurs(), "franceconnect", "fc-nouvelle")

    assert chemin(reponse) == "/filleul/"
    assert SocialAccount.objects.get(provider="franceconnect").user == filleul.user
    filleul.user.refresh_from_db()
    assert filleul.user.first_name == "Angela Claire Louise"
    assert not filleul.user.has_usable_password()
    assert Envoi.objects.get(regle="connexion_reliee").destinataire == filleul.user


def test_franceconnect_does_not_take_an_account_claimed_with_a_mistyped_address(
    live_server, oidc, navigateurs
):
    """Someone claimed an account with an address that is not theirs (never verified): the
    owner of the address, through FranceConnect, does not get into it."""
    filleul = FilleulFactory(user__email="angela.dubois@exemple.fr")
    filleul.user.set_password("mot-de-passe-du-filleul")
    filleul.user.save()
    EmailAddressFactory(user=filleul.user, verified=False)

    reponse = se_connecter(live_server, navigateurs(), "franceconnect", "fc-usurpation")

    assert chemin(reponse) == "/comptes/login/"
    assert "sans votre mot de passe" in reponse.text
    assert not SocialAccount.objects.exists()
    assert not IdentiteCertifiee.objects.exists()
    filleul.user.refresh_from_db()
    assert filleul.user.check_password("mot-de-passe-du-filleul")


def test_franceconnect_never_opens_a_partner_account(live_server, oidc, navigateurs):
    MembreFactory(user__email="conseiller@partenaire.fr")

    reponse = se_connecter(live_server, navigateurs(), "franceconnect", "fc-partenaire")

    assert chemin(reponse) == "/comptes/login/"
    assert "Un compte de professionnel utilise déjà cette adresse e-mail" in reponse.text
    assert not SocialAccount.objects.exists()
    assert not IdentiteCertifiee.objects.exists()


def test_proconnect_signs_a_partner_member_in_by_email(live_server, oidc, navigateurs):
    membre = MembreFactory(user__email="conseiller@partenaire.fr")

    reponse = se_connecter(live_server, navigateurs(), "proconnect", "pc-conseiller")

    assert chemin(reponse) == "/partenaire/"
    assert SocialAccount.objects.get(provider="proconnect").user == membre.user
    assert not IdentiteCertifiee.objects.exists()


def test_proconnect_refuses_an_unknown_address(live_server, oidc, navigateurs):
    UserFactory(email="zoe@exemple.fr")

    reponse = se_connecter(live_server, navigateurs(), "proconnect", "pc-inconnu")

    assert chemin(reponse) == "/comptes/login/"
    assert (
        "Aucun compte de l&#x27;équipe ou d&#x27;un partenaire n&#x27;utilise l&#x27;adresse "
        "zoe@ailleurs.fr : ProConnect ne crée pas de compte."
    ) in reponse.text
    assert User.objects.count() == 1
    assert not SocialAccount.objects.exists()


def test_proconnect_staff_still_give_their_code(live_server, oidc, navigateurs):
    totp_activer(gestionnaire(email="equipe@ville.fr"))

    navigateur = navigateurs()
    reponse = se_connecter(live_server, navigateur, "proconnect", "pc-equipe")

    # The login waits for the code: not signed in yet, the admin sends to its login.
    assert chemin(reponse) == "/comptes/2fa/authenticate/"
    assert "code" in reponse.text
    admin = navigateur.get(f"{live_server.url}/admin/", allow_redirects=False)
    assert admin.headers["Location"].startswith("/admin/login/")


def test_proconnect_amr_without_a_two_factor_acr_asks_for_the_code(live_server, oidc, navigateurs):
    totp_activer(gestionnaire(email="equipe@ville.fr"))

    reponse = se_connecter(live_server, navigateurs(), "proconnect", "pc-equipe-amr-seul")

    assert chemin(reponse) == "/comptes/2fa/authenticate/"


def test_proconnect_second_factor_opens_the_admin(live_server, oidc, navigateurs):
    totp_activer(gestionnaire(email="equipe@ville.fr"))

    reponse = se_connecter(live_server, navigateurs(), "proconnect", "pc-equipe-mfa")

    assert chemin(reponse) == "/admin/"
    assert reponse.status_code == 200
