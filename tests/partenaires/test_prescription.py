"""Referral by a partner member: invitation e-mail, signed expiring link, pre-filled sign-up."""

import datetime as dt
import html
import re

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from parrainages.models import Candidature
from partenaires.models import Membre, Prescription
from partenaires.services import (
    INVITATION_SALT,
    LECTURE_SEULE,
    invitation_jeton,
    prescription_creer,
)
from tests.mentorat.factories import UserFactory, gestionnaire
from tests.parrainages.factories import FilleulFactory, ParrainFactory
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def membre():
    return MembreFactory(partenaire__nom="Mission locale de Toulouse")


@pytest.fixture
def programme():
    return ProgrammeFactory(nom="Profession-emploi", slug="profession-emploi")


def prescrire(client, membre, programme, **overrides):
    data = {
        "partenaire": membre.partenaire.pk,
        "programme": programme.pk,
        "prenom": "Sarah",
        "nom": "Diallo",
        "email": "sarah.diallo@exemple.fr",
        "message": "Comme convenu lors de notre entretien.",
        **overrides,
    }
    return client.post(reverse("partenaires:prescrire"), data)


def test_member_refers_a_person(client, membre, programme, django_capture_on_commit_callbacks):
    client.force_login(membre.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = prescrire(client, membre, programme)
    assert response.status_code == 302
    prescription = Prescription.objects.get()
    assert prescription.partenaire == membre.partenaire
    assert prescription.conseiller == membre.user
    assert mail.outbox[0].to == ["sarah.diallo@exemple.fr"]
    assert "Mission locale de Toulouse" in mail.outbox[0].body
    assert re.search(r"/invitation/[^/\s]+/", mail.outbox[0].body)
    listing = client.get(reverse("partenaires:accueil")).content.decode()
    assert "Sarah Diallo" in listing


def test_the_invitation_carries_no_free_text_of_the_counsellor(
    client, membre, programme, django_capture_on_commit_callbacks
):
    """The invitation goes to an address typed by a partner member: it names the partner and
    the counsellor's account, never the names or words typed in the form."""
    membre.user.first_name, membre.user.last_name = "Service des impôts", "(remboursement)"
    membre.user.save()
    client.force_login(membre.user)
    with django_capture_on_commit_callbacks(execute=True):
        prescrire(
            client,
            membre,
            programme,
            prenom="Gagnant du tirage",
            nom="http://lots.example/reclamer",
            message="Réclamez votre lot sur http://lots.example avant ce soir.",
        )
    (message,) = mail.outbox
    corps = message.body + "".join(str(contenu) for contenu, _type in message.alternatives)
    for texte_libre in ("Gagnant", "lots.example", "Réclamez", "impôts", "remboursement"):
        assert texte_libre not in corps + message.subject, texte_libre
    assert "Mission locale de Toulouse" in corps
    assert membre.user.email in corps
    assert "message" in corps  # the counsellor's words are read on the site, after the link

    # The invitation's page shows them, under the partner's name.
    lien = re.search(r"https?://\S+(/invitation/[^/\s]+/)", message.body)[1]
    client.logout()
    page = client.get(lien, follow=True)
    contenu = html.unescape(page.content.decode())
    assert "Réclamez votre lot sur http://lots.example avant ce soir." in contenu
    assert "Mission locale de Toulouse" in contenu


def test_bad_input_and_duplicates(client, membre, programme):
    client.force_login(membre.user)
    bad = prescrire(client, membre, programme, email="pas-une-adresse", prenom="")
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"email", "prenom"}
    assert not Prescription.objects.exists()
    prescrire(client, membre, programme)
    # The same referral posted again by the same counsellor (a double click): the first one.
    again = prescrire(client, membre, programme, email="SARAH.DIALLO@exemple.fr")
    assert again.status_code == 302
    assert Prescription.objects.count() == 1
    # Another counsellor referring the same person meanwhile: recorded too, told nothing of
    # the first referral (several referrals of one person are allowed, see test_orientations).
    collegue = MembreFactory(partenaire=membre.partenaire)
    client.force_login(collegue.user)
    autre = prescrire(client, collegue, programme, email="sarah.diallo@exemple.fr")
    assert autre.status_code == 302
    assert Prescription.objects.count() == 2


def test_member_cannot_refer_for_another_partner(client, membre, programme):
    other = MembreFactory()
    client.force_login(membre.user)
    response = prescrire(client, membre, programme, partenaire=other.partenaire.pk)
    assert response.status_code == 200
    assert "partenaire" in response.context["form"].errors
    assert not Prescription.objects.exists()


@pytest.mark.parametrize("url_name", ["partenaires:accueil", "partenaires:prescrire"])
def test_partner_pages_access(client, url_name, membre):
    url = reverse(url_name)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    inactive = MembreFactory(actif=False)
    for user in (FilleulFactory().user, ParrainFactory().user, UserFactory(), inactive.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(membre.user)
    assert client.get(url).status_code == 200


def test_partner_sees_only_its_referrals(client, membre, programme, django_assert_num_queries):
    for i in range(6):
        Prescription.objects.create(
            partenaire=membre.partenaire,
            conseiller=membre.user,
            programme=programme,
            prenom=f"Personne{i}",
            nom="Orientée",
            email=f"p{i}@exemple.fr",
        )
    other = MembreFactory()
    Prescription.objects.create(
        partenaire=other.partenaire,
        programme=programme,
        prenom="Autre",
        nom="Structure",
        email="autre@exemple.fr",
    )
    client.force_login(membre.user)
    # Session, user, partners, conventions, referred people, invitations, reports, savepoints.
    with django_assert_num_queries(8):
        content = client.get(reverse("partenaires:accueil")).content.decode()
    assert "Personne5 Orientée" in content
    assert "Autre Structure" not in content


def invitation(programme, membre, **kwargs):
    return Prescription.objects.create(
        partenaire=membre.partenaire,
        conseiller=membre.user,
        programme=programme,
        prenom="Sarah",
        nom="Diallo",
        email="sarah@exemple.fr",
        **kwargs,
    )


def test_invitation_prefills_signup_and_records_the_prescriber(client, membre, programme):
    prescription = invitation(programme, membre)
    url = reverse("invitation", kwargs={"jeton": invitation_jeton(prescription)})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_signup") + "?email=sarah%40exemple.fr")
    signup = client.get(response["Location"])
    form = signup.context["form"]
    assert form.initial["first_name"] == "Sarah"
    assert form.initial["email"] == "sarah@exemple.fr"
    # The person signs up and fills the profile: the referral is linked and used.
    user = UserFactory(email="sarah@exemple.fr")
    client.force_login(user)
    from programmes.models import Commune
    from tests.parrainages.helpers import STEPS, walk_profile

    Commune.objects.create(
        code_insee="31555",
        nom="Toulouse",
        code_postal="31000",
        codes_postaux="31000",
        departement="31",
    )
    walk_profile(client, STEPS)
    prescription.refresh_from_db()
    assert prescription.utilisee_le is not None
    assert prescription.filleul.user == user
    assert prescription.filleul.prescripteur == membre.partenaire
    client.post(reverse("candidater", kwargs={"slug": programme.slug}), {"confirmation": "on"})
    candidature = Candidature.objects.get()
    assert candidature.source == Candidature.Source.PRESCRIPTION
    assert candidature.prescripteur == membre.partenaire
    # Used: the link no longer works.
    used = client.get(url)
    assert used.status_code == 400
    assert "déjà été utilisée" in used.content.decode()


def test_tampered_and_expired_links(client, membre, programme, monkeypatch):
    prescription = invitation(programme, membre)
    jeton = invitation_jeton(prescription)
    tampered = client.get(reverse("invitation", kwargs={"jeton": jeton[:-2] + "xx"}))
    assert tampered.status_code == 400
    assert "n'est pas valide" in html.unescape(tampered.content.decode())
    forged = signing.dumps({"p": prescription.pk}, salt="autre-chose")
    assert client.get(reverse("invitation", kwargs={"jeton": forged})).status_code == 400
    old = timezone.now() - dt.timedelta(days=31)
    monkeypatch.setattr("time.time", lambda: old.timestamp())
    expired_token = signing.dumps({"p": prescription.pk}, salt=INVITATION_SALT, compress=True)
    monkeypatch.undo()
    expired = client.get(reverse("invitation", kwargs={"jeton": expired_token}))
    assert expired.status_code == 400
    assert "a expiré" in expired.content.decode()


def test_staff_and_mentors_are_not_partner_members(client):
    client.force_login(gestionnaire())
    assert client.get(reverse("partenaires:prescrire")).status_code == 404


def test_a_read_only_member_cannot_send_an_invitation():
    lecteur = MembreFactory(role=Membre.Role.LECTEUR)
    with pytest.raises(ValidationError) as refus:
        prescription_creer(
            par=lecteur.user,
            partenaire=lecteur.partenaire,
            programme=ProgrammeFactory(),
            prenom="Sami",
            nom="Diallo",
            email="sami@exemple.fr",
        )
    assert refus.value.messages == [LECTURE_SEULE]
    assert not Prescription.objects.exists()
