"""The decisions of FranceConnect and ProConnect sign-ins (mentorat.connexion), without the
provider: which account each may open, what a certified identity locks, what is checked in
the tokens, what the login link sends. End to end: test_connexion_oidc.py."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.authentication import get_authentication_records
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError

from mentorat.connexion import (
    AdaptateurOIDC,
    Refus,
    SocialAccountAdapter,
    accepte_par,
    fournisseurs_actifs,
    identite_certifier,
)
from mentorat.fournisseurs import SCOPES_FRANCECONNECT, apps_oidc
from mentorat.models import IdentiteCertifiee, User
from mentorat.sessions import SessionStore
from parrainages.forms import IdentiteForm
from parrainages.services import filleul_enregistrer_profil, filleul_exporter
from tests.mentorat.factories import EmailAddressFactory, UserFactory, gestionnaire
from tests.parrainages.factories import FilleulFactory, ParrainFactory
from tests.partenaires.factories import MembreFactory

pytestmark = pytest.mark.django_db

IDENTITE = {
    "sub": "fc-1",
    "given_name": "Angela Claire Louise",
    "family_name": "Dubois",
    "birthdate": "1992-06-14",
    "birthplace": "75107",
    "birthcountry": "99100",
    "email": "angela@exemple.fr",
}


@pytest.fixture
def configures(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": apps_oidc(
                franceconnect=("fc", "secret", "https://fc.example"),
                proconnect=("pc", "secret", "https://pc.example"),
            ),
        }
    }


@pytest.fixture
def requete(rf):
    request = rf.get("/comptes/oidc/franceconnect/login/callback/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return request


def connexion(fournisseur, userinfo, *, id_token=None, nonce="n1", process="login"):
    """What allauth hands to the adapter after the provider's answer (looked up)."""
    id_token = {"nonce": "n1", "acr": "eidas1", "sub": userinfo.get("sub", "x"), **(id_token or {})}
    compte = SocialAccount(
        provider=fournisseur,
        uid=userinfo.get("sub", "x"),
        extra_data={"userinfo": userinfo, "id_token": id_token},
    )
    login = SocialLogin(account=compte, user=User(email=userinfo.get("email")))
    login.state = {"nonce": nonce, "process": process}
    login.lookup()
    return login


def refus(request, login) -> str:
    with pytest.raises(ImmediateHttpResponse) as exc:
        SocialAccountAdapter().pre_social_login(request, login)
    assert exc.value.response.url == "/comptes/login/"
    return " ".join(str(m) for m in get_messages(request))


def test_providers_are_off_unless_fully_configured(settings):
    assert settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] == []
    assert fournisseurs_actifs() == []
    assert apps_oidc(franceconnect=("id", "secret", ""), proconnect=("", "s", "u")) == []
    (fc,) = apps_oidc(franceconnect=("id", "secret", "https://fc"))
    assert fc["provider_id"] == "franceconnect"
    assert fc["settings"]["auth_params"] == {"acr_values": "eidas1"}
    assert "birthplace" in fc["settings"]["scope"] and "gender" not in fc["settings"]["scope"]


def test_which_accounts_each_provider_opens():
    inscrit = UserFactory()
    filleul = FilleulFactory().user
    parrain = ParrainFactory().user
    membre = MembreFactory().user
    equipe = gestionnaire()
    inactif = FilleulFactory(user__is_active=False).user
    assert [accepte_par("franceconnect", u) for u in (inscrit, filleul, parrain, membre)] == [
        True,
        True,
        False,
        False,
    ]
    assert not accepte_par("franceconnect", equipe)
    assert [accepte_par("proconnect", u) for u in (inscrit, filleul, parrain, membre)] == [
        False,
        False,
        False,
        True,
    ]
    assert accepte_par("proconnect", equipe)
    assert not accepte_par("franceconnect", inactif)


def test_a_certified_identity_names_the_account_and_dates_the_profile():
    filleul = FilleulFactory(user__first_name="Angie", date_naissance=dt.date(2000, 1, 1))

    identite = identite_certifier(user=filleul.user, claims=IDENTITE)

    assert (identite.prenoms, identite.nom) == ("Angela Claire Louise", "Dubois")
    assert (identite.lieu_naissance, identite.pays_naissance) == ("75107", "99100")
    filleul.refresh_from_db()
    filleul.user.refresh_from_db()
    assert filleul.date_naissance == dt.date(1992, 6, 14)
    assert filleul.user.get_full_name() == "Angela Claire Louise Dubois"
    # The person's own data export shows it.
    export = filleul_exporter(filleul=filleul)["identite"]["certifiee_par_franceconnect"]
    assert export["commune_de_naissance_code_insee"] == "75107"
    with pytest.raises(Refus, match="date de naissance lisible"):
        identite_certifier(user=filleul.user, claims={**IDENTITE, "birthdate": "1992-13-40"})
    assert IdentiteCertifiee.objects.get().date_naissance == dt.date(1992, 6, 14)


def test_the_profile_and_its_service_keep_the_certified_identity():
    filleul = FilleulFactory()
    identite_certifier(user=filleul.user, claims=IDENTITE)
    form = IdentiteForm(
        data={"first_name": "Autre", "last_name": "Nom", "date_naissance": "2001-01-01"},
        initial={"first_name": "Autre"},
        user=filleul.user,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["first_name"] == "Angela Claire Louise"
    assert form.cleaned_data["date_naissance"] == dt.date(1992, 6, 14)
    assert form.fields["lieu_naissance"].disabled
    assert "Certifié par FranceConnect" in form.fields["last_name"].help_text

    with pytest.raises(ValidationError, match="certifiés par FranceConnect"):
        filleul_enregistrer_profil(
            user=filleul.user,
            donnees={
                "first_name": "Angela Claire Louise",
                "last_name": "Durand",
                "date_naissance": dt.date(1992, 6, 14),
            },
        )
    filleul.user.refresh_from_db()
    assert filleul.user.last_name == "Dubois"


def test_a_replayed_or_foreign_token_is_refused(requete):
    login = connexion("franceconnect", IDENTITE, nonce="autre")
    assert "n'est pas valide" in refus(requete, login)
    assert not User.objects.filter(email="angela@exemple.fr").exists()


def test_franceconnect_without_a_readable_identity_creates_and_links_nothing(requete):
    filleul = FilleulFactory(user__email="angela@exemple.fr")
    sans_date = connexion("franceconnect", {**IDENTITE, "birthdate": ""})
    assert "date de naissance lisible" in refus(requete, sans_date)
    sans_nom = connexion("franceconnect", {**IDENTITE, "family_name": " "})
    assert "vos nom et prénoms" in refus(requete, sans_nom)
    assert not SocialAccount.objects.exists()
    assert not IdentiteCertifiee.objects.filter(user=filleul.user).exists()


def test_franceconnect_requires_its_level_of_assurance(requete):
    login = connexion("franceconnect", IDENTITE, id_token={"acr": "faible"})
    assert "niveau d'authentification" in refus(requete, login)


def test_linking_a_provider_from_a_signed_in_account_is_not_offered(requete):
    login = connexion("franceconnect", IDENTITE, process="connect")
    assert "bouton de la page de connexion" in refus(requete, login)


def test_franceconnect_decisions_on_an_existing_address(requete):
    adapter = SocialAccountAdapter()
    # No account: a sign-up (allauth then creates it, the adapter certifies it).
    assert adapter.pre_social_login(requete, connexion("franceconnect", IDENTITE)) is None
    assert not SocialAccount.objects.exists()

    # A staff member's address: never through FranceConnect.
    gestionnaire(email="angela@exemple.fr")
    message = refus(requete, connexion("franceconnect", IDENTITE))
    assert "Un compte de professionnel utilise déjà cette adresse" in message
    assert not IdentiteCertifiee.objects.exists()


def filleul_meme_adresse(**kwargs):
    """A job seeker whose account uses IDENTITE's address, verified, and its names."""
    filleul = FilleulFactory(
        user__email="angela@exemple.fr",
        user__first_name="Angéla",
        user__last_name="DUBOIS",
        date_naissance=dt.date(1992, 6, 14),
        **kwargs,
    )
    EmailAddressFactory(user=filleul.user)
    return filleul


def test_franceconnect_links_a_job_seeker_once(configures, requete):
    filleul = filleul_meme_adresse()
    SocialAccountAdapter().pre_social_login(requete, connexion("franceconnect", IDENTITE))
    assert SocialAccount.objects.get().user == filleul.user
    assert IdentiteCertifiee.objects.get().user == filleul.user

    # Another FranceConnect identity with the same address does not take the account over.
    autre = {**IDENTITE, "sub": "fc-2", "given_name": "Usurpation"}
    assert "déjà relié à une autre identité" in refus(requete, connexion("franceconnect", autre))
    assert IdentiteCertifiee.objects.get().prenoms == "Angela Claire Louise"


def test_proconnect_never_creates_an_account(requete):
    FilleulFactory(user__email="jo@exemple.fr")
    for email in ("jo@exemple.fr", "inconnu@exemple.fr"):
        message = refus(requete, connexion("proconnect", {"sub": "p", "email": email}))
        assert f"Aucun compte de l'équipe ou d'un partenaire n'utilise l'adresse {email}" in (
            message
        )
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize(
    ("acr", "amr"),
    [
        ("eidas1", None),
        # "mfa" without a two-factor "acr", or a two-factor "acr" without "mfa": not enough.
        ("eidas1", ["pwd", "mfa"]),
        ("https://proconnect.gouv.fr/assurance/self-asserted", ["pwd", "mfa"]),
        ("eidas2", ["pwd"]),
        # A string "amr" never counts (not even one holding "mfa").
        ("eidas2", "pwd mfa"),
        ("https://proconnect.gouv.fr/assurance/self-asserted-2fa", "mfa"),
    ],
)
def test_proconnect_second_factor_refused_without_acr_and_amr(configures, requete, acr, amr):
    equipe = gestionnaire(email="equipe@ville.fr")
    login = connexion("proconnect", {"sub": "p1", "email": "EQUIPE@ville.fr"}, id_token={})
    login.account.extra_data["id_token"].update(acr=acr, amr=amr)
    SocialAccountAdapter().pre_social_login(requete, login)
    assert get_authentication_records(requete, equipe) == []


@pytest.mark.parametrize(
    "acr",
    [
        "eidas2",
        "eidas3",
        "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
    ],
)
def test_proconnect_second_factor_counts_only_when_asserted(configures, requete, acr):
    equipe = gestionnaire(email="equipe@ville.fr")
    avec = connexion("proconnect", {"sub": "p1", "email": "equipe@ville.fr"})
    avec.account.extra_data["id_token"].update(acr=acr, amr=["pwd", "mfa"])
    SocialAccountAdapter().pre_social_login(requete, avec)
    (record,) = get_authentication_records(requete, equipe)
    assert (record["method"], record["fournisseur"]) == ("mfa", "proconnect")


def test_the_login_link_sends_a_nonce_and_only_the_configured_parameters(
    configures, requete, rf, monkeypatch
):
    monkeypatch.setattr(
        AdaptateurOIDC,
        "openid_config",
        {
            "authorization_endpoint": "https://fc.example/authorize",
            "token_endpoint": "https://fc.example/token",
            "issuer": "https://fc.example",
        },
    )
    request = rf.post("/", {"auth_params": "acr_values=faible"}, QUERY_STRING="")
    request.GET = request.GET.copy()
    request.GET["auth_params"] = "acr_values=faible&claims=x"
    request.GET["scope"] = "gender,preferred_username"
    request.session, request._messages, request.user = requete.session, None, requete.user
    provider = get_social_adapter().get_provider(request, "franceconnect")

    reponse = provider.redirect_from_request(request)

    parametres = parse_qs(urlsplit(reponse.url).query)
    assert parametres["acr_values"] == ["eidas1"]
    assert "claims" not in parametres
    assert sorted(parametres["scope"][0].split()) == sorted(SCOPES_FRANCECONNECT)
    assert len(parametres["nonce"][0]) >= 32
    etats = request.session["socialaccount_states"]
    assert [e[0]["nonce"] for e in etats.values()] == parametres["nonce"]


class _Reponse:
    def __init__(self, contenu, type_="application/json"):
        self.contenu, self.headers = contenu, {"Content-Type": type_}

    def raise_for_status(self):
        pass

    def json(self):
        return self.contenu

    @property
    def text(self):
        return self.contenu


class _Session:
    """The provider's addresses, as ``requests`` would answer them."""

    def __init__(self, pages):
        self.pages = pages

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def get(self, url, **kwargs):
        return self.pages[url]


@pytest.fixture
def cles():
    import json

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    publiee, autre = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in "ab")
    jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(publiee.public_key())), "kid": "k1"}
    return {"publiee": publiee, "autre": autre, "jwks": {"keys": [{**jwk, "alg": "RS256"}]}}


@pytest.mark.parametrize(
    ("cle", "aud", "accepte"),
    [("publiee", "fc", True), ("autre", "fc", False), ("publiee", "autre-client", False)],
)
def test_the_signed_userinfo_answer_is_verified(
    configures, requete, monkeypatch, cles, cle, aud, accepte
):
    import jwt
    from allauth.socialaccount.providers.oauth2.client import OAuth2Error

    config = {
        "issuer": "https://fc.example",
        "jwks_uri": "https://fc.example/jwks",
        "userinfo_endpoint": "https://fc.example/userinfo",
    }
    signe = jwt.encode(
        {**IDENTITE, "iss": "https://fc.example", "aud": aud},
        cles[cle],
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    pages = {
        config["jwks_uri"]: _Reponse(cles["jwks"]),
        config["userinfo_endpoint"]: _Reponse(signe, "application/jwt"),
    }
    monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", lambda self: _Session(pages))
    monkeypatch.setattr(AdaptateurOIDC, "openid_config", config)
    adaptateur = AdaptateurOIDC(requete, "franceconnect")

    if accepte:
        assert adaptateur._fetch_user_info("jeton")["birthplace"] == "75107"
    else:
        with pytest.raises(OAuth2Error):
            adaptateur._fetch_user_info("jeton")


def test_proconnect_asks_for_a_two_factor_acr():
    import json

    (pc,) = apps_oidc(proconnect=("id", "secret", "https://pc"))
    claims = json.loads(pc["settings"]["auth_params"]["claims"])["id_token"]
    assert claims["acr"] == {
        "essential": True,
        "values": [
            "eidas2",
            "eidas3",
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
            "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
        ],
    }
    assert claims["amr"] == {"essential": True}


def test_franceconnect_does_not_take_an_account_with_an_unverified_address(configures, requete):
    """A person referred by a counsellor claimed an account with a mistyped address (never
    verified, a password chosen): the owner of that address, signing in with FranceConnect,
    does not get it."""
    filleul = FilleulFactory(
        user__email="angela@exemple.fr", user__first_name="Angela", user__last_name="Dubois"
    )
    filleul.user.set_password("mot-de-passe-du-filleul")
    filleul.user.save()
    EmailAddressFactory(user=filleul.user, verified=False)

    message = refus(requete, connexion("franceconnect", IDENTITE))

    assert "ne peut pas être relié à votre identité FranceConnect sans votre mot de passe" in (
        message
    )
    assert not SocialAccount.objects.exists()
    assert not IdentiteCertifiee.objects.exists()
    filleul.user.refresh_from_db()
    assert filleul.user.check_password("mot-de-passe-du-filleul")
    assert filleul.user.first_name == "Angela"
    assert "connexion_oidc" not in requete.session


@pytest.mark.parametrize(
    ("champ", "valeur"),
    [
        ("user__first_name", "Paul"),
        ("user__last_name", "Durand"),
        ("date_naissance", dt.date(1990, 1, 1)),
    ],
)
def test_franceconnect_does_not_take_an_account_of_another_identity(
    configures, requete, champ, valeur
):
    filleul = FilleulFactory(
        **{
            "user__email": "angela@exemple.fr",
            "user__first_name": "Angela",
            "user__last_name": "Dubois",
            "date_naissance": dt.date(1992, 6, 14),
            champ: valeur,
        }
    )
    EmailAddressFactory(user=filleul.user)

    assert "sans votre mot de passe" in refus(requete, connexion("franceconnect", IDENTITE))
    assert not SocialAccount.objects.exists()
    assert not IdentiteCertifiee.objects.exists()


def test_names_are_compared_without_accents_case_or_hyphens():
    from mentorat.connexion import identite_concorde, identite_lire

    identite = identite_lire({**IDENTITE, "given_name": "Jean-Noël Marc", "family_name": "Lé Gall"})
    for prenom, nom in [("jean noel", "LE-GALL"), ("Jean-Noël Marc", "le gall"), ("", "")]:
        assert identite_concorde(User(first_name=prenom, last_name=nom), identite)
    assert not identite_concorde(User(first_name="Marc", last_name="Le Gall"), identite)
    assert not identite_concorde(User(first_name="Jean", last_name="Legal"), identite)


def test_linking_by_address_wipes_the_password_and_tells_the_owner(configures, requete):
    from mentorat.models import Envoi

    filleul = filleul_meme_adresse()
    filleul.user.set_password("ancien")
    filleul.user.save()
    EmailAddressFactory(
        user=filleul.user, email="angela.autre@exemple.fr", verified=False, primary=False
    )

    SocialAccountAdapter().pre_social_login(requete, connexion("franceconnect", IDENTITE))

    filleul.user.refresh_from_db()
    assert not filleul.user.has_usable_password()
    assert list(filleul.user.emailaddress_set.values_list("email", "verified")) == [
        ("angela@exemple.fr", True)
    ]
    envoi = Envoi.objects.get(regle="connexion_reliee")
    assert envoi.destinataire == filleul.user
    assert envoi.email == "angela@exemple.fr"
    assert "relié à FranceConnect" in envoi.sujet


def test_proconnect_logs_and_tells_a_new_link(configures, requete, caplog):
    from mentorat.models import Envoi

    membre = MembreFactory(user__email="conseiller@partenaire.fr")
    login = connexion("proconnect", {"sub": "idp-1", "email": "conseiller@partenaire.fr"})
    with caplog.at_level("INFO", logger="mentorat.connexion"):
        SocialAccountAdapter().pre_social_login(requete, login)
    lien = SocialAccount.objects.get()
    assert f"Compte {membre.user.pk} relié à une identité ProConnect (lien {lien.pk})" in (
        caplog.text
    )
    envoi = Envoi.objects.get(regle="connexion_reliee")
    assert (envoi.email, envoi.destinataire) == ("conseiller@partenaire.fr", membre.user)

    # The same identity again: no new link, nothing sent.
    SocialAccountAdapter().pre_social_login(
        requete, connexion("proconnect", {"sub": "idp-1", "email": "conseiller@partenaire.fr"})
    )
    assert Envoi.objects.filter(regle="connexion_reliee").count() == 1


def test_the_id_token_is_kept_only_once_the_login_is_accepted(configures, requete):
    gestionnaire(email="angela@exemple.fr")
    refuse = connexion("franceconnect", IDENTITE)
    refuse.id_token_brut = "jeton.refuse"
    requete.session["connexion_oidc"] = {"fournisseur": "franceconnect", "id_token": "ancien"}
    refus(requete, refuse)
    assert "connexion_oidc" not in requete.session

    membre = MembreFactory(user__email="conseiller@partenaire.fr")
    accepte = connexion("proconnect", {"sub": "p", "email": membre.user.email})
    accepte.id_token_brut = "jeton.accepte"
    SocialAccountAdapter().pre_social_login(requete, accepte)
    assert requete.session["connexion_oidc"] == {
        "fournisseur": "proconnect",
        "id_token": "jeton.accepte",
    }


def test_the_id_token_waits_out_of_the_session(configures, requete, monkeypatch):
    from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter

    def complete_login(self, request, app, token, **kwargs):
        return connexion("franceconnect", IDENTITE)

    monkeypatch.setattr(OpenIDConnectOAuth2Adapter, "complete_login", complete_login)
    login = AdaptateurOIDC(requete, "franceconnect").complete_login(
        requete, None, None, response={"id_token": "brut"}
    )
    assert login.id_token_brut == "brut"
    assert "connexion_oidc" not in requete.session


@pytest.mark.parametrize(
    ("demande", "recu", "accepte"),
    [
        ("eidas1", "eidas1", True),
        ("eidas1", "eidas3", True),
        ("eidas2", "eidas1", False),
        ("eidas2", "eidas2", True),
        ("eidas3", "eidas2", False),
    ],
)
def test_franceconnect_acr_at_least_the_configured_level(settings, requete, demande, recu, accepte):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": apps_oidc(
                franceconnect=("fc", "secret", "https://fc.example"), acr_franceconnect=demande
            ),
        }
    }
    login = connexion("franceconnect", IDENTITE, id_token={"acr": recu})
    if accepte:
        assert SocialAccountAdapter().pre_social_login(requete, login) is None
    else:
        assert "niveau d'authentification" in refus(requete, login)


def test_userinfo_of_another_subject_is_refused(configures, requete):
    login = connexion("franceconnect", IDENTITE, id_token={"sub": "fc-autre"})
    assert "identités différentes" in refus(requete, login)
    assert not User.objects.filter(email="angela@exemple.fr").exists()


def test_a_new_franceconnect_address_is_not_taken_as_verified(configures, requete):
    provider = get_social_adapter().get_provider(requete, "franceconnect")
    (adresse,) = provider.extract_email_addresses({"userinfo": IDENTITE})
    assert not adresse.verified
    pc = get_social_adapter().get_provider(requete, "proconnect")
    (adresse,) = pc.extract_email_addresses({"userinfo": {"sub": "p", "email": "a@b.fr"}})
    assert adresse.verified


def test_an_unreachable_provider_sends_back_to_the_login_page(settings, client):
    from django.core.cache import cache

    cache.clear()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            # Nothing listens on port 9 (discard) of this machine.
            "APPS": apps_oidc(franceconnect=("fc", "secret", "http://127.0.0.1:9/api/v2")),
        }
    }
    reponse = client.post("/comptes/oidc/franceconnect/login/", {"process": "login"})
    assert reponse.status_code == 302 and reponse.url == "/comptes/login/"
    page = client.get(reponse.url).content.decode()
    assert "FranceConnect ne répond pas pour le moment" in page

    retour = client.get("/comptes/oidc/franceconnect/login/callback/?code=c&state=s")
    assert retour.status_code == 302 and retour.url == "/comptes/login/"


def test_the_discovery_document_is_cached(configures, requete, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    appels = []
    config = {"issuer": "https://fc.example", "authorization_endpoint": "https://fc.example/a"}

    class Session(_Session):
        def get(self, url, **kwargs):
            appels.append(url)
            return _Reponse(config)

    monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", lambda self: Session({}))
    for _ in range(2):
        assert AdaptateurOIDC(requete, "franceconnect").openid_config == config
    assert appels == ["https://fc.example/.well-known/openid-configuration"]


def test_a_certified_identity_is_read_only_in_the_admin(rf):
    from django.contrib import admin

    from parrainages.models import Filleul

    filleul = FilleulFactory()
    autre = FilleulFactory()
    identite_certifier(user=filleul.user, claims=IDENTITE)
    request = rf.get("/admin/")
    request.user = gestionnaire()
    comptes, profils = admin.site._registry[User], admin.site._registry[Filleul]

    assert {"first_name", "last_name"} <= set(comptes.get_readonly_fields(request, filleul.user))
    assert "date_naissance" in profils.get_readonly_fields(request, filleul)
    assert "first_name" not in comptes.get_readonly_fields(request, autre.user)
    assert "date_naissance" not in profils.get_readonly_fields(request, autre)


def test_offering_to_mentor_keeps_the_certified_names():
    from parrainages.services.filleul import parrain_proposer
    from tests.programmes.factories import CommuneFactory, ProgrammeFactory

    user = UserFactory()
    identite_certifier(user=user, claims=IDENTITE)
    parrain_proposer(
        user=user,
        programme=ProgrammeFactory(),
        donnees={
            "first_name": "Autre",
            "last_name": "Nom",
            "entreprise": "Entreprise",
            "fonction": "RH",
            "commune": CommuneFactory(),
            "capacite": 1,
            "annees_experience": 5,
        },
    )
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Angela Claire Louise", "Dubois")
