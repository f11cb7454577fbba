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
from mentorat.fournisseurs import apps_oidc
from mentorat.models import IdentiteCertifiee, User
from mentorat.sessions import SessionStore
from parrainages.forms import IdentiteForm
from parrainages.services import filleul_enregistrer_profil, filleul_exporter
from tests.mentorat.factories import UserFactory, gestionnaire
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
    id_token = {"nonce": "n1", "acr": "eidas1", **(id_token or {})}
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


def test_franceconnect_links_a_job_seeker_once(configures, requete):
    filleul = FilleulFactory(user__email="angela@exemple.fr")
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


def test_proconnect_second_factor_counts_only_when_asserted(configures, requete):
    equipe = gestionnaire(email="equipe@ville.fr")
    sans = connexion("proconnect", {"sub": "p1", "email": "EQUIPE@ville.fr"}, id_token={})
    SocialAccountAdapter().pre_social_login(requete, sans)
    assert get_authentication_records(requete, equipe) == []

    avec = connexion("proconnect", {"sub": "p1", "email": "equipe@ville.fr"})
    avec.account.extra_data["id_token"]["amr"] = ["pwd", "mfa"]
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
    request.session, request._messages, request.user = requete.session, None, requete.user
    provider = get_social_adapter().get_provider(request, "franceconnect")

    reponse = provider.redirect_from_request(request)

    parametres = parse_qs(urlsplit(reponse.url).query)
    assert parametres["acr_values"] == ["eidas1"]
    assert "claims" not in parametres
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
