"""Bad input at scale: every form of the site fuzzed with hypothesis (issue #9, item 8).

For each form, generated bodies (unicode, control characters, very long strings, odd numbers
and dates, missing, extra and repeated fields, wrong choices, other people's ids, broken raw
bodies) are posted as the right person. The rules (see ``banc``): never a 5xx; a refusal
writes nothing; an acceptance writes only valid rows to the form's own tables.

``FUZZ_EXEMPLES`` sets the number of examples per form (40 by default; try 500 for a long run).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.acces import MATRICE, ROLES, monde_creer

from . import monde as fabrique
from .banc import (
    EXEMPLES,
    REGLAGES,
    Bilan,
    Formulaire,
    Requete,
    accepte_post,
    avec_corps_bruts,
    essayer,
)
from .donnees import bizarre, corps, en_trop
from .formulaires import EXCLUS, FORMULAIRES, JETON_WEBHOOK_SMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(private_storage_dir):
    """The access matrix's world: every URL is built in it."""
    return monde_creer()


# The Django admin is staff-only, made of ModelAdmin forms, and gets mandatory MFA from another
# piece of work right now; the site's own forms are the target here.
PREFIXES_EXCLUS = ("admin/",)


class _ToleranceAllauth:
    """Undefined variables in allauth's own templates render empty, as in production (its
    e-mail page passes no ``errors`` to its radio buttons); the site's templates stay strict."""

    def __init__(self, strict):
        self.strict = strict

    def __contains__(self, cle):
        return cle in self.strict

    def __mod__(self, variable):
        try:
            return self.strict % variable
        except pytest.fail.Exception as exc:
            if "/allauth/templates/" in str(exc):
                return ""
            raise


@pytest.fixture(autouse=True)
def _gabarits_allauth_toleres():
    from django.template import engines

    moteur = engines["django"].engine
    strict = moteur.string_if_invalid
    if not hasattr(strict, "fail"):  # not run with --fail-on-template-vars
        yield
        return
    moteur.string_if_invalid = _ToleranceAllauth(strict)
    yield
    moteur.string_if_invalid = strict


@pytest.fixture
def fuzz(settings, private_storage_dir):
    settings.BREVO_WEBHOOK_TOKEN = JETON_WEBHOOK_SMS
    # Reports requested through the portal are produced on commit, in-process.
    return fabrique.construire()


@pytest.mark.parametrize("nom", sorted(FORMULAIRES))
def test_formulaire(nom, fuzz):
    formulaire = FORMULAIRES[nom](fuzz)

    # The bench reaches the form's success path: the valid example is accepted and writes.
    issue = essayer(formulaire, formulaire.valide)
    assert not issue.refus, f"L'exemple valide est refusé : {issue.refus}"
    assert formulaire.ecrit <= set(issue.diff), (formulaire.ecrit, issue.diff)

    bilan = Bilan()

    @REGLAGES
    @given(requete=avec_corps_bruts(formulaire))
    def explorer(requete):
        bilan.noter(essayer(formulaire, requete))

    explorer()
    print(f"\n{nom} : {dict(bilan)}")


def _motifs():
    def parcourir(motifs, prefixe="", ns=""):
        for motif in motifs:
            if isinstance(motif, URLResolver):
                yield from parcourir(
                    motif.url_patterns,
                    prefixe + str(motif.pattern),
                    ns + (f"{motif.namespace}:" if motif.namespace else ""),
                )
            elif isinstance(motif, URLPattern):
                yield prefixe + str(motif.pattern), ns + (motif.name or ""), motif.callback

    return list(parcourir(get_resolver().url_patterns))


def test_every_url_taking_post_is_fuzzed():
    couverts = {nom.split("#")[0] for nom in FORMULAIRES}
    prennent_post = {
        nom
        for route, nom, callback in _motifs()
        if not route.startswith(PREFIXES_EXCLUS) and accepte_post(callback)
    }
    manquants = prennent_post - couverts - set(EXCLUS)
    assert not manquants, (
        f"Formulaires sans test de fuzzing (tests/fuzz/formulaires.py) : {manquants}"
    )
    perimes = (couverts | set(EXCLUS)) - prennent_post
    assert not perimes, f"Entrées qui ne correspondent plus à une URL acceptant POST : {perimes}"


# --- Every URL, every role: a hostile POST never gets a 5xx --------------------------------------

URLS_COMPTES = [
    "account_login",
    "account_logout",
    "account_signup",
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_reauthenticate",
    "account_email_verification_sent",
    "account_confirm_login_code",
    "account_inactive",
    "account_reset_password_done",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_reauthenticate",
    "mfa_generate_recovery_codes",
]


def test_hostile_posts_to_every_url_as_every_role(monde):
    urls = {nom: construire(monde) for nom, (construire, _attendus) in MATRICE.items()}
    urls.update({nom: reverse(nom) for nom in URLS_COMPTES})
    qui = {role: monde["users"].get(role) for role in ROLES}
    tous = Formulaire(requetes=None, valide=None, tables=None)
    bilan = Bilan()

    @hypothesis_settings(REGLAGES, max_examples=max(EXEMPLES * 4, 100))
    @given(
        nom=st.sampled_from(sorted(urls)),
        role=st.sampled_from(ROLES),
        donnees=st.one_of(st.just({}), en_trop, corps({"action": bizarre, "code": bizarre})),
    )
    def explorer(nom, role, donnees):
        bilan.noter(essayer(tous, Requete(qui[role], urls[nom], donnees)))

    explorer()
    print(f"\ntoutes les URL : {dict(bilan)}")
