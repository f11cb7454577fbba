"""Every form of the site, as the bench fuzzes it: who posts, where, which fields.

``FORMULAIRES`` maps a URL name to a builder taking the world (``monde.construire()``) and
returning a ``Formulaire``. Hostile values come from ``donnees.corps``; the ids offered include
other people's objects, drafts and ids that do not exist.
"""

import datetime as dt
import hashlib
import json
from types import SimpleNamespace
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st

from mentorat.comptes import activation_url as activation_compte_url
from mentorat.envois import lien_desabonnement
from mentorat.models import Partie, User
from mentorat.views import JETON_EN_SESSION as JETON_ACTIVATION_COMPTE
from parrainages.enquetes import lien_enquete, lien_point_etape
from parrainages.forms_parrain import ActionPonctuelleForm
from parrainages.models import (
    BilanImmersion,
    Candidature,
    Charte,
    Filleul,
    Immersion,
    Parrain,
    Parrainage,
    Rencontre,
    RepresentantLegal,
    Sortie,
    Theme,
)
from parrainages.services import activation_url
from parrainages.views.filleul import SESSION_PROFIL
from parrainages.views.public import JETON_EN_SESSION
from partenaires.models import Prescription, Rapport
from programmes.models import Disponibilite, Evenement, Inscription, NiveauDiplome, Secteur
from programmes.models import Situation as SituationChoix
from tests.parrainages.helpers import horaires_post, immersion_post

from .banc import Fichier, Formulaire, Requete
from .donnees import (
    case,
    choix,
    corps,
    date_iso,
    datetime_local,
    emails,
    entier,
    hors_bornes,
    nom,
    surtout,
    texte,
    texte_libre,
    texte_long,
)
from .monde import CODE_SIGNATURE, MOT_DE_PASSE

MDP_SOLIDE = "Un-mot-de-passe-solide-42"
MOTS_DE_PASSE = surtout(MDP_SOLIDE, "Un-autre-mot-de-passe-77", "court", "12345678901")
COMMUNES = st.sampled_from(
    ["Paris (75019)", "Toulouse", "31000", "31400", "75019", "Saint-Denis (97400)"]
    + ["toulouse (31000)", "  Paris (75019)  "]
)
COMMUNES_HOSTILES = st.one_of(
    st.sampled_from(["Saint-Denis", "Lyon", "Paris (", ")", "(75019)", "00000", "Paris\x00"]),
    texte,
)
INEXISTANT = 2**31 - 7


def _url(nom_url, **kwargs):
    return reverse(nom_url, kwargs=kwargs or None)


def _brut(lien: str) -> str:
    """The path of an absolute link."""
    return "/" + lien.split("://", 1)[-1].split("/", 1)[1]


def requetes(qui, url, champs, hostiles=None, **kwargs):
    """Requests from one of ``qui`` (strategy) to one of ``url`` (strategy) with ``champs``."""
    return st.builds(
        lambda q, u, d: Requete(qui=q, url=u, donnees=d, **kwargs),
        qui,
        url,
        corps(champs, hostiles),
    )


def _secteurs(min_size=0):
    ids = [str(pk) for pk in Secteur.objects.values_list("pk", flat=True)]
    return st.lists(st.sampled_from(ids), min_size=min_size, max_size=4, unique=True)


SECTEURS_HOSTILES = st.lists(
    st.sampled_from([str(INEXISTANT), "0", "-1", "a", "²", "1" * 40]), min_size=1, max_size=3
)


def _maintenant_plus(**delta):
    return (timezone.localtime() + dt.timedelta(**delta)).replace(tzinfo=None)


# --- Sign-up, login and account pages (allauth) --------------------------------------------------


def inscription(m):
    champs = {
        "email": st.one_of(emails(), st.just(m.filleul.user.email.upper())),
        "password1": MOTS_DE_PASSE,
        "password2": MOTS_DE_PASSE,
        "first_name": nom(),
        "last_name": nom(),
    }
    return Formulaire(
        requetes=requetes(st.none(), st.just(_url("account_signup")), champs),
        valide=Requete(
            None,
            _url("account_signup"),
            {
                "email": "nouvelle.personne@exemple.fr",
                "password1": MDP_SOLIDE,
                "password2": MDP_SOLIDE,
                "first_name": "Zoé",
                "last_name": "N'Diaye",
            },
        ),
        ecrit={"mentorat.User", "account.EmailAddress"},
        tables={"mentorat.User", "account.EmailAddress"},
    )


def connexion(m):
    champs = {
        "login": st.sampled_from(
            [m.filleul.user.email, m.filleul.user.email.upper(), "inconnu@exemple.fr"]
        ),
        "password": surtout(MOT_DE_PASSE, "mauvais-mot-de-passe"),
        "remember": case(),
    }
    return Formulaire(
        requetes=requetes(st.none(), st.just(_url("account_login")), champs),
        valide=Requete(
            None, _url("account_login"), {"login": m.filleul.user.email, "password": MOT_DE_PASSE}
        ),
        ecrit={"mentorat.User"},  # last_login
        tables={"mentorat.User"},
    )


def _inscrire_puis_code(client, requete):
    from django.core import mail

    client.post(
        _url("account_signup"),
        {
            "email": "code.a.confirmer@exemple.fr",
            "password1": MDP_SOLIDE,
            "password2": MDP_SOLIDE,
            "first_name": "Camille",
            "last_name": "Durand",
        },
    )
    mail.outbox = []
    code = client.session["account_email_verification_code"]["code"]
    return {"@code": code, "@code-espaces": f" {code.lower()} "}


def confirmation_email(m):
    champs = {
        "code": st.sampled_from(["@code", "@code-espaces"]),
        "action": st.sampled_from(["verify", "verify", "change", "resend", "autre"]),
        "email": st.one_of(emails(), st.just(m.parrain.user.email)),
    }
    return Formulaire(
        requetes=requetes(
            st.none(),
            st.just(_url("account_email_verification_sent")),
            champs,
            {"code": st.sampled_from(["ABCDEF", "ABCD-EFGH"])},
        ),
        valide=Requete(None, _url("account_email_verification_sent"), {"code": "@code"}),
        preparer=_inscrire_puis_code,
        ecrit={"account.EmailAddress", "mentorat.User"},
        tables={"account.EmailAddress", "mentorat.User"},
    )


def deconnexion(m):
    return Formulaire(
        requetes=requetes(st.just(m.filleul.user), st.just(_url("account_logout")), {}),
        valide=Requete(m.filleul.user, _url("account_logout"), {}),
        tables=set(),
    )


def changer_mot_de_passe(m):
    champs = {
        "oldpassword": surtout(MOT_DE_PASSE, "pas-le-bon"),
        "password1": MOTS_DE_PASSE,
        "password2": MOTS_DE_PASSE,
    }
    return Formulaire(
        requetes=requetes(
            st.just(m.filleul.user), st.just(_url("account_change_password")), champs
        ),
        valide=Requete(
            m.filleul.user,
            _url("account_change_password"),
            {"oldpassword": MOT_DE_PASSE, "password1": MDP_SOLIDE, "password2": MDP_SOLIDE},
        ),
        ecrit={"mentorat.User"},
        tables={"mentorat.User"},
    )


def reinitialiser_mot_de_passe(m):
    champs = {"email": st.one_of(emails(), st.just(m.filleul.user.email))}
    return Formulaire(
        requetes=requetes(st.none(), st.just(_url("account_reset_password")), champs),
        valide=Requete(None, _url("account_reset_password"), {"email": m.filleul.user.email}),
        tables=set(),
    )


def _cle_de_reinitialisation(client, requete):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    from mentorat.models import User

    user = User.objects.get(email=requete.meta.get("_email", ""))
    url = _url(
        "account_reset_password_from_key",
        uidb36=user_pk_to_url_str(user),
        key=default_token_generator.make_token(user),
    )
    response = client.get(url)
    return {"@url": response["Location"] if response.status_code == 302 else url}


def reinitialiser_depuis_cle(m):
    email = m.filleul.user.email
    faux = _url("account_reset_password_from_key", uidb36="zz", key="set-password")
    champs = {"password1": MOTS_DE_PASSE, "password2": MOTS_DE_PASSE}
    return Formulaire(
        requetes=requetes(
            st.none(), st.sampled_from(["@url", faux]), champs, meta={"_email": email}
        ),
        valide=Requete(
            None, "@url", {"password1": MDP_SOLIDE, "password2": MDP_SOLIDE}, meta={"_email": email}
        ),
        preparer=_cle_de_reinitialisation,
        ecrit={"mentorat.User"},
        tables={"mentorat.User"},
    )


def gerer_emails(m):
    champs = {
        "email": st.one_of(
            emails(),
            st.sampled_from([m.filleul.user.email, m.parrain.user.email, "autre@exemple.fr"]),
        ),
        "action": st.sampled_from(
            ["action_add", "action_remove", "action_primary", "action_send", "autre"]
        ),
    }
    requetes_ = requetes(st.just(m.filleul.user), st.just(_url("account_email")), champs).map(
        _action_en_champ
    )
    return Formulaire(
        requetes=requetes_,
        valide=_action_en_champ(
            Requete(
                m.filleul.user,
                _url("account_email"),
                {"email": "deuxieme@exemple.fr", "action": "action_add"},
            )
        ),
        ecrit=set(),  # a new address waits for its code (kept in the session)
        tables={"account.EmailAddress", "mentorat.User"},
    )


def _action_en_champ(requete):
    # allauth reads the button's name: "action_add": "" rather than "action": "action_add".
    donnees = dict(requete.donnees or {})
    action = donnees.pop("action", None)
    if isinstance(action, str):
        donnees[action] = ""
    requete.donnees = donnees
    return requete


def reauthentification(m):
    champs = {"password": surtout(MOT_DE_PASSE, "faux")}
    return Formulaire(
        requetes=requetes(st.just(m.filleul.user), st.just(_url("account_reauthenticate")), champs),
        valide=Requete(m.filleul.user, _url("account_reauthenticate"), {"password": MOT_DE_PASSE}),
        tables=set(),
    )


def definir_mot_de_passe(m):
    champs = {"password1": MOTS_DE_PASSE, "password2": MOTS_DE_PASSE}
    return Formulaire(
        requetes=requetes(
            surtout(m.invite.user, m.filleul.user),
            st.just(_url("account_set_password")),
            champs,
        ),
        valide=Requete(
            m.invite.user,
            _url("account_set_password"),
            {"password1": MDP_SOLIDE, "password2": MDP_SOLIDE},
        ),
        ecrit={"mentorat.User"},
        tables={"mentorat.User"},
    )


def code_de_connexion(m):
    champs = {"code": st.one_of(st.just("123456"), texte)}
    return Formulaire(
        requetes=requetes(st.none(), st.just(_url("account_confirm_login_code")), champs),
        valide=Requete(None, _url("account_confirm_login_code"), {"code": "123456"}),
        tables=set(),
    )


# --- The site's own account pages ---------------------------------------------------------------


def preferences(m):
    # The channels per kind of message are offered once SMS may go (a verified number, an SMS
    # channel): posted anyway, they must be ignored or refused, never stored unchecked.
    canaux = choix(["email", "sms", "les_deux"])
    champs = {
        "relances_non_essentielles": case(),
        "codes": canaux,
        "rencontres": canaux,
        "enquetes": canaux,
        "action": surtout("", "reprendre_sms"),
    }
    return Formulaire(
        requetes=requetes(
            st.sampled_from([m.filleul.user, m.parrain.user, m.membre.user]),
            st.just(_url("preferences")),
            champs,
        ),
        valide=Requete(m.filleul.user, _url("preferences"), {"relances_non_essentielles": ""}),
        ecrit={"mentorat.User"},
        tables={"mentorat.User"},
    )


def _mobile_en_attente(client, requete):
    """The person has a number waiting for its code (the code page's state)."""
    from mentorat.models import CodeTelephone

    user = requete.qui
    User.objects.filter(pk=user.pk).update(telephone="+33612345678", telephone_verifie_le=None)
    CodeTelephone.objects.create(
        user=user,
        numero="+33612345678",
        code_hash="0" * 64,
        expire_le=timezone.now() + dt.timedelta(minutes=10),
    )
    return {}


def telephone(m):
    champs = {
        "action": surtout("verifier", "envoyer", "retirer"),
        "numero": surtout("06 12 34 56 78", "01 44 55 66 77", "+44 7700 900123", "0690123456"),
        "code": surtout("123456", "000000", "12", ""),
    }
    return Formulaire(
        requetes=requetes(
            st.sampled_from([m.filleul.user, m.parrain.user, m.membre.user]),
            st.just(_url("telephone")),
            champs,
        ),
        valide=Requete(m.filleul.user, _url("telephone"), {"action": "retirer"}),
        preparer=_mobile_en_attente,
        ecrit={"mentorat.User"},
        tables={"mentorat.User", "mentorat.CodeTelephone"},
        # A wrong code counts as a try, even though it is refused.
        permis_en_refus={"mentorat.CodeTelephone"},
    )


JETON_WEBHOOK_SMS = "secret-du-webhook-pour-le-banc"


def _stop_recu(m):
    m.filleul.user.telephone, m.filleul.user.telephone_verifie_le = "+33612345678", timezone.now()
    m.filleul.user.save(update_fields=["telephone", "telephone_verifie_le"])
    evenement = {"to": "33612345678", "msg_status": "replied", "reply": "STOP"}
    return ("application/json", json.dumps(evenement).encode())


def sms_entrant(m):
    """Brevo's inbound callback: JSON and a bearer token, no form."""
    corps = st.fixed_dictionaries(
        {
            "to": surtout("33612345678", "+33612345678", "262692123456", "", "0"),
            "msg_status": surtout("replied", "unsubscribe", "delivered", ""),
            "reply": surtout("STOP", "stop", "Bonjour", "", "ARRÊT"),
        }
    ).map(lambda d: ("application/json", json.dumps(d).encode()))
    entetes = st.sampled_from(
        [
            {"HTTP_AUTHORIZATION": f"Bearer {JETON_WEBHOOK_SMS}"},
            {"HTTP_AUTHORIZATION": "Bearer faux"},
            {"HTTP_AUTHORIZATION": JETON_WEBHOOK_SMS},
            {},
        ]
    )
    valide = _stop_recu(m)
    return Formulaire(
        requetes=st.builds(
            lambda b, e: Requete(None, _url("sms_entrant"), brut=b, meta=e), corps, entetes
        ),
        valide=Requete(
            None,
            _url("sms_entrant"),
            brut=valide,
            meta={"HTTP_AUTHORIZATION": f"Bearer {JETON_WEBHOOK_SMS}"},
        ),
        ecrit={"mentorat.User"},
        tables={"mentorat.User"},
    )


def desabonnement(m):
    valide = _brut(lien_desabonnement(m.filleul.user_id))
    jetons = st.one_of(
        st.just(valide),
        st.text(min_size=1, max_size=300).map(
            lambda t: _url("desabonnement", jeton="x").replace("/x/", f"/{quote(t, safe='')}/")
        ),
        st.just(valide.replace(":", ":A", 1)),
    )
    return Formulaire(
        requetes=requetes(st.none(), jetons, {}),
        valide=Requete(None, valide, {}),
        ecrit={"mentorat.User"},
        tables={"mentorat.User"},
    )


# --- Public pages: mentor offer and activation, outcome survey ---------------------------------


def _proposer_parrain_champs(m):
    return {
        "first_name": nom(),
        "last_name": nom(),
        "telephone": st.sampled_from(["06 12 34 56 78", "", "+33 6 12 34 56 78"]),
        "entreprise": nom(200),
        "fonction": nom(200),
        "annees_experience": entier(0, 60),
        "commune": COMMUNES,
        "secteurs": _secteurs(min_size=1),
        "offre_reguliere": st.just("on"),
        "offre_ponctuelle": case(),
        "offre_immersion": case(),
        "capacite": entier(1, 10),
        "distanciel_accepte": case(),
        "bio": texte_libre(),
    }


PROPOSER_HOSTILES = {
    "commune": COMMUNES_HOSTILES,
    "secteurs": SECTEURS_HOSTILES,
    "annees_experience": hors_bornes(0, 60),
    "capacite": hors_bornes(1, 10),
    "offre_reguliere": case(),
    "telephone": texte,
}


def devenir_parrain(m):
    slugs = surtout("fuzz-a", "fuzz-b", "fuzz-c", "inconnu")
    urls = slugs.map(lambda s: _url("devenir_parrain", slug=s))
    qui = surtout(m.sans_role, m.autre_parrain.user, m.filleul.user)
    secteur = str(Secteur.objects.values_list("pk", flat=True).first())
    return Formulaire(
        requetes=requetes(qui, urls, _proposer_parrain_champs(m), PROPOSER_HOSTILES),
        valide=Requete(
            m.sans_role,
            _url("devenir_parrain", slug="fuzz-a"),
            {
                "first_name": "Inès",
                "last_name": "Benali",
                "entreprise": "Société générale de tests",
                "fonction": "DRH",
                "annees_experience": "12",
                "commune": "Paris (75019)",
                "secteurs": [secteur],
                "offre_reguliere": "on",
                "capacite": "2",
            },
        ),
        ecrit={"parrainages.Parrain", "mentorat.User"},
        tables={
            "parrainages.Parrain",
            "parrainages.Parrain_programmes",
            "parrainages.Parrain_secteurs",
            "mentorat.User",
        },
        verifier=_verifier_parrain_propose,
    )


def _verifier_parrain_propose(requete, response, diff):
    for parrain in Parrain.objects.filter(pk__in=diff.get("parrainages.Parrain", ())):
        assert parrain.user_id == requete.qui.pk
        assert parrain.statut in (Parrain.Statut.A_VALIDER, Parrain.Statut.ACTIF)
        assert parrain.offre_reguliere or parrain.offre_ponctuelle or parrain.offre_immersion


def _activation_en_session(client, requete):
    response = client.get(_brut(activation_url(requete.meta["_invite"])))
    return {"@url": response["Location"] if response.status_code == 302 else "/"}


def parrain_activer(m):
    faux = [
        _url("parrain_activer", uidb64="MQ", token=JETON_EN_SESSION),
        _url("parrain_activer", uidb64="zzz", token="abc-def"),
        _url("parrain_activer", uidb64="%C3%A9", token=JETON_EN_SESSION),
    ]
    champs = {"new_password1": MOTS_DE_PASSE, "new_password2": MOTS_DE_PASSE}
    meta = {"_invite": m.invite.user}
    return Formulaire(
        requetes=requetes(st.none(), st.sampled_from(["@url", "@url", *faux]), champs, meta=meta),
        valide=Requete(
            None, "@url", {"new_password1": MDP_SOLIDE, "new_password2": MDP_SOLIDE}, meta=meta
        ),
        preparer=_activation_en_session,
        ecrit={"mentorat.User", "parrainages.Parrain", "account.EmailAddress"},
        tables={"mentorat.User", "parrainages.Parrain", "account.EmailAddress"},
    )


def _activation_compte_en_session(client, requete):
    response = client.get(_brut(activation_compte_url(requete.meta["_compte"])))
    return {"@url": response["Location"] if response.status_code == 302 else "/"}


def compte_activer(m):
    faux = [
        _url("compte_activer", uidb64="MQ", token=JETON_ACTIVATION_COMPTE),
        _url("compte_activer", uidb64="zzz", token="abc-def"),
        _url("compte_activer", uidb64="%C3%A9", token=JETON_ACTIVATION_COMPTE),
    ]
    champs = {"new_password1": MOTS_DE_PASSE, "new_password2": MOTS_DE_PASSE}
    meta = {"_compte": m.compte_ouvert}
    return Formulaire(
        requetes=requetes(st.none(), st.sampled_from(["@url", "@url", *faux]), champs, meta=meta),
        valide=Requete(
            None, "@url", {"new_password1": MDP_SOLIDE, "new_password2": MDP_SOLIDE}, meta=meta
        ),
        preparer=_activation_compte_en_session,
        ecrit={"mentorat.User", "account.EmailAddress"},
        tables={"mentorat.User", "account.EmailAddress"},
        verifier=_verifier_activation_compte,
    )


def _verifier_activation_compte(requete, response, diff):
    compte = User.objects.get(pk=requete.meta["_compte"].pk)
    assert compte.has_usable_password() and compte.is_staff
    assert response["Location"] == reverse("mfa_activate_totp")


def enquete(m):
    fin = _brut(lien_enquete(parrainage_id=m.binome.pk, moment="fin", user_id=m.filleul.user.pk))
    jetons = [
        fin,
        _brut(
            lien_enquete(parrainage_id=m.binome.pk, moment="six_mois", user_id=m.parrain.user.pk)
        ),
        # A link for a pair the person is not part of, and one for a pair that does not exist.
        _brut(
            lien_enquete(parrainage_id=m.autre_binome.pk, moment="fin", user_id=m.filleul.user.pk)
        ),
        _brut(lien_enquete(parrainage_id=INEXISTANT, moment="fin", user_id=m.filleul.user.pk)),
        # A person without a pair's survey (about an application), and one that does not exist.
        _brut(
            lien_enquete(
                candidature_id=m.binome.filleul.candidatures.values_list("pk", flat=True).first()
                or INEXISTANT,
                moment="six_mois",
                user_id=m.filleul.user.pk,
            )
        ),
        _brut(lien_enquete(candidature_id=INEXISTANT, moment="fin", user_id=m.filleul.user.pk)),
        fin[:-6] + "AAAAA/",
        _url("enquete", jeton="nimporte-quoi"),
    ]
    champs = {"type": choix(Sortie.Type.values), "employeur": nom(200)}
    hostiles = {"type": texte, "employeur": texte_long}
    return Formulaire(
        requetes=requetes(st.none(), surtout(*jetons), champs, hostiles),
        valide=Requete(None, fin, {"type": "cdi", "employeur": "Boulangerie Ünal"}),
        ecrit={"parrainages.Sortie"},
        tables={"parrainages.Sortie"},
    )


# --- The mentee's pages ---------------------------------------------------------------------------


def candidater(m):
    urls = surtout("fuzz-b", "fuzz-a", "fuzz-c", "x").map(lambda s: _url("candidater", slug=s))
    qui = surtout(m.filleul.user, m.sans_role, m.parrain.user)
    return Formulaire(
        requetes=requetes(qui, urls, {"confirmation": st.just("on")}, {"confirmation": case()}),
        valide=Requete(m.filleul.user, _url("candidater", slug="fuzz-b"), {"confirmation": "on"}),
        # The application and its first history row (its receipt, e-mailed at once).
        ecrit={"parrainages.Candidature", "parrainages.EvenementCandidature"},
        tables={"parrainages.Candidature", "parrainages.EvenementCandidature"},
        verifier=_verifier_candidature,
    )


def _verifier_candidature(requete, response, diff):
    for candidature in Candidature.objects.filter(pk__in=diff["parrainages.Candidature"]):
        assert candidature.filleul.user_id == requete.qui.pk
        assert candidature.programme.slug == "fuzz-b"  # the only open one not yet applied to


# The answers of an adult's first four steps, as the session keeps them (by step).
ETAPES_VALIDES = {
    "identite": {
        "first_name": ["Zoé"],
        "last_name": ["Martin"],
        "date_naissance": ["2001-05-17"],
        "telephone": [""],
    },
    "lieu": {"commune": ["Paris (75019)"], "qpv": ["oui"]},
    "situation": {
        "situation": ["demandeur_emploi"],
        "inscrit_france_travail_depuis": [""],
        "identifiant_france_travail": [""],
        "niveau_diplome": ["4"],
        "parent_isole": [""],
    },
    "projet": {
        "secteurs_souhaites": [],
        "disponibilites": ["lun_soir"],
        "mobilite_km": ["10"],
        "source": [""],
    },
}


def _champs_etapes(m):
    aujourd_hui = timezone.localdate()
    return {
        1: {
            "first_name": nom(),
            "last_name": nom(),
            "date_naissance": date_iso(
                aujourd_hui - dt.timedelta(days=365 * 99), aujourd_hui - dt.timedelta(days=365 * 12)
            ),
            "telephone": st.sampled_from(
                ["", "06 12 34 56 78", "+33612345678", "０６１２３４５６７８", "06.12.34.56.78"]
            ),
        },
        2: {
            "adresse": st.sampled_from(["", "12 boulevard Balzac", "3, rue de l'Église"]),
            "adresse_complement": st.sampled_from(["", "Bâtiment B, 3e étage"]),
            "code_postal": st.sampled_from(["", "75019", "31000", "31400"]),
            "commune": COMMUNES,
            "qpv": st.sampled_from(["oui", "non"]),
        },
        3: {
            "situation": choix(SituationChoix.values),
            "inscrit_france_travail_depuis": st.one_of(
                st.just(""), date_iso(dt.date(1970, 1, 1), aujourd_hui)
            ),
            "identifiant_france_travail": st.sampled_from(
                ["", "1234567A", "1234567a", "12345678123", " 1234567A "]
            ),
            "niveau_diplome": choix(NiveauDiplome.values),
            "parent_isole": st.sampled_from(["", "oui", "non"]),
        },
        4: {
            "secteurs_souhaites": _secteurs(),
            "disponibilites": choix(Disponibilite.values, plusieurs=True),
            "mobilite_km": entier(0, 500),
            "source": choix(["", *Filleul.Source.values]),
        },
        5: {"consentement": st.just("on")},
    }


def _hostiles_etapes():
    aujourd_hui = timezone.localdate()
    return {
        "date_naissance": date_iso(dt.date(1850, 1, 1), aujourd_hui + dt.timedelta(days=400)),
        "telephone": st.one_of(st.sampled_from(["12", "1" * 30, "+"]), texte),
        "commune": COMMUNES_HOSTILES,
        "adresse": st.one_of(texte_long, texte),
        "adresse_complement": texte_long,
        "code_postal": st.sampled_from(["7501", "750190", "ABCDE", "７５０１９", "00000"]),
        "qpv": st.just("peut-être"),
        "inscrit_france_travail_depuis": date_iso(
            dt.date(1900, 1, 1), aujourd_hui + dt.timedelta(days=400)
        ),
        "identifiant_france_travail": st.sampled_from(["1234567", "１２３４５６７A", "ABCDEFGH"]),
        "niveau_diplome": st.sampled_from(["1", "9", "-1"]),
        "parent_isole": st.sampled_from(["peut-être", "1", "true"]),
        "secteurs_souhaites": SECTEURS_HOSTILES,
        "disponibilites": st.just(["dim_nuit"]),
        "mobilite_km": hors_bornes(0, 500),
        "source": st.just("tiktok"),
        "consentement": case(),
    }


def _profil_en_session(client, requete):
    session = client.session
    session[SESSION_PROFIL] = ETAPES_VALIDES
    session.save()
    return {}


def profil_filleul(m):
    """One step at a time, the earlier steps already answered."""
    champs, hostiles = _champs_etapes(m), _hostiles_etapes()
    qui = st.sampled_from([m.sans_role, m.filleul.user])
    par_etape = [
        requetes(qui, st.just(_url("filleul:profil", etape=etape)), champs[etape], hostiles)
        for etape in champs
    ]
    hors_bornes_ = requetes(
        qui, st.sampled_from([0, 6, 99]).map(lambda e: _url("filleul:profil", etape=e)), {}
    )
    return Formulaire(
        requetes=st.one_of(*par_etape, hors_bornes_),
        valide=Requete(m.sans_role, _url("filleul:profil", etape=5), {"consentement": "on"}),
        preparer=_profil_en_session,
        ecrit={"parrainages.Filleul", "mentorat.User"},
        tables=TABLES_PROFIL,
        verifier=_verifier_profil,
    )


TABLES_PROFIL = {
    "parrainages.Filleul",
    "parrainages.Filleul_secteurs_souhaites",
    "mentorat.User",
}


def profil_filleul_parcours(m):
    """The five steps in a row, each answer generated: the profile is saved whole or not at all."""
    champs, hostiles = _champs_etapes(m), _hostiles_etapes()
    qui = st.sampled_from([m.sans_role, m.filleul.user])

    @st.composite
    def parcours(draw):
        etapes = [
            (_url("filleul:profil", etape=e), draw(corps(champs[e], hostiles)))
            for e in (1, 2, 3, 4)
        ]
        return Requete(
            qui=draw(qui),
            url=_url("filleul:profil", etape=5),
            donnees=draw(corps(champs[5], hostiles)),
            avant=etapes,
        )

    valides = [
        (_url("filleul:profil", etape=numero), dict(d))
        for numero, d in enumerate(ETAPES_VALIDES.values(), start=1)
    ]
    return Formulaire(
        requetes=parcours(),
        valide=Requete(
            m.sans_role,
            _url("filleul:profil", etape=5),
            {"consentement": "on"},
            avant=valides,
        ),
        ecrit={"parrainages.Filleul", "mentorat.User"},
        tables=TABLES_PROFIL,
        verifier=_verifier_profil,
        bruts=False,
    )


def profil_mineur(m):
    """A minor's profile in a row: the legal guardian's step generated, the others valid. A
    profile is saved with its guardian, or not at all."""
    aujourd_hui = timezone.localdate()
    identite = {
        **ETAPES_VALIDES["identite"],
        "date_naissance": [f"{aujourd_hui - dt.timedelta(days=365 * 15):%Y-%m-%d}"],
    }
    tuteur = {
        "rl1_prenom": nom(),
        "rl1_nom": nom(),
        "rl1_lien": choix(RepresentantLegal.Lien.values),
        "rl1_email": emails(),
        "rl1_telephone": st.sampled_from(["06 12 34 56 78", "+33612345678", "0612"]),
        "rl2_prenom": st.sampled_from(["", "Karim"]),
        "rl2_nom": st.sampled_from(["", "Benali"]),
        "rl2_lien": choix(["", *RepresentantLegal.Lien.values]),
        "rl2_email": st.one_of(st.just(""), emails()),
        "rl2_telephone": st.sampled_from(["", "0611223344"]),
    }
    hostiles = {"rl1_lien": st.just("voisin"), "rl1_email": st.just("pas-une-adresse")}
    autres = list(ETAPES_VALIDES.values())[1:]

    @st.composite
    def parcours(draw):
        avant = [
            (_url("filleul:profil", etape=1), identite),
            (_url("filleul:profil", etape=2), draw(corps(tuteur, hostiles))),
            *(
                (_url("filleul:profil", etape=numero), dict(d))
                for numero, d in enumerate(autres, start=3)
            ),
        ]
        return Requete(
            qui=m.sans_role,
            url=_url("filleul:profil", etape=6),
            donnees={"consentement": "on"},
            avant=avant,
        )

    valide = {
        "rl1_prenom": "Nadia",
        "rl1_nom": "Benali",
        "rl1_lien": "mere",
        "rl1_email": "nadia.benali@exemple.fr",
        "rl1_telephone": "0611223344",
    }
    return Formulaire(
        requetes=parcours(),
        valide=Requete(
            m.sans_role,
            _url("filleul:profil", etape=6),
            {"consentement": "on"},
            avant=[
                (_url("filleul:profil", etape=1), identite),
                (_url("filleul:profil", etape=2), valide),
                *(
                    (_url("filleul:profil", etape=numero), dict(d))
                    for numero, d in enumerate(autres, start=3)
                ),
            ],
        ),
        ecrit={"parrainages.Filleul", "mentorat.User", "parrainages.RepresentantLegal"},
        tables={*TABLES_PROFIL, "parrainages.RepresentantLegal"},
        verifier=_verifier_mineur,
        bruts=False,
    )


def _verifier_mineur(requete, response, diff):
    _verifier_profil(requete, response, diff)
    for filleul in Filleul.objects.filter(pk__in=diff.get("parrainages.Filleul", ())):
        representants = list(filleul.representants_legaux.all())
        assert 1 <= len(representants) <= 2
        assert all(r.email.lower() != requete.qui.email.lower() for r in representants)


def _verifier_profil(requete, response, diff):
    for filleul in Filleul.objects.filter(pk__in=diff.get("parrainages.Filleul", ())):
        assert filleul.user_id == requete.qui.pk
        assert filleul.consentement_le is not None
        age = (timezone.localdate() - filleul.date_naissance).days // 365
        assert 10 <= age <= 101, filleul.date_naissance


def supprimer_compte(m):
    champs = {"mot_de_passe": st.just(MOT_DE_PASSE), "confirmation": st.just("on")}
    hostiles = {"mot_de_passe": st.just("faux"), "confirmation": case()}
    return Formulaire(
        requetes=requetes(
            st.just(m.filleul.user), st.just(_url("filleul:supprimer")), champs, hostiles
        ),
        valide=Requete(
            m.filleul.user,
            _url("filleul:supprimer"),
            {"mot_de_passe": MOT_DE_PASSE, "confirmation": "on"},
        ),
        ecrit={"mentorat.User", "parrainages.Filleul"},
        verifier=_verifier_suppression,
    )


def _verifier_suppression(requete, response, diff):
    from mentorat.models import User

    assert not User.objects.filter(pk=requete.qui.pk).exists()
    for filleul in Filleul.objects.filter(pk__in=diff["parrainages.Filleul"]):
        assert filleul.user_id is None and filleul.anonymise_le is not None


def evenements_filleul(m):
    ids = [
        e.pk
        for e in (
            m.evenement_ouvert,
            m.evenement_complet,
            m.evenement_inscrit,
            m.evenement_ailleurs,
            m.evenement_propose,
            m.evenement_passe,
            m.action,
        )
    ]
    champs = {
        "evenement": surtout(str(m.evenement_ouvert.pk), *map(str, ids)),
        "action": st.sampled_from(["inscrire", "annuler", ""]),
    }
    hostiles = {"evenement": choix([INEXISTANT, "", "abc", "²", "٣", "-1", "9" * 30])}
    return Formulaire(
        requetes=requetes(
            st.just(m.filleul.user), st.just(_url("filleul:evenements")), champs, hostiles
        ),
        valide=Requete(
            m.filleul.user, _url("filleul:evenements"), {"evenement": str(m.evenement_ouvert.pk)}
        ),
        ecrit={"programmes.Inscription"},
        tables={"programmes.Inscription", "mentorat.Envoi"},
        verifier=_verifier_inscription,
    )


def _verifier_inscription(requete, response, diff):
    for inscription in Inscription.objects.filter(pk__in=diff["programmes.Inscription"]):
        personne = inscription.personne
        user = personne if inscription.public == "partenaires" else personne.user
        assert user.pk == requete.qui.pk
        evenement = inscription.evenement
        assert evenement.statut == Evenement.Statut.PUBLIE
        assert inscription.public in evenement.publics
        assert evenement.programme.slug == "fuzz-a"
        if inscription.statut == Inscription.Statut.INSCRIT and evenement.places is not None:
            prises = evenement.inscriptions.exclude(statut=Inscription.Statut.ANNULE).count()
            assert prises <= evenement.places


def _evenements_ouverts_a(m, qui, url_name):
    ids = [
        e.pk
        for e in (
            m.table_ronde,
            m.table_ronde_pleine,
            m.table_ronde_ailleurs,
            m.evenement_ouvert,
            m.evenement_propose,
            m.evenement_passe,
        )
    ]
    champs = {
        "evenement": surtout(str(m.table_ronde.pk), *map(str, ids)),
        "action": st.sampled_from(["inscrire", "annuler", ""]),
    }
    hostiles = {"evenement": choix([INEXISTANT, "", "abc", "²", "٣", "-1", "9" * 30])}
    return Formulaire(
        requetes=requetes(st.just(qui), st.just(_url(url_name)), champs, hostiles),
        valide=Requete(qui, _url(url_name), {"evenement": str(m.table_ronde.pk)}),
        ecrit={"programmes.Inscription"},
        tables={"programmes.Inscription", "mentorat.Envoi"},
        verifier=_verifier_inscription,
    )


def evenements_parrain(m):
    return _evenements_ouverts_a(m, m.parrain.user, "parrain:evenements")


def evenements_membre(m):
    return _evenements_ouverts_a(m, m.membre.user, "partenaires:evenements")


# --- The mentor's portal --------------------------------------------------------------------------


def proposition(m):
    urls = surtout(m.proposition.pk, m.binome.pk, m.autre_binome.pk, INEXISTANT).map(
        lambda pk: _url("parrain:proposition", pk=pk)
    )
    champs = {
        "action": st.sampled_from(["accepter", "decliner", "decliner"]),
        "motif": nom(1000),
    }
    hostiles = {"action": st.just("autre"), "motif": st.one_of(texte_long, st.just("   "))}
    return Formulaire(
        requetes=requetes(st.just(m.parrain.user), urls, champs, hostiles),
        valide=Requete(
            m.parrain.user, _url("parrain:proposition", pk=m.proposition.pk), {"action": "accepter"}
        ),
        ecrit={"parrainages.Parrainage", "parrainages.Charte", "mentorat.Partie"},
        tables={"parrainages.Parrainage", "parrainages.Charte", "mentorat.Partie"},
        verifier=_verifier_proposition,
    )


def _verifier_proposition(requete, response, diff):
    for parrainage in Parrainage.objects.filter(pk__in=diff["parrainages.Parrainage"]):
        assert parrainage.parrain.user_id == requete.qui.pk
        assert parrainage.statut in (Parrainage.Statut.ACTIF, Parrainage.Statut.DECLINE)
        if parrainage.statut == Parrainage.Statut.DECLINE:
            assert parrainage.motif_declin.strip()


def _binomes(m, nom_url):
    autres = [m.binome_regulier.pk, m.autre_binome.pk, m.proposition.pk, INEXISTANT]
    return surtout(m.binome.pk, *autres).map(lambda pk: _url(nom_url, pk=pk))


def rencontre_nouvelle(m):
    champs = {
        "debut": datetime_local(_maintenant_plus(hours=1), _maintenant_plus(days=800)),
        "duree_minutes": entier(15, 480),
        "modalite": choix(Rencontre.Modalite.values),
        "lieu": nom(250),
        "lien": st.sampled_from(["https://visio.exemple.fr/abc", "visio.exemple.fr/é"]),
        "sujet": nom(200),
    }
    hostiles = {
        "debut": datetime_local(_maintenant_plus(days=-400), _maintenant_plus(minutes=-1)),
        "duree_minutes": hors_bornes(15, 480),
        "modalite": texte,
        "lieu": texte_long,
        "lien": st.sampled_from(["javascript:alert(1)", "http://", "//exemple.fr"]),
    }
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), _binomes(m, "parrain:rencontre_nouvelle"), champs, hostiles
        ),
        valide=Requete(
            m.parrain.user,
            _url("parrain:rencontre_nouvelle", pk=m.binome.pk),
            {
                "debut": _maintenant_plus(days=3).strftime("%Y-%m-%dT%H:%M"),
                "duree_minutes": "60",
                "modalite": "presentiel",
                "lieu": "Café de la gare",
            },
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
        verifier=_verifier_rencontre,
    )


def _verifier_rencontre(requete, response, diff):
    for rencontre in Rencontre.objects.filter(pk__in=diff["parrainages.Rencontre"]):
        assert rencontre.parrainage.parrain.user_id == requete.qui.pk
        assert rencontre.parrainage.statut == Parrainage.Statut.ACTIF
        assert rencontre.debut > timezone.now() - dt.timedelta(minutes=5)
        if rencontre.modalite == Rencontre.Modalite.PRESENTIEL:
            assert rencontre.lieu.strip()
        if rencontre.modalite == Rencontre.Modalite.VISIO:
            assert rencontre.lien.startswith(("http://", "https://"))


def immersion_nouvelle(m):
    aujourd_hui = timezone.localdate()
    jour = aujourd_hui.__add__
    debut = aujourd_hui + dt.timedelta(days=20)
    valide = immersion_post(prescripteur_id=m.prescripteur.pk, debut=debut, jours=10)
    champs = {nom_: st.just(valeur) for nom_, valeur in valide.items()}
    champs.update(
        {
            "date_debut": date_iso(jour(dt.timedelta(days=1)), jour(dt.timedelta(days=150))),
            "date_fin": date_iso(jour(dt.timedelta(days=151)), jour(dt.timedelta(days=400))),
            "lieu": nom(250),
            "tuteur_nom": nom(150),
            "objectifs": nom(300),
            "entreprise_siret": st.one_of(st.just("73282932000074"), nom(20)),
            "horaires-lundi_apres_midi_fin": st.sampled_from(["17:00", "23:30", "05:00", "x"]),
        }
    )
    passe = date_iso(jour(dt.timedelta(days=-400)), jour(dt.timedelta(days=-1)))
    hostiles = {
        "date_debut": passe,
        "date_fin": passe,
        "objectifs": st.just(""),
        "prescripteur": st.just(str(INEXISTANT)),
    }
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), _binomes(m, "parrain:immersion_nouvelle"), champs, hostiles
        ),
        valide=Requete(m.parrain.user, _url("parrain:immersion_nouvelle", pk=m.binome.pk), valide),
        ecrit={"parrainages.Immersion", "mentorat.Partie"},
        tables={"parrainages.Immersion", "mentorat.Partie"},
        verifier=_verifier_immersion,
    )


def _verifier_immersion(requete, response, diff):
    from parrainages import immersion_regles

    for immersion in Immersion.objects.filter(pk__in=diff["parrainages.Immersion"]):
        assert immersion.parrainage.parrain.user_id == requete.qui.pk
        assert immersion.parrainage.programme.offre_immersion
        assert immersion.parrainage.parrain.offre_immersion
        assert timezone.localdate() <= immersion.date_debut <= immersion.date_fin
        assert immersion.date_fin <= immersion_regles.fin_max_pmsmp(immersion.date_debut)
        immersion_regles.verifier(immersion)  # every legal limit holds


def cloturer(m):
    aujourd_hui = timezone.localdate()
    champs = {
        "type": choix(Sortie.Type.values),
        "date": date_iso(m.binome.date_debut, aujourd_hui),
        "employeur": nom(200),
        "interrompu": case(),
        "motif": nom(300),
        "commentaire": texte_libre(),
        "confirmation": case(),
    }
    hostiles = {
        "type": texte,
        "date": st.sampled_from(
            [f"{m.binome.date_debut - dt.timedelta(days=1):%Y-%m-%d}"]
            + [f"{aujourd_hui + dt.timedelta(days=1):%Y-%m-%d}"]
        ),
        "motif": st.just(" "),
        "commentaire": texte_long,
    }
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), _binomes(m, "parrain:cloturer"), champs, hostiles
        ),
        valide=Requete(
            m.parrain.user,
            _url("parrain:cloturer", pk=m.binome.pk),
            {
                "type": "cdi",
                "date": f"{aujourd_hui:%Y-%m-%d}",
                "employeur": "Boulangerie",
                "confirmation": "on",
            },
        ),
        ecrit={"parrainages.Parrainage", "parrainages.Sortie"},
        # Ending a pair cancels its meetings to come and its charter still to sign (whose
        # links and pending codes stop working).
        tables={
            "parrainages.Parrainage",
            "parrainages.Sortie",
            "parrainages.Rencontre",
            "parrainages.Charte",
            "mentorat.Partie",
            "mentorat.CodeSignature",
        },
        verifier=_verifier_cloture,
    )


def _verifier_cloture(requete, response, diff):
    for parrainage in Parrainage.objects.filter(pk__in=diff["parrainages.Parrainage"]):
        if requete.brut is None:
            # Never ended without the explicit confirmation, nor a situation not chosen.
            assert requete.donnees.get("confirmation")
            assert requete.donnees.get("type") in Sortie.Type.values
        assert parrainage.parrain.user_id == requete.qui.pk
        assert not parrainage.rencontres.filter(
            statut=Rencontre.Statut.PREVUE, debut__gt=timezone.now()
        ).exists()
        assert not parrainage.chartes.filter(statut=Charte.Statut.A_SIGNER).exists()
        assert parrainage.sorties.get(moment=Sortie.Moment.FIN).source == Sortie.Source.PARRAIN
        assert parrainage.statut in (Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU)
        assert parrainage.sorties.filter(moment=Sortie.Moment.FIN).count() == 1
        assert parrainage.date_fin <= timezone.localdate()


def rencontre_consigner(m):
    urls = surtout(
        m.rencontre_passee.pk, m.rencontre_future.pk, m.autre_rencontre.pk, INEXISTANT
    ).map(lambda pk: _url("parrain:rencontre_consigner", pk=pk))
    champs = {
        "themes": st.lists(choix(Theme.values), min_size=1, max_size=4, unique=True),
        "compte_rendu": texte_libre(5000),
        # The pair has no goal yet: the first meeting asks for them.
        "objectif_1": texte_libre(150),
    }
    hostiles = {
        "themes": st.just(["pas-un-theme"]),
        "compte_rendu": texte_long,
        "objectif_1": texte_long,
    }
    return Formulaire(
        requetes=requetes(st.just(m.parrain.user), urls, champs, hostiles),
        valide=Requete(
            m.parrain.user,
            _url("parrain:rencontre_consigner", pk=m.rencontre_passee.pk),
            {"themes": ["cv", "reseau"], "compte_rendu": "Bien avancé."},
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre", "parrainages.ObjectifBinome"},
    )


def _objectifs(m, nom_url, qui):
    urls = surtout(m.binome.pk, m.autre_binome.pk, INEXISTANT).map(lambda pk: _url(nom_url, pk=pk))
    champs = {f"objectif_{i}": texte_libre(150) for i in (1, 2, 3)}
    hostiles = dict.fromkeys(champs, texte_long)
    return Formulaire(
        requetes=requetes(st.just(qui), urls, champs, hostiles),
        valide=Requete(
            qui,
            _url(nom_url, pk=m.binome.pk),
            {"objectif_1": "Préparer mes entretiens", "objectif_2": "Élargir mon réseau"},
        ),
        ecrit={"parrainages.ObjectifBinome"},
        tables={"parrainages.ObjectifBinome"},
    )


def objectifs_parrain(m):
    return _objectifs(m, "parrain:objectifs", m.parrain.user)


def objectifs_filleul(m):
    return _objectifs(m, "filleul:objectifs", m.filleul.user)


def point_etape(m):
    premier = _brut(
        lien_point_etape(
            parrainage_id=m.binome.pk, role="filleul", tour=1, user_id=m.filleul.user.pk
        )
    )
    jetons = [
        premier,
        _brut(
            lien_point_etape(
                parrainage_id=m.binome.pk, role="parrain", tour=2, user_id=m.parrain.user.pk
            )
        ),
        # A person not (or no longer) that party of the pair, a pair that does not exist.
        _brut(
            lien_point_etape(
                parrainage_id=m.autre_binome.pk, role="filleul", tour=1, user_id=m.filleul.user.pk
            )
        ),
        _brut(
            lien_point_etape(
                parrainage_id=m.binome.pk, role="parrain", tour=1, user_id=m.filleul.user.pk
            )
        ),
        _brut(
            lien_point_etape(parrainage_id=INEXISTANT, role="filleul", tour=1, user_id=INEXISTANT)
        ),
        premier[:-6] + "AAAAA/",
        _url("point_etape", jeton="nimporte-quoi"),
    ]
    champs = {
        "satisfaction": choix(["1", "2", "3", "4", "5"]),
        "utile": choix(["oui", "en_partie", "non"]),
        "commentaire": texte_libre(2000),
        "parler_equipe": case(),
    }
    hostiles = {"satisfaction": texte, "utile": texte, "commentaire": texte_long}
    return Formulaire(
        requetes=requetes(st.none(), surtout(*jetons), champs, hostiles),
        valide=Requete(None, premier, {"satisfaction": "2", "utile": "non", "parler_equipe": "on"}),
        ecrit={"parrainages.PointEtape"},
        tables={"parrainages.PointEtape"},
    )


def rencontre_annuler(m):
    urls = st.sampled_from(
        [m.rencontre_future.pk, m.rencontre_passee.pk, m.autre_rencontre.pk, INEXISTANT]
    ).map(lambda pk: _url("parrain:rencontre_annuler", pk=pk))
    return Formulaire(
        requetes=requetes(st.just(m.parrain.user), urls, {}),
        valide=Requete(
            m.parrain.user, _url("parrain:rencontre_annuler", pk=m.rencontre_future.pk), {}
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
    )


def _rencontres_du_binome(m, nom_url):
    autres = [
        m.rencontre_future.pk,
        m.rencontre_proposee.pk,
        m.rencontre_passee.pk,
        m.autre_rencontre.pk,
        INEXISTANT,
    ]
    return st.sampled_from(autres).map(lambda pk: _url(nom_url, pk=pk))


def rencontre_accepter_parrain(m):
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), _rencontres_du_binome(m, "parrain:rencontre_accepter"), {}
        ),
        valide=Requete(
            m.parrain.user, _url("parrain:rencontre_accepter", pk=m.rencontre_proposee.pk), {}
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
        verifier=_verifier_reponse_parrain,
    )


def rencontre_refuser(m):
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), _rencontres_du_binome(m, "parrain:rencontre_refuser"), {}
        ),
        valide=Requete(
            m.parrain.user, _url("parrain:rencontre_refuser", pk=m.rencontre_proposee.pk), {}
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
        verifier=_verifier_reponse_parrain,
    )


def _verifier_reponse_parrain(requete, response, diff):
    for rencontre in Rencontre.objects.filter(pk__in=diff["parrainages.Rencontre"]):
        # Only a proposal of the mentor's own pair, answered: planned or cancelled.
        assert rencontre.parrainage.parrain.user_id == requete.qui.pk
        assert rencontre.statut in (Rencontre.Statut.PREVUE, Rencontre.Statut.ANNULEE)
        assert rencontre.debut > timezone.now()


# --- The mentee's say on their mentor ---------------------------------------------------------


def proposition_filleul(m):
    pks = [o.pk for o in m.options]
    urls = surtout(pks[0], pks[1], m.option_ailleurs.pk, m.proposition.pk, INEXISTANT).map(
        lambda pk: _url("filleul:proposition", pk=pk)
    )
    champs = {
        "choisir": st.sampled_from([str(pk) for pk in pks]),
        "refuser": st.sampled_from(["", "1"]),
        "motif": nom(1000),
    }
    hostiles = {
        "choisir": st.sampled_from([str(m.option_ailleurs.pk), str(m.proposition.pk), "x", ""]),
        "motif": texte_long,
    }
    return Formulaire(
        requetes=requetes(st.just(m.filleul.user), urls, champs, hostiles),
        valide=Requete(
            m.filleul.user, _url("filleul:proposition", pk=pks[0]), {"choisir": str(pks[1])}
        ),
        ecrit={"parrainages.Parrainage"},
        tables={"parrainages.Parrainage"},
        verifier=_verifier_proposition_du_filleul,
    )


def _verifier_proposition_du_filleul(requete, response, diff):
    """Only the mentee's own options change: one chosen and the others released, or all
    refused; never another mentee's, never a mentor's proposal."""
    changees = list(Parrainage.objects.filter(pk__in=diff["parrainages.Parrainage"]))
    for parrainage in changees:
        assert parrainage.filleul.user_id == requete.qui.pk
        assert parrainage.statut in (
            Parrainage.Statut.ATTENTE_PARRAIN,
            Parrainage.Statut.NON_CHOISI,
            Parrainage.Statut.REFUSE_FILLEUL,
        )
    assert sum(p.statut == Parrainage.Statut.ATTENTE_PARRAIN for p in changees) <= 1


# --- The mentee's meetings ------------------------------------------------------------------------


def rencontre_proposer(m):
    urls = surtout(
        m.binome.pk, m.binome_regulier.pk, m.autre_binome.pk, m.proposition.pk, INEXISTANT
    ).map(lambda pk: _url("filleul:rencontre_proposer", pk=pk))
    formulaire = rencontre_nouvelle(m)
    champs = {
        "debut": datetime_local(_maintenant_plus(hours=1), _maintenant_plus(days=800)),
        "duree_minutes": entier(15, 480),
        "modalite": choix(Rencontre.Modalite.values),
        "lieu": nom(250),
        "lien": st.sampled_from(["https://visio.exemple.fr/abc", "visio.exemple.fr/é"]),
        "sujet": nom(200),
    }
    hostiles = {
        "debut": datetime_local(_maintenant_plus(days=-400), _maintenant_plus(minutes=-1)),
        "duree_minutes": hors_bornes(15, 480),
        "modalite": texte,
        "lieu": texte_long,
        "lien": st.sampled_from(["javascript:alert(1)", "http://", "//exemple.fr"]),
    }
    return Formulaire(
        requetes=requetes(st.just(m.filleul.user), urls, champs, hostiles),
        valide=Requete(
            m.filleul.user,
            _url("filleul:rencontre_proposer", pk=m.binome.pk),
            formulaire.valide.donnees,
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
        verifier=_verifier_proposition_filleul,
    )


def _verifier_proposition_filleul(requete, response, diff):
    for rencontre in Rencontre.objects.filter(pk__in=diff["parrainages.Rencontre"]):
        assert rencontre.parrainage.filleul.user_id == requete.qui.pk
        assert rencontre.parrainage.statut == Parrainage.Statut.ACTIF
        assert rencontre.debut > timezone.now() - dt.timedelta(minutes=5)
        if rencontre.statut == Rencontre.Statut.PROPOSEE and not rencontre.au_calendrier:
            if rencontre.modalite == Rencontre.Modalite.PRESENTIEL:
                assert rencontre.lieu.strip()
            if rencontre.modalite == Rencontre.Modalite.VISIO:
                assert rencontre.lien.startswith(("http://", "https://"))


def rencontre_deplacer(m):
    champs = {"debut": datetime_local(_maintenant_plus(hours=1), _maintenant_plus(days=800))}
    hostiles = {"debut": datetime_local(_maintenant_plus(days=-400), _maintenant_plus(minutes=-1))}
    return Formulaire(
        requetes=requetes(
            st.just(m.filleul.user),
            _rencontres_du_binome(m, "filleul:rencontre_deplacer"),
            champs,
            hostiles,
        ),
        valide=Requete(
            m.filleul.user,
            _url("filleul:rencontre_deplacer", pk=m.rencontre_future.pk),
            {"debut": _maintenant_plus(days=9).strftime("%Y-%m-%dT%H:%M")},
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
        verifier=_verifier_rencontre_filleul,
    )


def rencontre_accepter_filleul(m):
    return Formulaire(
        requetes=requetes(
            st.just(m.filleul.user), _rencontres_du_binome(m, "filleul:rencontre_accepter"), {}
        ),
        valide=Requete(
            m.filleul.user, _url("filleul:rencontre_accepter", pk=m.rencontre_future.pk), {}
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
        verifier=_verifier_rencontre_filleul,
    )


def rencontre_annuler_filleul(m):
    return Formulaire(
        requetes=requetes(
            st.just(m.filleul.user), _rencontres_du_binome(m, "filleul:rencontre_annuler"), {}
        ),
        valide=Requete(
            m.filleul.user, _url("filleul:rencontre_annuler", pk=m.rencontre_future.pk), {}
        ),
        ecrit={"parrainages.Rencontre"},
        tables={"parrainages.Rencontre"},
        verifier=_verifier_rencontre_filleul,
    )


def _verifier_rencontre_filleul(requete, response, diff):
    for rencontre in Rencontre.objects.filter(pk__in=diff["parrainages.Rencontre"]):
        # Only a meeting to come of the mentee's own pair in progress.
        assert rencontre.parrainage.filleul.user_id == requete.qui.pk
        assert rencontre.parrainage.statut == Parrainage.Statut.ACTIF
        assert rencontre.debut > timezone.now()
        assert rencontre.statut != Rencontre.Statut.TENUE


def profil_parrain(m):
    champs = {
        "entreprise": nom(200),
        "fonction": nom(200),
        "annees_experience": st.one_of(entier(0, 32767), entier(0, 60)),
        "commune": COMMUNES,
        "secteurs": _secteurs(),
        "offre_reguliere": surtout("on", ""),
        "offre_ponctuelle": case(),
        "offre_immersion": case(),
        "capacite": st.one_of(entier(3, 32767), entier(3, 10)),  # 3 pairs open
        "disponibilites": choix(Disponibilite.values, plusieurs=True),
        "distanciel_accepte": case(),
        "bio": st.one_of(texte_libre(), texte_long),
        "en_pause": case(),
    }
    hostiles = {
        "annees_experience": hors_bornes(0, 32767),
        "commune": COMMUNES_HOSTILES,
        "secteurs": SECTEURS_HOSTILES,
        "capacite": st.sampled_from(["0", "2", "-1", "32768"]),
        "disponibilites": st.just(["dim_nuit"]),
    }
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), st.just(_url("parrain:profil")), champs, hostiles
        ),
        valide=Requete(
            m.parrain.user,
            _url("parrain:profil"),
            {
                "entreprise": "ACME",
                "fonction": "DRH",
                "annees_experience": "15",
                "commune": "Toulouse (31000)",
                "offre_reguliere": "on",
                "capacite": "3",
                "en_pause": "on",
            },
        ),
        ecrit={"parrainages.Parrain"},
        tables={"parrainages.Parrain", "parrainages.Parrain_secteurs"},
        verifier=_verifier_profil_parrain,
    )


def _verifier_profil_parrain(requete, response, diff):
    parrain = Parrain.objects.get(user=requete.qui)
    ouverts = parrain.parrainages.filter(statut__in=Parrainage.STATUTS_OUVERTS).count()
    assert parrain.capacite >= ouverts
    assert parrain.offre_reguliere or parrain.offre_ponctuelle or parrain.offre_immersion


def actions(m):
    autres = [m.programme_regulier.pk, m.programme_brouillon.pk, INEXISTANT]
    champs = {
        "programme": st.just(str(m.programme.pk)),
        "type": choix([t for t, _ in ActionPonctuelleForm.TYPES]),
        "titre": nom(200),
        "description": texte_libre(),
        "debut": datetime_local(_maintenant_plus(hours=1), _maintenant_plus(days=100)),
        "fin": datetime_local(_maintenant_plus(days=101), _maintenant_plus(days=400)),
        "lieu": nom(250),
        "places": entier(1, 500),
    }
    hostiles = {
        "programme": choix(autres),
        "type": st.one_of(choix(Evenement.Type.values), texte),
        "debut": datetime_local(_maintenant_plus(days=-3), _maintenant_plus(minutes=-1)),
        "fin": datetime_local(_maintenant_plus(days=-3), _maintenant_plus(hours=1)),
        "places": hors_bornes(1, 500),
    }
    debut = _maintenant_plus(days=10)
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), st.just(_url("parrain:actions")), champs, hostiles
        ),
        valide=Requete(
            m.parrain.user,
            _url("parrain:actions"),
            {
                "programme": str(m.programme.pk),
                "type": "visite_entreprise",
                "titre": "Visite de l'atelier",
                "debut": debut.strftime("%Y-%m-%dT%H:%M"),
                "fin": (debut + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "lieu": "Atelier",
                "places": "8",
            },
        ),
        ecrit={"programmes.Evenement"},
        tables={"programmes.Evenement"},
        verifier=_verifier_action,
    )


def _verifier_action(requete, response, diff):
    for evenement in Evenement.objects.filter(pk__in=diff["programmes.Evenement"]):
        assert evenement.organisateur.user_id == requete.qui.pk
        assert evenement.programme.offre_ponctuelle
        assert evenement.programme.parrains.filter(user=requete.qui).exists()
        assert evenement.statut == Evenement.Statut.PROPOSE
        assert evenement.debut > timezone.now() - dt.timedelta(minutes=5)


def presences(m):
    mes = [i.pk for i in m.inscriptions]
    autres = [i.pk for i in m.autres_inscriptions]
    urls = surtout(m.action.pk, m.action_future.pk, m.autre_action.pk).map(
        lambda pk: _url("parrain:presences", pk=pk)
    )
    champs = {"present": st.lists(choix(mes), max_size=3, unique=True)}
    hostiles = {
        "present": st.lists(
            st.one_of(choix(autres), st.sampled_from(["²", "-1", "٣", "9" * 25]), texte),
            min_size=1,
            max_size=4,
        )
    }
    return Formulaire(
        requetes=requetes(st.just(m.parrain.user), urls, champs, hostiles),
        valide=Requete(
            m.parrain.user, _url("parrain:presences", pk=m.action.pk), {"present": [str(mes[0])]}
        ),
        ecrit={"programmes.Inscription", "programmes.Evenement"},
        tables={"programmes.Inscription", "programmes.Evenement"},
        verifier=_verifier_presences,
    )


def _verifier_presences(requete, response, diff):
    for inscription in Inscription.objects.filter(pk__in=diff.get("programmes.Inscription", ())):
        assert inscription.evenement.organisateur.user_id == requete.qui.pk


# --- The charter: signing with a code, public verification ---------------------------------------


def charte_signer(m):
    urls = surtout(str(m.charte.uuid), "00000000-0000-4000-8000-000000000000").map(
        lambda u: _url("charte_detail", uuid=u)
    )
    qui = surtout(m.filleul.user, m.parrain.user, m.autre_filleul.user)
    champs = {
        "action": st.sampled_from(["demander", "confirmer", "confirmer"]),
        "acceptation": st.just("on"),
        "code": st.sampled_from([CODE_SIGNATURE, " ".join(CODE_SIGNATURE), f"{CODE_SIGNATURE} "]),
    }
    hostiles = {
        "action": st.just("autre"),
        "acceptation": case(),
        "code": st.sampled_from(["²46810", "000000", "٢٤٦٨١٠", "2468100", "x" * 12]),
    }
    # What an HTTP header can carry (latin-1, no control characters), short or very long.
    octets_entete = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    agents = st.one_of(
        st.just("Mozilla/5.0"),
        st.text(octets_entete, max_size=40),
        st.text(octets_entete, min_size=401, max_size=2000),
    )
    return Formulaire(
        requetes=st.builds(
            lambda r, ua: _avec_meta(r, HTTP_USER_AGENT=ua),
            requetes(qui, urls, champs, hostiles),
            agents,
        ),
        valide=Requete(
            m.filleul.user,
            _url("charte_detail", uuid=m.charte.uuid),
            {"action": "confirmer", "code": CODE_SIGNATURE},
        ),
        ecrit={"mentorat.Partie", "mentorat.CodeSignature"},
        tables={"mentorat.Partie", "mentorat.CodeSignature"},
        permis_en_refus={"mentorat.CodeSignature"},  # a wrong code counts as a try
        verifier=_verifier_signature,
    )


def signature_lien(m):
    """A minor's guardian signs the charter from their link (no account): any session, any
    link (theirs, an unknown one, one of another shape)."""
    jeton = m.lien_representant.rstrip("/").rsplit("/", 1)[-1]
    urls = surtout(jeton, "inconnu", "x" * 300, "é").map(lambda j: _url("signature_lien", jeton=j))
    qui = surtout(None, m.filleul.user, m.parrain.user)
    champs = {
        "action": st.sampled_from(["demander", "confirmer", "confirmer", "refuser"]),
        "acceptation": st.just("on"),
        "code": st.sampled_from([CODE_SIGNATURE, " ".join(CODE_SIGNATURE), f"{CODE_SIGNATURE} "]),
        "motif": texte_libre(),
    }
    hostiles = {
        "action": st.just("autre"),
        "acceptation": case(),
        "code": st.sampled_from(["²46810", "000000", "٢٤٦٨١٠", "2468100", "x" * 12]),
    }
    return Formulaire(
        requetes=requetes(qui, urls, champs, hostiles),
        valide=Requete(
            None,
            _url("signature_lien", jeton=jeton),
            {"action": "confirmer", "code": CODE_SIGNATURE},
        ),
        ecrit={"mentorat.Partie", "mentorat.CodeSignature"},
        tables={"mentorat.Partie", "mentorat.CodeSignature"},
        permis_en_refus={"mentorat.CodeSignature"},  # a wrong code counts as a try
        verifier=lambda requete, response, diff: _verifier_partie(
            diff, attendue=m.partie_representant.pk
        ),
    )


def autorisation_lien(m):
    """A guardian's consent from their link (no account): accept, code, or refuse."""
    urls = surtout(m.jeton_tuteur, "jeton-inconnu", "a" * 43).map(
        lambda j: _url("signature_lien", jeton=j)
    )
    qui = surtout(None, m.filleul.user)
    champs = {
        "action": st.sampled_from(["demander", "confirmer", "confirmer", "refuser"]),
        "acceptation": st.just("on"),
        "code": st.sampled_from([CODE_SIGNATURE, " ".join(CODE_SIGNATURE)]),
        "motif": texte_libre(),
    }
    hostiles = {
        "action": st.just("autre"),
        "acceptation": case(),
        "code": st.sampled_from(["000000", "²46810", "٢٤٦٨١٠", "x" * 12]),
        "motif": st.just("   "),
    }
    tables = {
        "mentorat.Partie",
        "mentorat.CodeSignature",
        "parrainages.AutorisationParentale",
        "parrainages.Candidature",
        # The consent deposits the application (or a refusal withdraws it): its history.
        "parrainages.EvenementCandidature",
        "parrainages.RepresentantLegal",
    }
    return Formulaire(
        requetes=requetes(qui, urls, champs, hostiles),
        valide=Requete(
            None,
            _url("signature_lien", jeton=m.jeton_tuteur),
            {"action": "confirmer", "code": CODE_SIGNATURE},
        ),
        ecrit={"mentorat.Partie", "parrainages.AutorisationParentale"},
        tables=tables,
        permis_en_refus={"mentorat.CodeSignature"},  # a wrong code counts as a try
        verifier=_verifier_accord,
    )


def _verifier_accord(requete, response, diff):
    """The consent and the application move together: given and deposited, or refused and
    withdrawn."""
    from parrainages.models import AutorisationParentale

    for autorisation in AutorisationParentale.objects.filter(
        pk__in=diff.get("parrainages.AutorisationParentale", ())
    ).select_related("candidature"):
        attendu = {
            AutorisationParentale.Statut.ACCORDEE: Candidature.Statut.DEPOSEE,
            AutorisationParentale.Statut.REFUSEE: Candidature.Statut.DESISTEE,
        }[autorisation.statut]
        assert autorisation.candidature.statut == attendu


def _avec_meta(requete, **meta):
    requete.meta = {**requete.meta, **meta}
    return requete


def _verifier_signature(requete, response, diff):
    for partie in Partie.objects.filter(pk__in=diff.get("mentorat.Partie", ())):
        assert partie.user_id == requete.qui.pk
        _verifier_partie(diff, attendue=partie.pk)


def _verifier_partie(diff, *, attendue):
    """Only the party who signed changed, with a complete signature of an open charter."""
    assert set(diff.get("mentorat.Partie", ())) <= {attendue}
    for partie in Partie.objects.filter(pk__in=diff.get("mentorat.Partie", ())):
        assert partie.signee_le is not None and partie.refusee_le is None
        assert partie.document.statut in (Charte.Statut.A_SIGNER, Charte.Statut.SIGNEE)
        assert partie.texte_sha256 == partie.document.texte_sha256
        assert len(partie.user_agent) <= 400


PDF_EMIS = b"%PDF-1.7\n% charte emise\n%%EOF\n"


def charte_verifier(m):
    Charte.objects.filter(pk=m.charte.pk).update(pdf_sha256=hashlib.sha256(PDF_EMIS).hexdigest())
    urls = st.sampled_from([str(m.charte.uuid), "00000000-0000-4000-8000-000000000000"]).map(
        lambda u: _url("charte_verifier", uuid=u)
    )
    return _verification_pdf(urls, _url("charte_verifier", uuid=m.charte.uuid))


def _verification_pdf(urls, valide):
    """A public page that compares an uploaded PDF with the one issued."""
    contenus = st.one_of(
        st.just(PDF_EMIS),
        st.binary(max_size=200),
        st.binary(max_size=200).map(lambda b: b"%PDF-" + b),
        st.sampled_from([b"", b"%PDF", 6 * 1024 * 1024 * b"0"]).map(
            lambda b: b if len(b) < 10 else b"%PDF-" + b
        ),
    )
    noms = st.one_of(
        st.sampled_from(["charte.pdf", "../../etc/passwd", "é.pdf", ".", "", "a\x00.pdf"]), texte
    )

    def requete(url, contenu, nom_fichier, en_trop):
        fichiers = {"fichier": Fichier(nom_fichier, contenu)} if contenu is not None else {}
        return Requete(None, url, donnees=en_trop, fichiers=fichiers)

    return Formulaire(
        requetes=st.builds(
            requete,
            urls,
            st.one_of(contenus, st.none()),
            noms,
            st.dictionaries(st.sampled_from(["fichier", "autre"]), texte, max_size=2),
        ),
        valide=Requete(None, valide, {}, fichiers={"fichier": Fichier("charte.pdf", PDF_EMIS)}),
        tables=set(),
        verifier=None,
    )


# --- Immersion conventions: signing, changing, renewing, cancelling, assessing, verifying -------

CHAMPS_SIGNATURE = {
    "action": st.sampled_from(["demander", "confirmer", "confirmer", "refuser"]),
    "acceptation": st.just("on"),
    "code": st.sampled_from([CODE_SIGNATURE, " ".join(CODE_SIGNATURE), f"{CODE_SIGNATURE} "]),
    "motif": texte_libre(300),
}
HOSTILES_SIGNATURE = {
    "action": st.just("autre"),
    "acceptation": case(),
    "code": st.sampled_from(["²46810", "000000", "٢٤٦٨١٠", "2468100", "x" * 12]),
    "motif": texte_long,
}
TABLES_SIGNATURE = {"mentorat.Partie", "mentorat.CodeSignature", "parrainages.Immersion"}


def _verifier_signature_immersion(requete, response, diff):
    for partie in Partie.objects.filter(pk__in=diff.get("mentorat.Partie", ())):
        if partie.user_id:
            assert partie.user_id == requete.qui.pk
        else:
            assert partie.role == "tuteur" and requete.qui is None
        assert partie.texte_sha256 in ("", partie.document.texte_sha256)
        assert len(partie.user_agent) <= 400


def _signer_immersion(m, nom_url, user, autres):
    urls = surtout(m.immersion.pk, *autres).map(lambda pk: _url(nom_url, pk=pk))
    return Formulaire(
        requetes=requetes(st.just(user), urls, CHAMPS_SIGNATURE, HOSTILES_SIGNATURE),
        valide=Requete(
            user, _url(nom_url, pk=m.immersion.pk), {"action": "confirmer", "code": CODE_SIGNATURE}
        ),
        ecrit={"mentorat.Partie", "mentorat.CodeSignature"},
        tables=TABLES_SIGNATURE,
        permis_en_refus={"mentorat.CodeSignature"},  # a wrong code counts as a try
        verifier=_verifier_signature_immersion,
    )


def immersion_signer_filleul(m):
    autres = [m.autre_immersion.pk, INEXISTANT]
    return _signer_immersion(m, "filleul:immersion", m.filleul.user, autres)


def immersion_signer_parrain(m):
    autres = [m.autre_immersion.pk, INEXISTANT]
    return _signer_immersion(m, "parrain:immersion", m.parrain.user, autres)


def immersion_signer_par_lien(m):
    urls = st.sampled_from([m.lien_tuteur, "/signature/inconnu/", m.lien_tuteur + "x/"])
    return Formulaire(
        requetes=requetes(st.none(), urls, CHAMPS_SIGNATURE, HOSTILES_SIGNATURE),
        valide=Requete(None, m.lien_tuteur, {"action": "confirmer", "code": CODE_SIGNATURE}),
        ecrit={"mentorat.Partie", "mentorat.CodeSignature"},
        tables=TABLES_SIGNATURE,
        permis_en_refus={"mentorat.CodeSignature"},
        verifier=_verifier_signature_immersion,
    )


def immersion_modifier(m):
    immersion = m.immersion
    valide = immersion_post(
        prescripteur_id=m.prescripteur.pk,
        debut=immersion.date_debut,
        entreprise_siret="44306184100047",
        tuteur_email="nouveau.tuteur@entreprise.example",
    )
    champs = {nom_: st.just(valeur) for nom_, valeur in valide.items()}
    champs.update(
        {
            "date_fin": date_iso(
                immersion.date_debut, immersion.date_debut + dt.timedelta(days=60)
            ),
            "objectifs": nom(300),
            "tuteur_email": st.one_of(emails(), st.just(m.filleul.user.email)),
            "horaires-mardi_matin_debut": st.sampled_from(["08:00", "05:00", "12:45", ""]),
        }
    )
    urls = surtout(immersion.pk, m.autre_immersion.pk, INEXISTANT).map(
        lambda pk: _url("parrain:immersion_modifier", pk=pk)
    )
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), urls, champs, {"prescripteur": st.just(str(INEXISTANT))}
        ),
        valide=Requete(m.parrain.user, _url("parrain:immersion_modifier", pk=immersion.pk), valide),
        ecrit={"parrainages.Immersion", "mentorat.Partie"},
        tables={"parrainages.Immersion", "mentorat.Partie", "mentorat.CodeSignature"},
        verifier=_verifier_immersion,
    )


def immersion_renouveler(m):
    initiale = m.immersion_finie
    debut = timezone.localdate() + dt.timedelta(days=100)
    valide = {
        "date_debut": f"{debut:%Y-%m-%d}",
        "date_fin": f"{debut + dt.timedelta(days=10):%Y-%m-%d}",
        **horaires_post(initiale.horaires),
    }
    champs = {nom_: st.just(valeur) for nom_, valeur in valide.items()}
    champs.update(
        {
            "date_debut": date_iso(debut - dt.timedelta(days=200), debut),
            "date_fin": date_iso(debut, debut + dt.timedelta(days=60)),
        }
    )
    urls = surtout(initiale.pk, m.immersion.pk, m.autre_immersion.pk, INEXISTANT).map(
        lambda pk: _url("parrain:immersion_renouveler", pk=pk)
    )
    return Formulaire(
        requetes=requetes(st.just(m.parrain.user), urls, champs),
        valide=Requete(
            m.parrain.user, _url("parrain:immersion_renouveler", pk=initiale.pk), valide
        ),
        ecrit={"parrainages.Immersion", "mentorat.Partie"},
        tables={"parrainages.Immersion", "mentorat.Partie"},
        verifier=_verifier_immersion,
    )


def immersion_annuler(m):
    urls = surtout(m.immersion.pk, m.immersion_finie.pk, m.autre_immersion.pk, INEXISTANT).map(
        lambda pk: _url("parrain:immersion_annuler", pk=pk)
    )
    return Formulaire(
        requetes=requetes(
            st.just(m.parrain.user), urls, {"motif": texte_libre(500)}, {"motif": texte_long}
        ),
        valide=Requete(
            m.parrain.user,
            _url("parrain:immersion_annuler", pk=m.immersion.pk),
            {"motif": "Le filleul a trouvé un emploi."},
        ),
        ecrit={"parrainages.Immersion"},
        tables={"parrainages.Immersion", "mentorat.Partie"},
        verifier=_verifier_annulation,
    )


def _verifier_annulation(requete, response, diff):
    for immersion in Immersion.objects.filter(pk__in=diff["parrainages.Immersion"]):
        assert immersion.parrainage.parrain.user_id == requete.qui.pk
        assert immersion.statut == Immersion.Statut.ANNULEE and immersion.motif_annulation.strip()


def immersion_bilan(m):
    niveaux = st.sampled_from(["acquise", "en_cours", "non_observee"])
    champs = {
        "jours_presence": st.integers(0, 12).map(str),
        "jours_absence": st.integers(0, 3).map(str),
        "competence_0": niveaux,
        "competence_1": niveaux,
        "competence_2": niveaux,
        "issue": st.sampled_from(["embauche", "formation", "autre", "aucune"]),
        "commentaire": texte_libre(500),
    }
    hostiles = {
        "jours_presence": st.sampled_from(["-1", "400", "1e3", "²"]),
        "competence_0": st.just("excellente"),
        "issue": st.just("licenciement"),
    }
    urls = st.sampled_from([m.lien_bilan, "/immersion/bilan/inconnu/"])
    return Formulaire(
        requetes=requetes(st.none(), urls, champs, hostiles),
        valide=Requete(
            None,
            m.lien_bilan,
            {
                "jours_presence": "8",
                "jours_absence": "1",
                "competence_0": "acquise",
                "competence_1": "en_cours",
                "competence_2": "non_observee",
                "issue": "embauche",
            },
        ),
        ecrit={"parrainages.BilanImmersion", "parrainages.Immersion"},
        tables={"parrainages.BilanImmersion", "parrainages.Immersion"},
        verifier=_verifier_bilan,
    )


def _verifier_bilan(requete, response, diff):
    for bilan in BilanImmersion.objects.filter(pk__in=diff["parrainages.BilanImmersion"]):
        immersion = bilan.immersion
        assert immersion.statut == Immersion.Statut.TERMINEE
        assert bilan.jours_presence + bilan.jours_absence <= immersion.resume_horaires()["jours"]


def immersion_verifier(m):
    Immersion.objects.filter(pk=m.immersion.pk).update(
        pdf_sha256=hashlib.sha256(PDF_EMIS).hexdigest()
    )
    urls = st.sampled_from([str(m.immersion.uuid), "00000000-0000-4000-8000-000000000000"]).map(
        lambda u: _url("immersion_verifier", uuid=u)
    )
    valide = _url("immersion_verifier", uuid=m.immersion.uuid)
    return _verification_pdf(urls, valide)


# --- The partner portal ---------------------------------------------------------------------------


def prescrire(m):
    partenaires = [m.partenaire.pk, m.partenaire_2.pk, m.autre_partenaire.pk, INEXISTANT]
    programmes = [m.programme.pk, m.programme_regulier.pk, m.programme_brouillon.pk, INEXISTANT]
    champs = {
        "partenaire": choix(partenaires[:2]),
        "programme": st.just(str(m.programme.pk)),
        "prenom": nom(),
        "nom": nom(),
        "email": st.one_of(emails(), st.just(m.filleul.user.email)),
        "message": texte_libre(1000),
    }
    hostiles = {
        "partenaire": choix(partenaires[2:]),
        "programme": choix(programmes[1:]),
        "message": texte_long,
    }
    return Formulaire(
        requetes=requetes(
            st.just(m.membre.user), st.just(_url("partenaires:prescrire")), champs, hostiles
        ),
        valide=Requete(
            m.membre.user,
            _url("partenaires:prescrire"),
            {
                "partenaire": str(m.partenaire.pk),
                "programme": str(m.programme.pk),
                "prenom": "Ada",
                "nom": "Lovelace",
                "email": "ada@exemple.fr",
            },
        ),
        ecrit={"partenaires.Prescription"},
        tables={"partenaires.Prescription"},
        verifier=_verifier_prescription,
    )


def _verifier_prescription(requete, response, diff):
    for prescription in Prescription.objects.filter(pk__in=diff["partenaires.Prescription"]):
        assert prescription.conseiller_id == requete.qui.pk
        assert prescription.partenaire.adhesions.filter(user=requete.qui, actif=True).exists()
        assert prescription.programme.statut == "ouvert"


def prescrire_compte(m):
    partenaires = [m.partenaire.pk, m.partenaire_2.pk, m.autre_partenaire.pk, INEXISTANT]
    programmes = [m.programme.pk, m.programme_regulier.pk, m.programme_brouillon.pk, INEXISTANT]
    champs = {
        "partenaire": choix(partenaires[:2]),
        "programme": st.just(str(m.programme.pk)),
        "first_name": nom(),
        "last_name": nom(),
        "date_naissance": date_iso(dt.date(1960, 1, 1), dt.date(2006, 1, 1)),
        "telephone": st.sampled_from(["", "0612345678", "+33 6 12 34 56 78"]),
        "email": st.one_of(st.just(""), emails()),
        "commune": st.sampled_from(["Paris (75001)", "Toulouse", "31000", "Saint-Denis"]),
        "qpv": choix(["oui", "non"]),
        "situation": choix(SituationChoix.values),
        "niveau_diplome": choix(NiveauDiplome.values),
        "freins": st.lists(st.sampled_from(["mobilite", "sante", "x"]), max_size=3),
        "diagnostic": texte_libre(2000),
        "consentement": case(),
    }
    hostiles = {
        "partenaire": choix(partenaires[2:]),
        "programme": choix(programmes[1:]),
        "date_naissance": date_iso(dt.date(1800, 1, 1), dt.date(2100, 1, 1)),
        "diagnostic": texte_long,
    }
    url = _url("partenaires:prescrire_compte")
    return Formulaire(
        requetes=requetes(st.just(m.membre.user), st.just(url), champs, hostiles),
        valide=Requete(
            m.membre.user,
            url,
            {
                "partenaire": str(m.partenaire.pk),
                "programme": str(m.programme.pk),
                "first_name": "Ada",
                "last_name": "Lovelace",
                "date_naissance": "1995-12-10",
                "commune": "Paris (75001)",
                "qpv": "non",
                "situation": "demandeur_emploi",
                "niveau_diplome": "4",
                "consentement": "on",
            },
        ),
        ecrit={"partenaires.Prescription", "mentorat.User", "parrainages.Candidature"},
        tables=None,
        verifier=_verifier_prescription,
    )


def prescription_code(m):
    urls = surtout(m.prescription_compte.pk, INEXISTANT).map(
        lambda pk: _url("partenaires:prescription_code", pk=pk)
    )
    champs = {"moyen": choix(["lettre", "email", "sms"])}
    hostiles = {"moyen": choix(["fax", "", "lettre\x00"])}
    return Formulaire(
        requetes=requetes(
            st.sampled_from([m.membre.user, m.autre_membre.user]), urls, champs, hostiles
        ),
        valide=Requete(
            m.membre.user,
            _url("partenaires:prescription_code", pk=m.prescription_compte.pk),
            # Not "sms": without DEBUG nor SMS_CONSOLE (the tests) there is no SMS sender.
            {"moyen": "lettre"},
        ),
        ecrit={"partenaires.CodeReclamation"},
        tables={"partenaires.CodeReclamation", "mentorat.Envoi"},
    )


def importer(m):
    contenus = st.one_of(
        st.just(
            "prenom;nom;date_naissance;commune;qpv;situation;niveau_diplome;telephone;email\n"
            "Awa;Diallo;17/05/2001;Paris (75001);oui;demandeur_emploi;3;;\n"
        ),
        texte_libre(500),
        st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    )

    def requete(qui, partenaire, contenu):
        return Requete(
            qui,
            _url("partenaires:importer"),
            {"partenaire": partenaire, "programme": str(m.programme.pk), "consentement": "on"},
            fichiers={"fichier": Fichier("a.csv", contenu.encode("utf-8", "replace"))},
        )

    return Formulaire(
        requetes=st.builds(
            requete,
            st.just(m.membre.user),
            choix([m.partenaire.pk, m.autre_partenaire.pk, INEXISTANT]),
            contenus,
        ),
        valide=Requete(
            m.membre.user,
            _url("partenaires:importer"),
            {
                "partenaire": str(m.partenaire.pk),
                "programme": str(m.programme.pk),
                "consentement": "on",
            },
            fichiers={
                "fichier": Fichier(
                    "a.csv",
                    b"prenom;nom;date_naissance;commune;qpv;situation;niveau_diplome;"
                    b"telephone;email\nAwa;Diallo;17/05/2001;Paris (75001);oui;"
                    b"demandeur_emploi;3;;\n",
                )
            },
        ),
        ecrit={"partenaires.ImportPrescriptions", "partenaires.Prescription"},
        tables=None,
    )


def lot_lettres(m):
    urls = surtout(m.lot.pk, INEXISTANT).map(lambda pk: _url("partenaires:lot_lettres", pk=pk))
    return Formulaire(
        requetes=requetes(st.sampled_from([m.membre.user, m.autre_membre.user]), urls, {}),
        valide=Requete(m.membre.user, _url("partenaires:lot_lettres", pk=m.lot.pk), {}),
        ecrit={"partenaires.CodeReclamation"},
        tables={"partenaires.CodeReclamation"},
    )


def reclamer(m):
    champs = {
        "code": st.sampled_from(["ABCD-2345", "", "zzzz zzzz", m.code_reclamation]),
        "date_naissance": date_iso(dt.date(1960, 1, 1), dt.date(2010, 1, 1)),
        "email": emails(),
        "password1": st.just(MOT_DE_PASSE),
        "password2": st.just(MOT_DE_PASSE),
    }
    hostiles = {"code": texte_long, "date_naissance": texte}
    return Formulaire(
        requetes=requetes(st.just(None), st.just(_url("reclamer")), champs, hostiles),
        valide=Requete(
            None,
            _url("reclamer"),
            {
                "code": m.code_reclamation,
                "date_naissance": "2001-05-17",
                "email": "awa.diop@exemple.fr",
                "password1": MOT_DE_PASSE,
                "password2": MOT_DE_PASSE,
            },
        ),
        ecrit={"partenaires.CodeReclamation", "mentorat.User"},
        tables=None,
        # A wrong birth date counts as an attempt on the code, even though it is refused.
        permis_en_refus={"partenaires.CodeReclamation"},
    )


def rapport_demander(m):
    urls = surtout(
        m.convention.pk, m.convention_brouillon.pk, m.convention_autre.pk, INEXISTANT
    ).map(lambda pk: _url("partenaires:convention", pk=pk))
    champs = {
        "debut": date_iso(dt.date(2025, 1, 1), dt.date(2026, 6, 30)),
        "fin": date_iso(dt.date(2026, 7, 1), dt.date(2027, 12, 31)),
    }
    hostiles = {
        "debut": date_iso(dt.date(2027, 1, 1), dt.date(2030, 1, 1)),
        "fin": date_iso(dt.date(1990, 1, 1), dt.date(2026, 1, 1)),
    }
    return Formulaire(
        requetes=requetes(st.just(m.membre.user), urls, champs, hostiles),
        valide=Requete(
            m.membre.user,
            _url("partenaires:convention", pk=m.convention.pk),
            {"debut": "2026-01-01", "fin": "2026-03-31"},
        ),
        ecrit={"partenaires.Rapport"},
        tables={"partenaires.Rapport"},
        verifier=_verifier_rapport,
    )


def _verifier_rapport(requete, response, diff):
    for rapport in Rapport.objects.filter(pk__in=diff["partenaires.Rapport"]):
        # A member of one of the convention's parties (the lead partner is one).
        assert rapport.convention.parties.filter(partenaire__adhesions__user=requete.qui).exists()
        assert rapport.periode_debut <= rapport.periode_fin
        assert rapport.statut != Rapport.Statut.ECHEC, rapport.erreur


# --- The selection step (a session the member's partner facilitates) ----------------------------


def _selection(m):
    """A session facilitated by the member's partner, two members, a grid, a manager's link,
    an application their partner referred that may still be invited, and another session."""
    if not hasattr(m, "selection"):
        from parrainages.services.selection import evaluateur_lien_emettre
        from tests.parrainages.factories import (
            CandidatureFactory,
            CritereEvaluationFactory,
            EvaluateurInviteFactory,
            candidature_invitee,
            session_selection,
        )

        session = session_selection(programme=m.programme, animateur=m.partenaire, capacite=3)
        autre = session_selection(programme=m.programme)
        m.selection = SimpleNamespace(
            session=session,
            autre=autre,
            membres=[candidature_invitee(session), candidature_invitee(session)],
            etranger=candidature_invitee(autre),
            criteres=[
                CritereEvaluationFactory(programme=m.programme, libelle="Motivation"),
                CritereEvaluationFactory(programme=m.programme, libelle="Savoir-être"),
            ],
            orientee=CandidatureFactory(
                programme=m.programme, en_etude=True, prescripteur=m.partenaire
            ),
            autre_orientee=CandidatureFactory(programme=m.programme, en_etude=True),
            lien=_brut(evaluateur_lien_emettre(EvaluateurInviteFactory(session=session))),
        )
    return m.selection


def selection_inviter(m):
    s = _selection(m)
    url = _url("partenaires:session", pk=s.session.pk)
    urls = surtout(s.session.pk, s.autre.pk, INEXISTANT).map(
        lambda pk: _url("partenaires:session", pk=pk)
    )
    champs = {"candidatures": choix([s.orientee.pk])}
    hostiles = {
        "candidatures": choix(
            [s.autre_orientee.pk, s.membres[0].candidature_id, INEXISTANT, "x"], plusieurs=True
        )
    }
    return Formulaire(
        requetes=requetes(st.just(m.membre.user), urls, champs, hostiles),
        valide=Requete(m.membre.user, url, {"candidatures": str(s.orientee.pk)}),
        ecrit={
            "parrainages.ParticipationSelection",
            "parrainages.Candidature",
            "parrainages.EvenementCandidature",
        },
        tables={
            "parrainages.ParticipationSelection",
            "parrainages.Candidature",
            "parrainages.EvenementCandidature",
        },
        verifier=_verifier_invitation,
    )


def _verifier_invitation(requete, response, diff):
    from parrainages.models import ParticipationSelection

    for p in ParticipationSelection.objects.filter(
        pk__in=diff.get("parrainages.ParticipationSelection", ())
    ):
        assert p.candidature.prescripteur.adhesions.filter(user=requete.qui).exists()
        assert p.session.participations.count() <= p.session.capacite


def selection_presences(m):
    s = _selection(m)
    url = _url("partenaires:session_presences", pk=s.session.pk)
    demi = list(s.session.demi_journees.values_list("pk", flat=True))
    etats = st.sampled_from(["present", "absent", "excuse", ""])
    champs = {f"p-{p.pk}-{d}": etats for p in s.membres for d in demi[:2]}
    intrus = s.autre.demi_journees.first().pk
    hostiles = {
        f"p-{s.membres[0].pk}-{demi[0]}": st.sampled_from(["en_retard", "PRESENT", "1"]),
        f"p-{s.membres[1].pk}-{demi[1]}": st.just(["present", "absent"]),
    }
    return Formulaire(
        requetes=st.one_of(
            requetes(st.just(m.membre.user), st.just(url), champs, hostiles),
            # Someone outside the cohort, a half-day of another session.
            requetes(
                st.just(m.membre.user),
                st.just(url),
                {
                    f"p-{s.etranger.pk}-{demi[0]}": etats,
                    f"p-{s.membres[0].pk}-{intrus}": etats,
                },
            ),
        ),
        valide=Requete(m.membre.user, url, {f"p-{s.membres[0].pk}-{demi[0]}": "present"}),
        ecrit={"parrainages.Presence"},
        tables={"parrainages.Presence"},
    )


def _grille(s):
    champs, hostiles = {}, {}
    for c in s.criteres:
        champs[f"note_{c.pk}"] = st.one_of(entier(c.note_min, c.note_max), st.just(""))
        champs[f"commentaire_{c.pk}"] = texte_libre(500)
        hostiles[f"note_{c.pk}"] = st.one_of(
            hors_bornes(c.note_min, c.note_max), st.sampled_from(["2.5", "trois", "-0", "1e3"])
        )
        hostiles[f"commentaire_{c.pk}"] = texte_long
    champs["commentaire"] = texte_libre(500)
    hostiles["commentaire"] = texte_long
    return champs, hostiles


def selection_evaluation_animateur(m):
    s = _selection(m)
    urls = surtout(s.membres[0].pk, s.etranger.pk, INEXISTANT).map(
        lambda pk: _url("partenaires:session_evaluation", pk=s.session.pk, participation=pk)
    )
    champs, hostiles = _grille(s)
    return Formulaire(
        requetes=requetes(st.just(m.membre.user), urls, champs, hostiles),
        valide=Requete(
            m.membre.user,
            _url("partenaires:session_evaluation", pk=s.session.pk, participation=s.membres[0].pk),
            {f"note_{s.criteres[0].pk}": "3", "commentaire": "Motivée"},
        ),
        ecrit={"parrainages.Evaluation", "parrainages.Note"},
        tables={"parrainages.Evaluation", "parrainages.Note"},
        verifier=_verifier_notes,
    )


def _verifier_notes(requete, response, diff):
    from parrainages.models import Note

    for note in Note.objects.filter(pk__in=diff.get("parrainages.Note", ())):
        assert note.critere.note_min <= note.valeur <= note.critere.note_max


def selection_evaluation_manager(m):
    s = _selection(m)
    jeton = s.lien.rstrip("/").rsplit("/", 1)[-1]
    urls = st.sampled_from(
        [
            _url("selection_evaluation_membre", jeton=jeton, pk=s.membres[0].pk),
            _url("selection_evaluation_membre", jeton=jeton, pk=s.etranger.pk),
            _url("selection_evaluation_membre", jeton="invalide", pk=s.membres[0].pk),
        ]
    )
    champs, hostiles = _grille(s)
    return Formulaire(
        requetes=requetes(st.none(), urls, champs, hostiles),
        valide=Requete(
            None,
            _url("selection_evaluation_membre", jeton=jeton, pk=s.membres[1].pk),
            {f"note_{s.criteres[1].pk}": "4"},
        ),
        ecrit={"parrainages.Evaluation", "parrainages.Note"},
        tables={"parrainages.Evaluation", "parrainages.Note"},
        verifier=_verifier_notes,
    )


FORMULAIRES = {
    "inscription": inscription,
    "account_login": connexion,
    "account_email_verification_sent": confirmation_email,
    "account_logout": deconnexion,
    "account_change_password": changer_mot_de_passe,
    "account_reset_password": reinitialiser_mot_de_passe,
    "account_reset_password_from_key": reinitialiser_depuis_cle,
    "account_email": gerer_emails,
    "account_reauthenticate": reauthentification,
    "account_set_password": definir_mot_de_passe,
    "account_confirm_login_code": code_de_connexion,
    "preferences": preferences,
    "telephone": telephone,
    "sms_entrant": sms_entrant,
    "desabonnement": desabonnement,
    "devenir_parrain": devenir_parrain,
    "parrain_activer": parrain_activer,
    "compte_activer": compte_activer,
    "enquete": enquete,
    "point_etape": point_etape,
    "parrain:objectifs": objectifs_parrain,
    "filleul:objectifs": objectifs_filleul,
    "candidater": candidater,
    "filleul:profil": profil_filleul,
    "filleul:profil#parcours": profil_filleul_parcours,
    "filleul:profil#mineur": profil_mineur,
    "filleul:supprimer": supprimer_compte,
    "filleul:evenements": evenements_filleul,
    "parrain:proposition": proposition,
    "parrain:rencontre_nouvelle": rencontre_nouvelle,
    "parrain:immersion_nouvelle": immersion_nouvelle,
    "parrain:cloturer": cloturer,
    "parrain:rencontre_consigner": rencontre_consigner,
    "parrain:rencontre_annuler": rencontre_annuler,
    "parrain:rencontre_accepter": rencontre_accepter_parrain,
    "parrain:rencontre_refuser": rencontre_refuser,
    "filleul:rencontre_proposer": rencontre_proposer,
    "filleul:rencontre_deplacer": rencontre_deplacer,
    "filleul:rencontre_accepter": rencontre_accepter_filleul,
    "filleul:rencontre_annuler": rencontre_annuler_filleul,
    "parrain:profil": profil_parrain,
    "parrain:actions": actions,
    "parrain:evenements": evenements_parrain,
    "parrain:presences": presences,
    "charte_detail": charte_signer,
    "signature_lien": signature_lien,
    "signature_lien#autorisation": autorisation_lien,
    "charte_verifier": charte_verifier,
    "filleul:immersion": immersion_signer_filleul,
    "filleul:proposition": proposition_filleul,
    "parrain:immersion": immersion_signer_parrain,
    "signature_lien#immersion": immersion_signer_par_lien,
    "parrain:immersion_modifier": immersion_modifier,
    "parrain:immersion_renouveler": immersion_renouveler,
    "parrain:immersion_annuler": immersion_annuler,
    "immersion_bilan": immersion_bilan,
    "immersion_verifier": immersion_verifier,
    "partenaires:prescrire": prescrire,
    "partenaires:prescrire_compte": prescrire_compte,
    "partenaires:prescription_code": prescription_code,
    "partenaires:importer": importer,
    "partenaires:lot_lettres": lot_lettres,
    "reclamer": reclamer,
    "partenaires:convention": rapport_demander,
    "partenaires:session": selection_inviter,
    "partenaires:session_presences": selection_presences,
    "partenaires:evenements": evenements_membre,
    "partenaires:session_evaluation": selection_evaluation_animateur,
    "selection_evaluation_membre": selection_evaluation_manager,
}

# URLs that take POST but are not fuzzed here, and why.
EXCLUS = {
    "account_signup": "même chemin que « inscription » (comptes/signup/), qui le masque : "
    "c'est la vue du site qui répond et elle est couverte",
    "mfa_authenticate": "formulaires TOTP d'allauth.mfa, en cours de refonte par le chantier "
    "« MFA obligatoire du personnel » qui les teste ; un seul champ code",
    "mfa_reauthenticate": "idem (allauth.mfa)",
    "mfa_activate_totp": "idem (allauth.mfa)",
    "mfa_deactivate_totp": "idem (allauth.mfa)",
    "mfa_generate_recovery_codes": "idem (allauth.mfa)",
    "socialaccount_connections": "page d'allauth non offerte : son chemin est pris par "
    "mentorat/urls.py, qui répond 404 (mentorat.connexion.page_absente)",
    "socialaccount_signup": "idem (inscription par un fournisseur finie dans un formulaire)",
    "": "anciennes adresses d'allauth (comptes/social/…), sans nom : des redirections vers "
    "les deux pages ci-dessus, qui répondent 404",
}
