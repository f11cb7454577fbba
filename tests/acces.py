"""The access matrix: for every URL of the site, how to build it in a world of people and
objects, and what each role gets (tests/test_acces.py checks it; the fuzzer posts to it)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from mentorat.comptes import activation_url as activation_compte_url
from mentorat.comptes import compte_creer
from mentorat.liens import lien_court
from mentorat.models import User
from mentorat.signatures import lien_emettre, parties_de
from parrainages.enquetes import lien_enquete, lien_point_etape
from parrainages.services import activation_url, charte_emettre
from parrainages.services.immersion import bilan_lien_emettre
from partenaires.services import invitation_jeton
from tests.mentorat.factories import administrateur, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
    RepresentantLegalFactory,
    partie_de,
)
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import (
    EvenementFactory,
    ModeleCharteFactory,
    ProgrammeFactory,
    RessourceFactory,
    StructureFactory,
)

ROLES = [
    "anonyme",
    "filleul",
    "autre_filleul",
    "parrain",
    "autre_parrain",
    "membre",
    "autre_membre",
    "gestionnaire",
    # Staff of another structure (their own programme, none of the world's): what staff see
    # stops at their structures' programmes and territories (docs/perimetre.md; the whole
    # admin is crawled by tests/test_perimetre_admin.py).
    "gestionnaire_autre_structure",
    "administrateur",
    "gestionnaire_sans_mfa",
]
LOGIN = "login"  # a redirect to the login page
SECOND_FACTEUR = "mfa"  # a redirect to the second factor (the TOTP code, or setting it up)

PUBLIC = dict.fromkeys(ROLES, 200)
CONNECTE = {**dict.fromkeys(ROLES, 200), "anonyme": LOGIN}
ESPACE_FILLEUL = {
    **dict.fromkeys(ROLES, 404),
    "anonyme": LOGIN,
    "filleul": 200,
    "autre_filleul": 200,
}
ESPACE_PARRAIN = {
    **dict.fromkeys(ROLES, 404),
    "anonyme": LOGIN,
    "parrain": 200,
    "autre_parrain": 200,
}
OBJET_PARRAIN = {**ESPACE_PARRAIN, "autre_parrain": 404}
OBJET_FILLEUL = {**ESPACE_FILLEUL, "autre_filleul": 404}
POST_PARRAIN = {**OBJET_PARRAIN, "parrain": 405, "autre_parrain": 405}
POST_FILLEUL = {**OBJET_FILLEUL, "filleul": 405, "autre_filleul": 405}
CHARTE = {
    **dict.fromkeys(ROLES, 404),
    "anonyme": LOGIN,
    "filleul": 200,
    "parrain": 200,
    "gestionnaire": 200,
    "administrateur": 200,
    "gestionnaire_sans_mfa": SECOND_FACTEUR,
}
# A programme's resources: its mentors, and staff of its perimeter past their second factor.
RESSOURCES = {
    **OBJET_PARRAIN,
    "gestionnaire": 200,
    "administrateur": 200,
    "gestionnaire_sans_mfa": SECOND_FACTEUR,
}


def monde_creer():
    """The people and objects every URL is tried on: two of each kind, so that another's
    object can be asked for."""
    programme = ProgrammeFactory(slug="programme-a", offre_ponctuelle=True)
    ModeleCharteFactory(programme=programme)
    pair = ParrainageFactory(programme=programme, actif=True)
    autre = ParrainageFactory(actif=True)
    charte = charte_emettre(parrainage=pair)
    # A minor's charter, which their legal guardian signs from a link of their own.
    mineur = ParrainageFactory(
        programme=programme, actif=True, filleul=RepresentantLegalFactory().filleul
    )
    charte_mineur = charte_emettre(parrainage=mineur)
    rencontre = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=1))
    proposition = ParrainageFactory(parrain=pair.parrain, attente=True)
    # Options the mentee chooses among, in a programme that gives them the say.
    au_choix = ProgrammeFactory(slug="programme-au-choix", avis_filleul="choisir")
    option = ParrainageFactory(
        programme=au_choix, filleul=pair.filleul, option=True, attente_filleul=True
    )
    evenement = EvenementFactory(programme=programme, organisateur=pair.parrain, publie=True)
    CandidatureFactory(filleul=pair.filleul, programme=programme)
    membre = MembreFactory()
    autre_membre = MembreFactory()
    from tests.partenaires.factories import ConventionFactory, ObjectifFactory

    convention = ConventionFactory(partenaire=membre.partenaire, active=True)
    convention.programmes.add(programme)
    ObjectifFactory(convention=convention)
    from partenaires.models import Prescription

    prescription = Prescription.objects.create(
        partenaire=membre.partenaire,
        programme=programme,
        prenom="A",
        nom="B",
        email="nouveau@exemple.fr",
    )
    immersion = ImmersionFactory(parrainage=pair)
    ressource = RessourceFactory(programme=programme, avec_fichier=True)
    immersion_terminee = ImmersionFactory(
        parrainage=pair,
        validee=True,
        date_debut=timezone.localdate() - dt.timedelta(days=20),
        date_fin=timezone.localdate() - dt.timedelta(days=8),
    )
    invite = ParrainFactory(invite=True)
    autre_structure = StructureFactory(nom="Mission locale (autre structure)")
    ProgrammeFactory(slug="programme-autre-structure", structure=autre_structure)
    admin = administrateur()
    compte_ouvert = compte_creer(
        user=User(email="nouvelle.recrue@exemple.fr", first_name="Léa", last_name="Roux"),
        groupes=admin.groups.all(),
        par=admin,
    )
    return {
        "programme": programme,
        "pair": pair,
        "charte": charte,
        "representant": partie_de(charte_mineur, "representant_legal_1"),
        "rencontre": rencontre,
        "proposition": proposition,
        "option": option,
        "evenement": evenement,
        "prescription": prescription,
        "invite": invite,
        "compte_ouvert": compte_ouvert,
        "convention": convention,
        "immersion": immersion,
        "ressource": ressource,
        "lien_signature": _url_brute(lien_emettre(parties_de(immersion).get(role="tuteur"))),
        "lien_bilan": _url_brute(bilan_lien_emettre(immersion_terminee)),
        "users": {
            "filleul": pair.filleul.user,
            "autre_filleul": autre.filleul.user,
            "parrain": pair.parrain.user,
            "autre_parrain": autre.parrain.user,
            "membre": membre.user,
            "autre_membre": autre_membre.user,
            "gestionnaire": gestionnaire(),
            "gestionnaire_autre_structure": gestionnaire(structure=autre_structure),
            "administrateur": admin,
            "gestionnaire_sans_mfa": gestionnaire(),
        },
    }


def _url_brute(lien):
    return lien.split("127.0.0.1:8000", 1)[-1]


MATRICE = {
    "programmes:accueil": (lambda m: reverse("programmes:accueil"), PUBLIC),
    "programmes:detail": (lambda m: m["programme"].get_absolute_url(), PUBLIC),
    "programmes:communes_recherche": (
        lambda m: reverse("programmes:communes_recherche") + "?q=Par",
        PUBLIC,
    ),
    "confidentialite": (lambda m: reverse("confidentialite"), PUBLIC),
    "sante": (lambda m: reverse("sante"), PUBLIC),
    "espace": (lambda m: reverse("espace"), {**dict.fromkeys(ROLES, 302), "anonyme": LOGIN}),
    "invitation": (
        lambda m: reverse("invitation", kwargs={"jeton": invitation_jeton(m["prescription"])}),
        dict.fromkeys(ROLES, 302),
    ),
    "candidater": (
        lambda m: reverse("candidater", kwargs={"slug": "programme-a"}),
        {
            **CONNECTE,
            "parrain": 302,
            "autre_parrain": 302,
            "membre": 302,
            "autre_membre": 302,
            "gestionnaire": 302,
            "gestionnaire_autre_structure": 302,
            "administrateur": 302,
            "gestionnaire_sans_mfa": 302,
        },
    ),
    "devenir_parrain": (
        lambda m: reverse("devenir_parrain", kwargs={"slug": "programme-a"}),
        # A mentor of another programme may join this one; a mentee account is turned away.
        {**CONNECTE, "filleul": 302, "autre_filleul": 302},
    ),
    "enquete": (
        lambda m: _url_brute(
            lien_enquete(
                parrainage_id=m["pair"].pk, moment="fin", user_id=m["pair"].filleul.user_id
            )
        ),
        PUBLIC,
    ),
    # A check-in, from its link (no login: the signed link says who).
    "point_etape": (
        lambda m: _url_brute(
            lien_point_etape(
                parrainage_id=m["pair"].pk,
                role="filleul",
                tour=1,
                user_id=m["pair"].filleul.user_id,
            )
        ),
        PUBLIC,
    ),
    # The pair's goals: each party of the pair, from their own space.
    "parrain:objectifs": (
        lambda m: reverse("parrain:objectifs", kwargs={"pk": m["pair"].pk}),
        OBJET_PARRAIN,
    ),
    "filleul:objectifs": (
        lambda m: reverse("filleul:objectifs", kwargs={"pk": m["pair"].pk}),
        OBJET_FILLEUL,
    ),
    "parrain_activer": (
        lambda m: _url_brute(activation_url(m["invite"].user)),
        dict.fromkeys(ROLES, 302),
    ),
    # An account opened in the admin: its link, for whoever holds it (the token then moves to
    # the session; tests/mentorat/test_activation_compte.py follows it).
    "compte_activer": (
        lambda m: _url_brute(activation_compte_url(m["compte_ouvert"])),
        dict.fromkeys(ROLES, 302),
    ),
    "inscription": (
        lambda m: reverse("inscription"),
        {**dict.fromkeys(ROLES, 302), "anonyme": 200},
    ),
    "account_signup": (
        lambda m: reverse("account_signup"),
        {**dict.fromkeys(ROLES, 302), "anonyme": 200},
    ),
    "preferences": (lambda m: reverse("preferences"), CONNECTE),
    # One's own mobile number and its code (mentorat.canaux): any signed-in person.
    "telephone": (lambda m: reverse("telephone"), CONNECTE),
    # A text message's short link: whoever holds it is sent on to the page it names, which
    # checks access itself.
    "lien_court": (
        lambda m: _url_brute(lien_court(url="http://127.0.0.1:8000/filleul/", cle="acces")),
        dict.fromkeys(ROLES, 302),
    ),
    # The SMS provider's callback: POST only, with its secret (tests/mentorat/test_sms_canaux.py).
    "sms_entrant": (lambda m: reverse("sms_entrant"), dict.fromkeys(ROLES, 405)),
    "desabonnement": (
        lambda m: reverse("desabonnement", kwargs={"jeton": "invalide"}),
        PUBLIC,
    ),
    "filleul:tableau_de_bord": (lambda m: reverse("filleul:tableau_de_bord"), ESPACE_FILLEUL),
    "filleul:profil": (
        lambda m: reverse("filleul:profil", kwargs={"etape": 1}),
        ESPACE_FILLEUL,
    ),
    "filleul:donnees": (lambda m: reverse("filleul:donnees"), ESPACE_FILLEUL),
    "filleul:donnees_json": (lambda m: reverse("filleul:donnees_json"), ESPACE_FILLEUL),
    "filleul:supprimer": (lambda m: reverse("filleul:supprimer"), ESPACE_FILLEUL),
    "filleul:evenements": (lambda m: reverse("filleul:evenements"), ESPACE_FILLEUL),
    # The schools' directory, for a pupil filling in the profile: any signed-in person.
    "filleul:etablissements_recherche": (
        lambda m: reverse("filleul:etablissements_recherche") + "?q=Coll",
        CONNECTE,
    ),
    "parrain:tableau_de_bord": (lambda m: reverse("parrain:tableau_de_bord"), ESPACE_PARRAIN),
    "parrain:profil": (lambda m: reverse("parrain:profil"), ESPACE_PARRAIN),
    "parrain:binomes": (lambda m: reverse("parrain:binomes"), ESPACE_PARRAIN),
    "parrain:actions": (lambda m: reverse("parrain:actions"), ESPACE_PARRAIN),
    "parrain:evenements": (lambda m: reverse("parrain:evenements"), ESPACE_PARRAIN),
    "parrain:ressources": (lambda m: reverse("parrain:ressources"), ESPACE_PARRAIN),
    "parrain:ressources_programme": (
        lambda m: reverse("parrain:ressources_programme", kwargs={"slug": "programme-a"}),
        RESSOURCES,
    ),
    "parrain:ressource_fichier": (
        lambda m: reverse("parrain:ressource_fichier", kwargs={"pk": m["ressource"].pk}),
        RESSOURCES,
    ),
    "parrain:proposition": (
        lambda m: reverse("parrain:proposition", kwargs={"pk": m["proposition"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:binome": (
        lambda m: reverse("parrain:binome", kwargs={"pk": m["pair"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:rencontre_nouvelle": (
        lambda m: reverse("parrain:rencontre_nouvelle", kwargs={"pk": m["pair"].pk}),
        POST_PARRAIN,
    ),
    "parrain:immersion_nouvelle": (
        # The pair's programme offers no immersion: the page says so (its mentor only).
        lambda m: reverse("parrain:immersion_nouvelle", kwargs={"pk": m["pair"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:cloturer": (
        lambda m: reverse("parrain:cloturer", kwargs={"pk": m["pair"].pk}),
        POST_PARRAIN,
    ),
    "parrain:rencontre_consigner": (
        lambda m: reverse("parrain:rencontre_consigner", kwargs={"pk": m["rencontre"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:rencontre_annuler": (
        lambda m: reverse("parrain:rencontre_annuler", kwargs={"pk": m["rencontre"].pk}),
        POST_PARRAIN,
    ),
    "parrain:rencontre_accepter": (
        lambda m: reverse("parrain:rencontre_accepter", kwargs={"pk": m["rencontre"].pk}),
        POST_PARRAIN,
    ),
    "parrain:rencontre_refuser": (
        lambda m: reverse("parrain:rencontre_refuser", kwargs={"pk": m["rencontre"].pk}),
        POST_PARRAIN,
    ),
    # The mentor proposed to the mentee, or the options they choose among (another's: 404).
    "filleul:proposition": (
        lambda m: reverse("filleul:proposition", kwargs={"pk": m["option"].pk}),
        OBJET_FILLEUL,
    ),
    # The mentee's side of their pair's meetings (another mentee's: 404).
    "filleul:rencontre_proposer": (
        lambda m: reverse("filleul:rencontre_proposer", kwargs={"pk": m["pair"].pk}),
        OBJET_FILLEUL,
    ),
    "filleul:rencontre_deplacer": (
        lambda m: reverse("filleul:rencontre_deplacer", kwargs={"pk": m["rencontre"].pk}),
        OBJET_FILLEUL,
    ),
    "filleul:rencontre_accepter": (
        lambda m: reverse("filleul:rencontre_accepter", kwargs={"pk": m["rencontre"].pk}),
        POST_FILLEUL,
    ),
    "filleul:rencontre_annuler": (
        lambda m: reverse("filleul:rencontre_annuler", kwargs={"pk": m["rencontre"].pk}),
        POST_FILLEUL,
    ),
    "filleul:rencontre_ics": (
        lambda m: reverse("filleul:rencontre_ics", kwargs={"pk": m["rencontre"].pk}),
        OBJET_FILLEUL,
    ),
    "parrain:rencontre_ics": (
        lambda m: reverse("parrain:rencontre_ics", kwargs={"pk": m["rencontre"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:presences": (
        lambda m: reverse("parrain:presences", kwargs={"pk": m["evenement"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:immersion": (
        lambda m: reverse("parrain:immersion", kwargs={"pk": m["immersion"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:immersion_modifier": (
        lambda m: reverse("parrain:immersion_modifier", kwargs={"pk": m["immersion"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:immersion_renouveler": (
        lambda m: reverse("parrain:immersion_renouveler", kwargs={"pk": m["immersion"].pk}),
        OBJET_PARRAIN,
    ),
    "parrain:immersion_annuler": (
        lambda m: reverse("parrain:immersion_annuler", kwargs={"pk": m["immersion"].pk}),
        POST_PARRAIN,
    ),
    "parrain:immersion_pdf": (
        # Not validated yet, no PDF: 404 even for its mentor.
        lambda m: reverse("parrain:immersion_pdf", kwargs={"pk": m["immersion"].pk}),
        {**OBJET_PARRAIN, "parrain": 404},
    ),
    "filleul:immersion": (
        lambda m: reverse("filleul:immersion", kwargs={"pk": m["immersion"].pk}),
        OBJET_FILLEUL,
    ),
    "filleul:immersion_pdf": (
        lambda m: reverse("filleul:immersion_pdf", kwargs={"pk": m["immersion"].pk}),
        {**OBJET_FILLEUL, "filleul": 404},
    ),
    # The link a party with an account receives: to their own space's page (staff past their
    # second factor: to the admin's); nobody else.
    "immersion_ouvrir": (
        lambda m: reverse("immersion_ouvrir", kwargs={"uuid": m["immersion"].uuid}),
        {
            **dict.fromkeys(ROLES, 404),
            "anonyme": LOGIN,
            "filleul": 302,
            "parrain": 302,
            "gestionnaire": 302,
            "administrateur": 302,
        },
    ),
    "immersion_verifier": (
        lambda m: reverse("immersion_verifier", kwargs={"uuid": m["immersion"].uuid}),
        PUBLIC,
    ),
    # Links of their own (their holder fills the assessment).
    "immersion_bilan": (lambda m: m["lien_bilan"], PUBLIC),
    "charte_detail": (
        lambda m: reverse("charte_detail", kwargs={"uuid": m["charte"].uuid}),
        CHARTE,
    ),
    "charte_pdf": (
        # No PDF yet (not signed): even its parties get a 404.
        lambda m: reverse("charte_pdf", kwargs={"uuid": m["charte"].uuid}),
        {**CHARTE, "filleul": 404, "parrain": 404, "gestionnaire": 404, "administrateur": 404},
    ),
    "charte_verifier": (
        lambda m: reverse("charte_verifier", kwargs={"uuid": m["charte"].uuid}),
        PUBLIC,
    ),
    # A party's link: whoever holds it (signed in or not) reads the document to sign.
    "signature_lien": (lambda m: _url_brute(lien_emettre(m["representant"])), PUBLIC),
    "signature_lien_pdf": (
        # Not signed yet, no PDF: a 404 even with the link.
        lambda m: _url_brute(lien_emettre(m["representant"])).rstrip("/") + "/pdf/",
        dict.fromkeys(ROLES, 404),
    ),
}


ESPACE_PARTENAIRE = {
    **dict.fromkeys(ROLES, 404),
    "anonyme": LOGIN,
    "membre": 200,
    "autre_membre": 200,
}
OBJET_PARTENAIRE = {**ESPACE_PARTENAIRE, "autre_membre": 404}


def _rapport(m):
    from tests.partenaires.factories import RapportFactory

    return RapportFactory(convention=m["convention"])


PARTENAIRES = {
    "partenaires:accueil": (lambda m: reverse("partenaires:accueil"), ESPACE_PARTENAIRE),
    "partenaires:filleuls": (lambda m: reverse("partenaires:filleuls"), ESPACE_PARTENAIRE),
    "partenaires:prescrire": (lambda m: reverse("partenaires:prescrire"), ESPACE_PARTENAIRE),
    "partenaires:rapports": (lambda m: reverse("partenaires:rapports"), ESPACE_PARTENAIRE),
    "partenaires:convention": (
        lambda m: reverse("partenaires:convention", kwargs={"pk": m["convention"].pk}),
        OBJET_PARTENAIRE,
    ),
    "partenaires:convention_pdf": (
        lambda m: reverse("partenaires:convention_pdf", kwargs={"pk": m["convention"].pk}),
        OBJET_PARTENAIRE,
    ),
    "partenaires:convention_signee": (
        # No signed copy uploaded: 404 even for its partner.
        lambda m: reverse("partenaires:convention_signee", kwargs={"pk": m["convention"].pk}),
        {**OBJET_PARTENAIRE, "membre": 404},
    ),
    "partenaires:rapport": (
        lambda m: reverse("partenaires:rapport", kwargs={"pk": _rapport(m).pk}),
        OBJET_PARTENAIRE,
    ),
    "partenaires:rapport_statut": (
        lambda m: reverse("partenaires:rapport_statut", kwargs={"pk": _rapport(m).pk}),
        OBJET_PARTENAIRE,
    ),
}


def _lot(m):
    from partenaires.models import ImportPrescriptions

    return ImportPrescriptions.objects.create(
        partenaire=m["prescription"].partenaire, programme=m["programme"], nom_fichier="a.csv"
    )


# A referral and an import belong to their partner: another partner's member gets a 404, as
# for a convention. Codes and letters are POSTed (405 to a GET).
PARTENAIRES.update(
    {
        "partenaires:prescrire_compte": (
            lambda m: reverse("partenaires:prescrire_compte"),
            ESPACE_PARTENAIRE,
        ),
        "partenaires:prescription": (
            lambda m: reverse("partenaires:prescription", kwargs={"pk": m["prescription"].pk}),
            OBJET_PARTENAIRE,
        ),
        "partenaires:prescription_code": (
            lambda m: reverse("partenaires:prescription_code", kwargs={"pk": m["prescription"].pk}),
            {**OBJET_PARTENAIRE, "membre": 405, "autre_membre": 405},
        ),
        "partenaires:importer": (lambda m: reverse("partenaires:importer"), ESPACE_PARTENAIRE),
        "partenaires:importer_modele": (
            lambda m: reverse("partenaires:importer_modele"),
            ESPACE_PARTENAIRE,
        ),
        "partenaires:lot": (
            lambda m: reverse("partenaires:lot", kwargs={"pk": _lot(m).pk}),
            OBJET_PARTENAIRE,
        ),
        "partenaires:lot_lettres": (
            lambda m: reverse("partenaires:lot_lettres", kwargs={"pk": _lot(m).pk}),
            {**OBJET_PARTENAIRE, "membre": 405, "autre_membre": 405},
        ),
    }
)
MATRICE.update(PARTENAIRES)
# The page where a person claims the account a counsellor created with them: public.
MATRICE["reclamer"] = (lambda m: reverse("reclamer"), PUBLIC)

# FranceConnect and ProConnect (mentorat.connexion), off in the tests (no environment): their
# login and return addresses answer 404; allauth's pages to link a provider or finish a
# sign-up in a form are not offered; its "cancelled" and "error" pages are public (401 for the
# error), though an error on the way back is told on the login page (on_authentication_error).
ABSENT = dict.fromkeys(ROLES, 404)
MATRICE.update(
    {
        "openid_connect_login": (
            lambda m: reverse("openid_connect_login", kwargs={"provider_id": "franceconnect"}),
            ABSENT,
        ),
        "openid_connect_callback": (
            lambda m: reverse("openid_connect_callback", kwargs={"provider_id": "proconnect"}),
            ABSENT,
        ),
        "connexion_oidc_retour": (
            lambda m: reverse("connexion_oidc_retour", kwargs={"provider_id": "franceconnect"}),
            ABSENT,
        ),
        "socialaccount_connections": (lambda m: reverse("socialaccount_connections"), ABSENT),
        "socialaccount_signup": (lambda m: reverse("socialaccount_signup"), ABSENT),
        "socialaccount_login_cancelled": (
            lambda m: reverse("socialaccount_login_cancelled"),
            PUBLIC,
        ),
        "socialaccount_login_error": (
            lambda m: reverse("socialaccount_login_error"),
            dict.fromkeys(ROLES, 401),
        ),
    }
)

# Two-factor authentication (allauth.mfa), signed in without an authenticator app: the index;
# a redirect to confirm the password before setting one up or regenerating codes, and for the
# code pages (the login code exists only in a login in progress, the reauthentication code
# only with an app); nothing to deactivate nor recovery codes to show (404). Staff signed in
# with their TOTP code have an app: its reauthentication code page opens, and, their login's
# password being less than ACCOUNT_REAUTHENTICATION_TIMEOUT old, so do the pages to deactivate
# it (a deactivation is then refused: tests/mentorat/test_mfa.py) and to regenerate the
# recovery codes; an older login asks for the password first (test_mfa.py too).
REDIRECTION = {**dict.fromkeys(ROLES, 302), "anonyme": LOGIN}
SANS_AUTHENTIFICATEUR = {**dict.fromkeys(ROLES, 404), "anonyme": LOGIN}
AVEC_APPLICATION = ("gestionnaire", "gestionnaire_autre_structure", "administrateur")
MFA = {
    "mfa_index": (lambda m: reverse("mfa_index"), CONNECTE),
    "mfa_authenticate": (lambda m: reverse("mfa_authenticate"), REDIRECTION),
    "mfa_reauthenticate": (
        lambda m: reverse("mfa_reauthenticate"),
        {**REDIRECTION, **dict.fromkeys(AVEC_APPLICATION, 200)},
    ),
    "mfa_activate_totp": (lambda m: reverse("mfa_activate_totp"), REDIRECTION),
    "mfa_deactivate_totp": (
        lambda m: reverse("mfa_deactivate_totp"),
        {**SANS_AUTHENTIFICATEUR, **dict.fromkeys(AVEC_APPLICATION, 200)},
    ),
    "mfa_view_recovery_codes": (
        lambda m: reverse("mfa_view_recovery_codes"),
        SANS_AUTHENTIFICATEUR,
    ),
    "mfa_generate_recovery_codes": (
        lambda m: reverse("mfa_generate_recovery_codes"),
        {**REDIRECTION, **dict.fromkeys(AVEC_APPLICATION, 200)},
    ),
    "mfa_download_recovery_codes": (
        lambda m: reverse("mfa_download_recovery_codes"),
        SANS_AUTHENTIFICATEUR,
    ),
}
MATRICE.update(MFA)


# The selection step: a session the member's partner facilitates, with one member; a
# manager's personal link (whoever holds it opens it, signed in or not).
def _session_selection(m):
    if "session_selection" not in m:
        from parrainages.services.selection import evaluateur_lien_emettre
        from tests.parrainages.factories import (
            EvaluateurInviteFactory,
            candidature_invitee,
            session_selection,
        )

        membre = m["users"]["membre"].adhesions.get().partenaire
        session = session_selection(programme=m["programme"], animateur=membre)
        participation = candidature_invitee(session)
        manager = EvaluateurInviteFactory(session=session)
        m["session_selection"] = (session, participation, evaluateur_lien_emettre(manager))
    return m["session_selection"]


def _jeton_manager(m):
    return _url_brute(_session_selection(m)[2]).rstrip("/").rsplit("/", 1)[-1]


SELECTION = {
    "selection_evaluation": (
        lambda m: reverse("selection_evaluation", kwargs={"jeton": _jeton_manager(m)}),
        PUBLIC,
    ),
    "selection_evaluation_membre": (
        lambda m: reverse(
            "selection_evaluation_membre",
            kwargs={"jeton": _jeton_manager(m), "pk": _session_selection(m)[1].pk},
        ),
        PUBLIC,
    ),
    "partenaires:sessions": (lambda m: reverse("partenaires:sessions"), ESPACE_PARTENAIRE),
    "partenaires:evenements": (lambda m: reverse("partenaires:evenements"), ESPACE_PARTENAIRE),
    "partenaires:session": (
        lambda m: reverse("partenaires:session", kwargs={"pk": _session_selection(m)[0].pk}),
        OBJET_PARTENAIRE,
    ),
    "partenaires:session_presences": (
        lambda m: reverse(
            "partenaires:session_presences", kwargs={"pk": _session_selection(m)[0].pk}
        ),
        OBJET_PARTENAIRE,
    ),
    "partenaires:session_evaluation": (
        lambda m: reverse(
            "partenaires:session_evaluation",
            kwargs={
                "pk": _session_selection(m)[0].pk,
                "participation": _session_selection(m)[1].pk,
            },
        ),
        OBJET_PARTENAIRE,
    ),
}
MATRICE.update(SELECTION)
