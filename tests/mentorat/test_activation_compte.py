"""Accounts opened in the admin: no password until their owner chooses one from a single-use
link; a staff member then sets up their authenticator app at once (issue #13, point 4)."""

import datetime as dt
import html
import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from mentorat import comptes
from mentorat.comptes import JetonsActivation, activation_url, compte_activer, compte_creer
from mentorat.envois import envois_expedier
from mentorat.mfa import RETOUR_SESSION_KEY
from mentorat.models import Envoi, User
from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE
from parrainages.services import activation_url as activation_parrain_url
from tests.mentorat.factories import (
    UserFactory,
    administrateur,
    connecter,
    gestionnaire,
    structure_de_la_ville,
)
from tests.parrainages.factories import ParrainFactory
from tests.programmes.factories import affecter

pytestmark = pytest.mark.django_db

AJOUT = "/admin/mentorat/user/add/"
MOT_DE_PASSE = "Un-mot-de-passe-bien-a-moi-42"
LIEN = re.compile(r"http\S+/comptes/activer/\S+/")


def texte(response) -> str:
    return html.unescape(response.content.decode())


def messages_de(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def chemin(lien: str) -> str:
    return lien.split("127.0.0.1:8000", 1)[-1]


def lien_recu(index=-1) -> str:
    return chemin(LIEN.search(mail.outbox[index].body)[0])


def ouvrir_compte_equipe(client, capture, *, email="Nouvelle.Recrue@Exemple.fr"):
    """An Administrateur opens a Gestionnaire's account in the admin; the e-mail goes."""
    connecter(client, administrateur())
    with capture(execute=True):
        response = client.post(
            AJOUT,
            {
                "email": email,
                "first_name": "Léa",
                "last_name": "Roux",
                "groups": [Group.objects.get(name=GESTIONNAIRE).pk],
            },
        )
    assert response.status_code == 302, texte(response)
    client.logout()
    return User.objects.get(email__iexact=email)


def test_the_add_form_asks_who_and_groups_but_no_password(client):
    connecter(client, administrateur())
    page = client.get(AJOUT)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {
        "email",
        "first_name",
        "last_name",
        "groups",
    }
    assert 'type="password"' not in page.content.decode()
    assert "lien d'activation" in texte(page)


def test_an_administrateur_opens_a_staff_account_and_its_link_goes(
    client, django_capture_on_commit_callbacks
):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    assert user.email == "nouvelle.recrue@exemple.fr"
    assert user.is_staff and not user.is_superuser and user.is_active
    assert list(user.groups.values_list("name", flat=True)) == [GESTIONNAIRE]
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle.recrue@exemple.fr"]
    assert message.subject == "[Mentorat] Activez votre compte"
    assert "valable 3 jours et une seule fois" in message.body
    assert "double authentification" in message.body
    assert LIEN.search(message.body)
    assert LIEN.search(message.alternatives[0][0])


def test_the_link_is_never_stored_in_the_outbox_staff_read(
    client, django_capture_on_commit_callbacks
):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    jeton = lien_recu().rstrip("/").rsplit("/", 1)[-1]
    envoi = Envoi.objects.get(destinataire=user)
    assert envoi.regle == "activation_compte" and envoi.statut == Envoi.Statut.ENVOYE
    assert "lien" not in envoi.contexte
    assert jeton not in str(Envoi.objects.filter(pk=envoi.pk).values().get())
    # The outbox is an Administrateur's to read (platform internals: mentorat/admin_perimetre.py).
    connecter(client, administrateur())
    fiche = client.get(reverse("admin:mentorat_envoi_change", args=[envoi.pk]))
    assert fiche.status_code == 200 and jeton not in fiche.content.decode()


def test_the_email_is_sent_once(client, django_capture_on_commit_callbacks):
    from parrainages.tasks import expedier_envois

    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    expedier_envois()
    envois_expedier()
    assert len(mail.outbox) == 1
    assert Envoi.objects.filter(destinataire=user).count() == 1


@pytest.mark.parametrize("essai", ["", "!", "motdepasse-de-test", "Un-mot-de-passe-quelconque-1"])
def test_a_new_staff_account_logs_in_with_no_password(
    client, django_capture_on_commit_callbacks, essai
):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    for mot_de_passe in (essai, user.password):  # even its stored (unusable) value
        assert not client.login(email=user.email, password=mot_de_passe)
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": mot_de_passe}
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_link_sets_the_password_and_leads_to_the_totp_set_up_once(
    client, django_capture_on_commit_callbacks
):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    lien = lien_recu()

    premiere = client.get(lien)
    assert premiere.status_code == 302
    formulaire = premiere["Location"]
    assert formulaire.endswith("/choisir-mot-de-passe/")  # the token left the address bar
    page = client.get(formulaire)
    assert page.status_code == 200
    assert "nouvelle.recrue@exemple.fr" in texte(page) and "double authentification" in texte(page)
    faible = client.post(formulaire, {"new_password1": "123", "new_password2": "123"})
    assert faible.status_code == 200
    user.refresh_from_db()
    assert not user.has_usable_password()

    fait = client.post(formulaire, {"new_password1": MOT_DE_PASSE, "new_password2": MOT_DE_PASSE})
    assert fait["Location"] == reverse("mfa_activate_totp")
    user.refresh_from_db()
    assert user.check_password(MOT_DE_PASSE)
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[RETOUR_SESSION_KEY] == reverse("admin:index")

    # Straight to the app's QR code: the password typed a moment ago is the recent proof.
    reglage = client.get(reverse("mfa_activate_totp"))
    assert reglage.status_code == 200
    assert "application d'authentification" in texte(reglage)
    assert client.get(reverse("admin:index")).status_code == 302  # not before the app
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert "continuer vers l'administration" in texte(codes)
    assert client.get(reverse("admin:index")).status_code == 200

    # Used up: a second use fails, with why and what to do.
    client.logout()
    for tentative in (lien, formulaire):
        refus = client.get(tentative)
        assert refus.status_code == 400
        assert "Ce lien d'activation a déjà servi" in texte(refus)
        assert "connectez-vous" in texte(refus)
    user.refresh_from_db()
    assert user.check_password(MOT_DE_PASSE)


def test_the_link_cannot_be_used_twice_from_two_tabs(client, django_capture_on_commit_callbacks):
    from django.test import Client

    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    lien = lien_recu()
    autre = Client()
    formulaire = client.get(lien)["Location"]
    assert autre.get(lien)["Location"] == formulaire
    donnees = {"new_password1": MOT_DE_PASSE, "new_password2": MOT_DE_PASSE}
    assert client.post(formulaire, donnees).status_code == 302
    second = autre.post(
        formulaire, {"new_password1": "Un-autre-choix-77", "new_password2": "Un-autre-choix-77"}
    )
    assert second.status_code == 400
    user.refresh_from_db()
    assert user.check_password(MOT_DE_PASSE)


def test_an_expired_link_fails(client, django_capture_on_commit_callbacks, monkeypatch):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    lien = lien_recu()
    plus_tard = dt.datetime.now() + dt.timedelta(days=3, minutes=1)
    monkeypatch.setattr(JetonsActivation, "_now", lambda self: plus_tard)
    refus = client.get(lien)
    assert refus.status_code == 400
    assert "Ce lien d'activation a expiré : il était valable 3 jours" in texte(refus)
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_other_links_open_nothing_here(client, django_capture_on_commit_callbacks):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    jeton = lien_recu().rstrip("/").rsplit("/", 1)[-1]
    invite = ParrainFactory(invite=True).user
    invite.set_unusable_password()
    invite.save()
    # A mentor's invitation token on this address, ours on the mentor's, a made-up account.
    uid_parrain, jeton_parrain = chemin(activation_parrain_url(invite)).strip("/").split("/")[-2:]
    faux = [
        reverse("compte_activer", kwargs={"uidb64": uid_parrain, "token": jeton_parrain}),
        reverse("parrain_activer", kwargs={"uidb64": lien_recu().split("/")[-3], "token": jeton}),
        reverse("compte_activer", kwargs={"uidb64": "zzz", "token": jeton}),
        reverse("compte_activer", kwargs={"uidb64": "OTk5OTk5", "token": jeton}),
        reverse("compte_activer", kwargs={"uidb64": "%C3%A9", "token": "1-2-3"}),
        reverse("compte_activer", kwargs={"uidb64": lien_recu().split("/")[-3], "token": "x"}),
    ]
    for url in faux:
        assert client.get(url).status_code == 400, url
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_deactivated_account_is_not_activated(client, django_capture_on_commit_callbacks):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(lien_recu()).status_code == 400


def test_resending_voids_the_earlier_links(client, django_capture_on_commit_callbacks):
    user = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    premier = lien_recu()
    connecter(client, administrateur())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:mentorat_user_changelist"),
            {"action": "activation_renvoyer", "_selected_action": [user.pk]},
            follow=True,
        )
    assert "1 lien(s) d'activation envoyé(s)" in texte(response)
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [user.email]
    second = lien_recu()
    assert second != premier
    client.logout()
    assert client.get(premier).status_code == 400
    assert client.get(second).status_code == 302


def test_resending_skips_accounts_that_wait_for_nothing(client, django_capture_on_commit_callbacks):
    equipier = ouvrir_compte_equipe(client, django_capture_on_commit_callbacks)
    active = ouvrir_compte_equipe(
        client, django_capture_on_commit_callbacks, email="deja.active@exemple.fr"
    )
    compte_activer(user=active, mot_de_passe=MOT_DE_PASSE)
    invite = ParrainFactory(invite=True).user  # a mentor's invitation: not this link
    invite.set_unusable_password()
    invite.save()
    mail.outbox.clear()

    # A Gestionnaire may not touch staff accounts, even their structure's: nothing sent. Their
    # colleagues' accounts are read-only to them (mentorat/admin_perimetre.py): the action
    # runs on the mentor's account only, which it skips, and says why.
    for colleague in (equipier, active):
        affecter(colleague, structure_de_la_ville())
    connecter(client, gestionnaire())
    selection = {
        "action": "activation_renvoyer",
        "_selected_action": [equipier.pk, active.pk, invite.pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:mentorat_user_changelist"), selection, follow=True)
    assert "0 lien(s)" in texte(response) and "1 compte(s) ignoré(s)" in texte(response)
    assert mail.outbox == []

    connecter(client, administrateur())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:mentorat_user_changelist"), selection, follow=True)
    assert "1 lien(s)" in texte(response) and "2 compte(s) ignoré(s)" in texte(response)
    assert [m.to for m in mail.outbox] == [[equipier.email]]


@pytest.mark.apres_commit
def test_an_email_for_an_account_activated_meanwhile_is_not_sent(
    client, django_capture_on_commit_callbacks
):
    admin = administrateur()
    with django_capture_on_commit_callbacks(execute=False):  # the broker is away
        user = compte_creer(
            user=User(email="entre@deux.fr", first_name="A", last_name="B"),
            groupes=Group.objects.filter(name=GESTIONNAIRE),
            par=admin,
        )
    compte_activer(user=user, mot_de_passe=MOT_DE_PASSE)
    assert envois_expedier()["annule"] == 1
    assert mail.outbox == []
    envoi = Envoi.objects.get(destinataire=user)
    assert envoi.statut == Envoi.Statut.ANNULE and "déjà activé" in envoi.erreur


def test_a_gestionnaire_opens_ordinary_accounts_only(client, django_capture_on_commit_callbacks):
    connecter(client, gestionnaire())
    page = client.get(AJOUT)
    assert set(page.context["adminform"].form.fields) == {"email", "first_name", "last_name"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            AJOUT,
            {
                "email": "membre@partenaire.fr",
                "first_name": "Nora",
                "last_name": "Diallo",
                "groups": [Group.objects.get(name=ADMINISTRATEUR).pk],  # not theirs to give
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="membre@partenaire.fr")
    assert not user.is_staff and not user.groups.exists()
    assert not user.has_usable_password()
    assert "double authentification" not in mail.outbox[0].body

    # Its owner activates it and lands in their own space.
    client.logout()
    formulaire = client.get(lien_recu())["Location"]
    fait = client.post(formulaire, {"new_password1": MOT_DE_PASSE, "new_password2": MOT_DE_PASSE})
    assert fait["Location"] == reverse("espace")
    assert "Votre compte est activé." in messages_de(fait)


def test_an_address_already_taken_is_refused(client):
    UserFactory(email="pris@exemple.fr")
    connecter(client, administrateur())
    response = client.post(AJOUT, {"email": "Pris@Exemple.fr", "first_name": "A", "last_name": "B"})
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse." in texte(response)
    assert Envoi.objects.count() == 0


def test_a_staff_password_is_never_chosen_in_the_admin(client):
    connecter(client, administrateur())
    equipier = gestionnaire()
    page = reverse("admin:auth_user_password_change", args=[equipier.pk])
    response = client.post(
        page, {"password1": MOT_DE_PASSE, "password2": MOT_DE_PASSE}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "admin:mentorat_user_change", args=[equipier.pk]
    )
    assert "ne se choisit pas ici" in texte(response)
    equipier.refresh_from_db()
    assert not equipier.check_password(MOT_DE_PASSE)
    # Other accounts keep the admin's password form.
    personne = UserFactory()
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[personne.pk])).status_code
        == 200
    )


def test_the_activation_link_names_the_account_it_opens(django_capture_on_commit_callbacks):
    user = compte_creer(
        user=User(email="x@y.fr", first_name="X", last_name="Y"), groupes=[], par=None
    )
    lien = activation_url(user)
    assert chemin(lien).startswith("/comptes/activer/")
    assert (
        comptes.jetons_activation.etat(user, lien.rstrip("/").rsplit("/", 1)[-1]) == comptes.VALIDE
    )
