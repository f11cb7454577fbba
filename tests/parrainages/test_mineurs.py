"""Minors: a legal guardian given with the profile, the guardian's consent by link and code
before the application goes on, guardians told of meetings, the background check of the
mentors of minors, schools and the "élève de 3e en REP" eligibility."""

import datetime as dt
import html
import re

import icalendar
import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi, Partie
from mentorat.signatures import parties_de
from parrainages.eligibilite import eligibility
from parrainages.models import (
    AutorisationParentale,
    Candidature,
    Filleul,
    MatchingRun,
    Parrainage,
    RepresentantLegal,
)
from parrainages.services import (
    candidature_deposer,
    candidature_desister,
    filleul_enregistrer_profil,
    filleul_exporter,
    parrainage_accepter,
    rencontre_annuler,
    rencontre_planifier,
)
from parrainages.services.matching import proposition_confirmer
from parrainages.services.mineurs import autorisation_relancer
from partenaires.models import Partenaire
from partenaires.uai import uai_cle, uai_valider
from programmes.models import Commune, Situation
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import (
    FilleulFactory,
    MineurFactory,
    ParrainageFactory,
    ParrainFactory,
)
from tests.parrainages.helpers import STEPS, lancer, parrain, programme_de_ville, retenu
from tests.partenaires.factories import PartenaireFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def texte(response) -> str:
    return html.unescape(response.content.decode())


def naissance(ans: int) -> dt.date:
    jour = timezone.localdate() - dt.timedelta(days=30)
    return jour.replace(year=jour.year - ans, day=min(jour.day, 28))


@pytest.fixture
def toulouse():
    return Commune.objects.create(
        code_insee="31555",
        nom="Toulouse",
        code_postal="31000",
        codes_postaux="31000",
        departement="31",
        latitude=43.6,
        longitude=1.44,
    )


@pytest.fixture
def club():
    """A pupils' programme: 13 to 16, for 3e pupils in REP schools."""
    return ProgrammeFactory(
        slug="club", nom="Club des 1.000", age_min=13, age_max=16, public_eleves=True
    )


@pytest.fixture
def college(toulouse):
    return PartenaireFactory(etablissement=True, nom="Collège Jean Jaurès", commune=toulouse)


TUTEUR = {
    "rl1_prenom": "Nadia",
    "rl1_nom": "Benali",
    "rl1_lien": "mere",
    "rl1_email": "nadia.benali@exemple.fr",
    "rl1_telephone": "06 11 22 33 44",
}


def mineur_steps(college=None):
    """A 14-year-old's profile: identity, guardian, place, situation, (school), project,
    consent."""
    steps = [
        {**STEPS[1], "date_naissance": naissance(14).isoformat()},
        TUTEUR,
        STEPS[2],
        {**STEPS[3], "situation": Situation.ELEVE_3E_REP, "identifiant_france_travail": ""},
    ]
    if college is not None:
        steps.append({"etablissement": college.uai, "niveau": "3e", "division": "B"})
    return [*steps, STEPS[4], STEPS[5]]


def remplir(client, steps):
    reponse = None
    for numero, data in enumerate(steps, start=1):
        reponse = client.post(reverse("filleul:profil", kwargs={"etape": numero}), data)
    return reponse


def lien_du_courriel(message) -> str:
    return re.search(r"(/signature/[^/\s]+/)", message.body)[1]


def code_du_courriel(message) -> str:
    return re.search(r"^(\d{6})$", message.body, re.MULTILINE)[1]


# --- Sign-up: a guardian, or nothing is saved ---------------------------------------------------


def test_a_minor_without_a_guardian_is_asked_for_one_and_nothing_is_saved(client, toulouse):
    user = UserFactory(first_name="", last_name="")
    client.force_login(user)
    etape1 = client.post(
        reverse("filleul:profil", kwargs={"etape": 1}),
        {**STEPS[1], "date_naissance": naissance(14).isoformat()},
    )
    # The next step is the guardian's.
    assert etape1["Location"] == reverse("filleul:profil", kwargs={"etape": 2})
    page = client.get(etape1["Location"])
    assert "Représentant légal" in texte(page) and "moins de 18 ans" in texte(page)

    vide = client.post(reverse("filleul:profil", kwargs={"etape": 2}), {})
    assert vide.status_code == 200
    assert "obligatoire" in " ".join(vide.context["form"].errors["rl1_email"])
    soi_meme = client.post(
        reverse("filleul:profil", kwargs={"etape": 2}), {**TUTEUR, "rl1_email": user.email}
    )
    assert "pas la vôtre" in " ".join(soi_meme.context["form"].errors["rl1_email"])
    second_incomplet = client.post(
        reverse("filleul:profil", kwargs={"etape": 2}), {**TUTEUR, "rl2_prenom": "Karim"}
    )
    assert "Second représentant légal" in " ".join(
        second_incomplet.context["form"].errors["rl2_email"]
    )
    assert not Filleul.objects.filter(user=user).exists()
    assert not RepresentantLegal.objects.exists()


def test_the_service_refuses_a_minor_without_a_guardian_and_saves_nothing(toulouse):
    user = UserFactory(first_name="Avant", last_name="Avant")
    donnees = {
        "first_name": "Léa",
        "last_name": "Martin",
        "telephone": "",
        "date_naissance": naissance(14),
        "commune": toulouse,
        "qpv": "non",
        "situation": Situation.ELEVE_3E_REP,
        "niveau_diplome": 0,
        "mobilite_km": 5,
        "consentement": True,
    }
    with pytest.raises(ValidationError, match="au moins un représentant légal"):
        filleul_enregistrer_profil(user=user, donnees=donnees)
    with pytest.raises(ValidationError, match="différente de la vôtre"):
        filleul_enregistrer_profil(
            user=user,
            donnees={
                **donnees,
                "representants": [
                    {"prenom": "A", "nom": "B", "lien": "pere", "email": user.email.upper()}
                ],
            },
        )
    user.refresh_from_db()
    assert user.first_name == "Avant"
    assert not Filleul.objects.exists() and not RepresentantLegal.objects.exists()


def test_a_minor_with_a_guardian_applies_and_the_application_waits(client, toulouse, club, college):
    user = UserFactory(first_name="", last_name="")
    client.force_login(user)
    suite = reverse("candidater", kwargs={"slug": club.slug})
    client.get(reverse("filleul:profil", kwargs={"etape": 1}) + f"?suite={suite}")
    fin = remplir(client, mineur_steps(college))
    assert fin["Location"] == suite
    filleul = Filleul.objects.get(user=user)
    (tuteur,) = filleul.representants_legaux.all()
    assert (tuteur.prenom, tuteur.email, tuteur.telephone) == (
        "Nadia",
        "nadia.benali@exemple.fr",
        "0611223344",
    )
    assert (filleul.etablissement, filleul.classe) == (college, "3e B")

    page = client.get(suite)
    assert "Classe : 3e B — élève de 3e ✓" in texte(page)
    assert "Collège Jean Jaurès (REP) — collège en REP ou REP+ ✓" in texte(page)
    mail.outbox.clear()
    reponse = client.post(suite, {"confirmation": "on"})
    assert reponse.status_code == 302
    messages = [str(m) for m in get_messages(reponse.wsgi_request)]
    assert any("représentant légal" in m for m in messages)

    candidature = Candidature.objects.get(filleul=filleul)
    assert candidature.statut == Candidature.Statut.ATTENTE_AUTORISATION
    assert candidature.get_statut_display() == "En attente de l'accord du représentant légal"
    autorisation = candidature.autorisation_parentale
    assert autorisation.statut == AutorisationParentale.Statut.EN_ATTENTE
    assert "Club des 1.000" in autorisation.texte and user.get_full_name() in autorisation.texte
    for attendu in ("parrain ou une marraine", "invitation", "convention", "article 45"):
        assert attendu in autorisation.texte, attendu
    (partie,) = parties_de(autorisation)
    assert (partie.email, partie.user_id, partie.role) == (
        "nadia.benali@exemple.fr",
        None,
        f"representant_{tuteur.pk}",
    )
    # The guardian's link; the minor's receipt says the application waits for it.
    recu, invitation = sorted(mail.outbox, key=lambda m: m.to != [user.email])
    assert recu.to == [user.email] and "représentant légal" in recu.body
    assert invitation.to == ["nadia.benali@exemple.fr"]
    assert lien_du_courriel(invitation)
    # The link is a credential: its row is confidential (emptied once sent).
    assert Envoi.objects.get(regle="autorisation_parentale").confidentiel
    # The space shows where it stands.
    assert "En attente de l'accord du représentant légal" in texte(
        client.get(reverse("filleul:tableau_de_bord"))
    )


@pytest.fixture
def demande(club, college):
    """A minor's application waiting for their guardian, and the guardian's e-mailed link."""
    filleul = MineurFactory(etablissement=college, user__first_name="Léa")
    mail.outbox.clear()
    candidature = candidature_deposer(filleul=filleul, programme=club)
    # The guardian's link (the minor also gets the receipt).
    (invitation,) = [m for m in mail.outbox if m.to != [filleul.user.email]]
    mail.outbox.clear()
    return candidature, lien_du_courriel(invitation)


def test_the_guardian_consents_by_link_and_code_and_the_application_is_deposited(client, demande):
    candidature, lien = demande
    page = client.get(lien)
    assert page.status_code == 200
    assert "Ce à quoi vous donnez votre accord" in texte(page)
    assert "Club des 1.000" in texte(page)

    client.post(lien, {"action": "demander", "acceptation": "on"})
    (code_mail,) = mail.outbox
    tuteur = candidature.filleul.representants_legaux.get()
    assert code_mail.to == [tuteur.email]
    mauvais = client.post(lien, {"action": "confirmer", "code": "000000"})
    assert "Code incorrect" in texte(mauvais) or code_du_courriel(code_mail) == "000000"
    reponse = client.post(lien, {"action": "confirmer", "code": code_du_courriel(code_mail)})
    assert reponse.status_code == 302

    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.DEPOSEE
    autorisation = candidature.autorisation_parentale
    assert autorisation.statut == AutorisationParentale.Statut.ACCORDEE
    tuteur.refresh_from_db()
    assert tuteur.consentement_le is not None
    partie = Partie.objects.get()
    assert partie.signee_le == tuteur.consentement_le
    assert partie.texte_sha256 == autorisation.texte_sha256
    # The minor is told; the guardian keeps a copy of the text.
    sujets = {m.to[0]: m.subject for m in mail.outbox[1:]}
    assert "est déposée" in sujets[candidature.filleul.user.email]
    assert "accord est enregistré" in sujets[tuteur.email]


def test_a_reused_link_says_consent_was_given_and_changes_nothing(client, demande):
    candidature, lien = demande
    client.post(lien, {"action": "demander", "acceptation": "on"})
    client.post(lien, {"action": "confirmer", "code": code_du_courriel(mail.outbox[-1])})
    signee_le = Partie.objects.get().signee_le

    page = client.get(lien)
    assert "Votre accord a déjà été donné le" in texte(page)
    assert 'name="action" value="demander"' not in texte(page)
    envois = len(mail.outbox)
    for action in (
        {"action": "demander", "acceptation": "on"},
        {"action": "refuser", "motif": "x"},
    ):
        reponse = client.post(lien, action, follow=True)
        assert "Vous n'avez rien à signer sur ce document" in texte(reponse)
    assert len(mail.outbox) == envois
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.DEPOSEE
    assert Partie.objects.get().signee_le == signee_le


def test_an_expired_link_says_so_in_french_and_changes_nothing(client, demande):
    candidature, lien = demande
    Partie.objects.update(jeton_expire_le=timezone.now() - dt.timedelta(minutes=1))
    for reponse in (
        client.get(lien),
        client.post(lien, {"action": "demander", "acceptation": "on"}),
    ):
        assert reponse.status_code == 404
        assert "Ce lien a expiré" in texte(reponse)
    assert not mail.outbox
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.ATTENTE_AUTORISATION
    assert Partie.objects.get().signee_le is None


def test_a_refusal_withdraws_the_application_and_tells_the_minor(client, demande):
    candidature, lien = demande
    sans_motif = client.post(lien, {"action": "refuser", "motif": ""})
    assert "Indiquez pourquoi" in texte(sans_motif)
    client.post(lien, {"action": "refuser", "motif": "Trop de trajets pendant l'année scolaire."})
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.DESISTEE
    assert "Trop de trajets" in candidature.motif_refus
    assert candidature.autorisation_parentale.statut == AutorisationParentale.Statut.REFUSEE
    (message,) = mail.outbox
    assert message.to == [candidature.filleul.user.email]
    assert "retirée" in message.subject and "Trop de trajets" in message.body


def test_staff_resend_the_link_and_the_previous_one_stops_working(client, demande):
    candidature, ancien = demande
    connecter(client, gestionnaire())
    autorisation = candidature.autorisation_parentale
    url = reverse("admin:parrainages_autorisationparentale_changelist")
    page = client.get(
        reverse("admin:parrainages_autorisationparentale_change", args=[autorisation.pk])
    )
    assert "en attente" in texte(page)
    client.post(url, {"action": "relancer", "_selected_action": [autorisation.pk]})
    (invitation,) = mail.outbox
    nouveau = lien_du_courriel(invitation)
    assert nouveau != ancien
    client.logout()
    assert "remplacé par un lien plus récent" in texte(client.get(ancien))
    assert client.get(nouveau).status_code == 200
    # Once answered, nothing to resend.
    candidature_desister(candidature=candidature)
    with pytest.raises(ValidationError, match="rien à renvoyer"):
        autorisation_relancer(autorisation=autorisation)


def test_a_withdrawn_application_closes_the_guardian_link(client, demande):
    candidature, lien = demande
    candidature_desister(candidature=candidature)
    # The minor and the guardian are told of the withdrawal (the decisions' messages).
    assert {m.to[0] for m in mail.outbox} == {
        candidature.filleul.user.email,
        candidature.filleul.representants_legaux.get().email,
    }
    mail.outbox.clear()
    candidature.autorisation_parentale.refresh_from_db()
    assert candidature.autorisation_parentale.statut == AutorisationParentale.Statut.ANNULEE
    page = client.get(lien)
    assert "votre accord n'est plus demandé" in texte(page)
    reponse = client.post(lien, {"action": "demander", "acceptation": "on"}, follow=True)
    assert "rien à signer" in texte(reponse)
    assert not mail.outbox


def test_staff_cannot_study_an_application_waiting_for_consent(client, demande):
    candidature, _ = demande
    connecter(client, gestionnaire())
    client.post(
        reverse("admin:parrainages_candidature_changelist"),
        {"action": "etudier", "_selected_action": [candidature.pk]},
    )
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.ATTENTE_AUTORISATION


def test_the_mentee_admin_keeps_a_guardian_for_a_minor(client):
    connecter(client, gestionnaire())
    filleul = MineurFactory()
    tuteur = filleul.representants_legaux.get()
    url = reverse("admin:parrainages_filleul_change", args=[filleul.pk])
    donnees = form_data(client.get(url))
    assert donnees["representants_legaux-0-email"] == tuteur.email
    sans_tuteur = client.post(url, {**donnees, "representants_legaux-0-DELETE": "on"})
    assert "moins de 18 ans : indiquez au moins un représentant légal" in texte(sans_tuteur)
    son_adresse = client.post(url, {**donnees, "representants_legaux-0-email": filleul.user.email})
    assert "différente de celle du filleul" in texte(son_adresse)
    assert filleul.representants_legaux.get() == tuteur
    # An adult needs none.
    adulte = FilleulFactory()
    url = reverse("admin:parrainages_filleul_change", args=[adulte.pk])
    assert client.post(url, form_data(client.get(url))).status_code == 302


def test_an_adult_application_is_deposited_at_once(club):
    programme = ProgrammeFactory()
    candidature = candidature_deposer(filleul=FilleulFactory(), programme=programme)
    assert candidature.statut == Candidature.Statut.DEPOSEE
    assert not AutorisationParentale.objects.exists()
    # Only the receipt, to the applicant.
    (recu,) = mail.outbox
    assert recu.to == [candidature.filleul.user.email] and "bien reçue" in recu.subject


def test_a_minor_whose_guardian_is_gone_cannot_apply(club, college):
    filleul = MineurFactory(etablissement=college)
    filleul.representants_legaux.all().delete()
    with pytest.raises(ValidationError, match="représentant légal"):
        candidature_deposer(filleul=filleul, programme=club)
    assert not Candidature.objects.exists()


# --- Too young --------------------------------------------------------------------------------


def test_signing_up_under_the_programme_minimum_age_is_refused_kindly(client, toulouse, club):
    adultes = ProgrammeFactory(slug="adultes", nom="Emploi adultes", age_min=18)
    client.force_login(UserFactory())
    suite = reverse("candidater", kwargs={"slug": adultes.slug})
    client.get(reverse("filleul:profil", kwargs={"etape": 1}) + f"?suite={suite}")
    reponse = client.post(
        reverse("filleul:profil", kwargs={"etape": 1}),
        {**STEPS[1], "date_naissance": naissance(14).isoformat()},
    )
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Merci de votre intérêt" in page
    assert "accueille les personnes à partir de 18 ans : à 14 ans" in page
    # The programmes open at that age are offered.
    assert "Les programmes ouverts à votre âge" in page and club.nom in page
    assert "Emploi adultes</a>" not in page
    assert "profil_filleul" not in client.session


def test_a_twelve_year_old_cannot_apply_to_an_adult_programme(client, club):
    adultes = ProgrammeFactory(slug="adultes", nom="Emploi adultes", age_min=18, age_max=30)
    filleul = MineurFactory(date_naissance=naissance(12))
    with pytest.raises(ValidationError, match="de 18 à 30 ans : à 12 ans"):
        candidature_deposer(filleul=filleul, programme=adultes)
    client.force_login(filleul.user)
    page = texte(client.get(reverse("candidater", kwargs={"slug": adultes.slug})))
    assert "Merci de votre intérêt" in page and "Âge : 12 ans — entre 18 et 30 ans ✗" in page
    reponse = client.post(
        reverse("candidater", kwargs={"slug": adultes.slug}), {"confirmation": "on"}
    )
    assert "vous ne pouvez pas encore y participer" in texte(reponse)
    assert not Candidature.objects.exists()


def test_implausible_ages_are_still_refused(client, toulouse):
    client.force_login(UserFactory())
    reponse = client.post(
        reverse("filleul:profil", kwargs={"etape": 1}),
        {**STEPS[1], "date_naissance": naissance(8).isoformat()},
    )
    assert "pas plausible" in " ".join(reponse.context["form"].errors["date_naissance"])


# --- Guardians are told ------------------------------------------------------------------------


def _donnees_rencontre():
    return {
        "debut": (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0),
        "duree_minutes": 45,
        "modalite": "presentiel",
        "lieu": "Médiathèque, 2 place du Marché",
        "sujet": "Découvrir les métiers de la logistique",
    }


def test_meeting_invitations_and_cancellations_reach_each_guardian():
    filleul = MineurFactory()
    second = filleul.representants_legaux.create(
        prenom="Karim", nom="Benali", lien="pere", email="karim@exemple.fr", telephone="0600000000"
    )
    pair = ParrainageFactory(filleul=filleul, actif=True)
    rencontre = rencontre_planifier(
        parrainage=pair, par=pair.parrain.user, donnees=_donnees_rencontre()
    )
    tuteurs = {r.email for r in filleul.representants_legaux.all()}
    assert second.email in tuteurs
    recus = {m.to[0]: m for m in mail.outbox}
    assert set(recus) == {pair.parrain.user.email, filleul.user.email, *tuteurs}
    message = recus[second.email]
    assert "représentant légal" in message.body and "Médiathèque" in message.body
    name, contenu, mimetype = message.attachments[0]
    assert name == "rencontre.ics" and "method=REQUEST" in mimetype
    event = next(iter(icalendar.Calendar.from_ical(contenu).walk("VEVENT")))
    assert event.decoded("dtstart") == rencontre.debut
    # Each guardian has a key of their own.
    cles = set(Envoi.objects.filter(email__in=tuteurs).values_list("cle", flat=True))
    assert cles == {
        f"rencontre_invitation:{rencontre.pk}:REQUEST:rl{r.pk}"
        for r in filleul.representants_legaux.all()
    }

    mail.outbox.clear()
    rencontre_annuler(rencontre=rencontre, par=pair.parrain.user)
    annulations = [m for m in mail.outbox if m.to[0] in tuteurs]
    assert len(annulations) == 2 and all("annulée" in m.subject for m in annulations)
    assert all("method=CANCEL" in m.attachments[0][2] for m in annulations)


def test_an_adult_mentees_parents_are_never_written_to():
    filleul = FilleulFactory()
    filleul.representants_legaux.create(
        prenom="Ancien", nom="Tuteur", lien="pere", email="ancien@exemple.fr"
    )
    pair = ParrainageFactory(filleul=filleul, actif=True)
    rencontre_planifier(parrainage=pair, par=pair.parrain.user, donnees=_donnees_rencontre())
    assert "ancien@exemple.fr" not in {m.to[0] for m in mail.outbox}


def test_guardians_learn_that_the_pair_starts():
    filleul = MineurFactory()
    proposition = ParrainageFactory(filleul=filleul, attente=True)
    parrainage_accepter(parrainage=proposition, par=proposition.parrain.user)
    tuteur = filleul.representants_legaux.get()
    (message,) = [m for m in mail.outbox if m.to == [tuteur.email]]
    assert message.subject == "[Mentorat] Le parrainage commence"
    assert proposition.parrain.entreprise in message.body


# --- Background check of the mentors of minors ----------------------------------------------------


@pytest.fixture
def ville():
    programme = programme_de_ville()
    programme.controle_honorabilite_requis = True
    programme.save()
    return programme


def _mineur_retenu(programme):
    candidature = retenu(programme)
    filleul = candidature.filleul
    filleul.date_naissance = naissance(15)
    filleul.save()
    return filleul


def test_a_minor_is_paired_only_with_the_checked_mentor(ville):
    mineur = _mineur_retenu(ville)
    # The unchecked mentor fits better (same sector, same slots); the checked one does not.
    non_verifie = parrain(ville)
    verifie = parrain(ville, secteurs=("D",), dispo=("sam_matin",))
    verifie.honorabilite_verifiee_le = timezone.localdate()
    verifie.save()

    run = lancer(ville)

    (paire,) = Parrainage.objects.filter(matching_run=run)
    assert (paire.filleul, paire.parrain) == (mineur, verifie)
    assert not Parrainage.objects.filter(parrain=non_verifie).exists()
    assert run.parametres["controle_honorabilite_mineurs"] is True


def test_a_minor_without_a_checked_mentor_stays_unmatched_with_the_reason(ville):
    mineur = _mineur_retenu(ville)
    parrain(ville)
    parrain(ville, capacite=3)
    run = lancer(ville)
    assert not Parrainage.objects.filter(matching_run=run).exists()
    ((filleul_id, raison),) = run.non_apparies
    assert filleul_id == mineur.pk
    assert "contrôle d'honorabilité" in raison and "mineur" in raison


def test_adults_are_unaffected_by_the_background_check_rule(ville):
    adulte = retenu(ville).filleul
    non_verifie = parrain(ville)
    run = lancer(ville)
    (paire,) = Parrainage.objects.filter(matching_run=run)
    assert (paire.filleul, paire.parrain) == (adulte, non_verifie)


def test_a_programme_not_requiring_the_check_pairs_minors_as_before():
    programme = programme_de_ville()
    mineur = _mineur_retenu(programme)
    non_verifie = parrain(programme)
    run = lancer(programme)
    assert run.statut == MatchingRun.Statut.TERMINE
    (paire,) = Parrainage.objects.filter(matching_run=run)
    assert (paire.filleul, paire.parrain) == (mineur, non_verifie)


def test_the_age_counts_on_the_day_of_the_run(ville):
    """Eighteen today: an adult for the run; eighteen tomorrow: still a minor."""
    aujourdhui = timezone.localdate()
    try:
        dix_huit_ans = aujourdhui.replace(year=aujourdhui.year - 18)
    except ValueError:  # 29 February: born on the 28th, eighteen too
        dix_huit_ans = aujourdhui.replace(year=aujourdhui.year - 18, day=28)
    majeur, mineur = retenu(ville).filleul, retenu(ville).filleul
    majeur.date_naissance = dix_huit_ans
    mineur.date_naissance = dix_huit_ans + dt.timedelta(days=1)
    for filleul in (majeur, mineur):
        filleul.save()
    parrain(ville, capacite=2)
    run = lancer(ville)
    assert [p.filleul for p in Parrainage.objects.filter(matching_run=run)] == [majeur]
    assert [fid for fid, _ in run.non_apparies] == [mineur.pk]


def test_confirming_a_proposal_of_a_minor_needs_the_check(ville):
    proposition = ParrainageFactory(programme=ville, filleul=MineurFactory())
    with pytest.raises(ValidationError, match="contrôle d'honorabilité"):
        proposition_confirmer(parrainage=proposition)
    proposition.refresh_from_db()
    assert proposition.statut == Parrainage.Statut.PROPOSITION
    proposition.parrain.honorabilite_verifiee_le = timezone.localdate()
    proposition.parrain.save()
    assert proposition_confirmer(parrainage=proposition).statut == "attente_parrain"


def test_accepting_a_minor_needs_the_check(ville):
    proposition = ParrainageFactory(programme=ville, filleul=MineurFactory(), attente=True)
    with pytest.raises(ValidationError, match="contrôle d'honorabilité"):
        parrainage_accepter(parrainage=proposition, par=proposition.parrain.user)
    proposition.refresh_from_db()
    assert proposition.statut == Parrainage.Statut.ATTENTE_PARRAIN


def test_a_pair_typed_in_the_admin_follows_the_rule(client, ville):
    connecter(client, gestionnaire())
    mineur, mentor = MineurFactory(), ParrainFactory()
    donnees = {
        "programme": ville.pk,
        "parrain": mentor.pk,
        "filleul": mineur.pk,
        "forme": "regulier",
        "statut": "proposition",
        "objectifs": "",
        **{
            f"{p}-{k}": v
            for p in ("rencontres", "immersions", "sorties")
            for k, v in (
                ("TOTAL_FORMS", "0"),
                ("INITIAL_FORMS", "0"),
            )
        },
    }
    reponse = client.post(reverse("admin:parrainages_parrainage_add"), donnees)
    assert reponse.status_code == 200
    assert "aucun contrôle n'est enregistré" in texte(reponse)
    assert not Parrainage.objects.exists()


def test_staff_record_the_check_themselves(client):
    equipe = gestionnaire()
    connecter(client, equipe)
    mentor = ParrainFactory()
    url = reverse("admin:parrainages_parrain_change", args=[mentor.pk])
    donnees = form_data(client.get(url))
    futur = client.post(url, {**donnees, "controle_honorabilite_le": "2999-01-01"})
    assert "ne peut pas être dans le futur" in texte(futur)
    mentor.refresh_from_db()
    assert mentor.honorabilite_verifiee_le is None

    hier = timezone.localdate() - dt.timedelta(days=1)
    # Whoever is named in the post, the staff member saving is recorded.
    reponse = client.post(
        url,
        {
            **donnees,
            "controle_honorabilite_le": hier.isoformat(),
            "honorabilite_verifiee_par": UserFactory().pk,
        },
    )
    assert reponse.status_code == 302
    mentor.refresh_from_db()
    assert (mentor.honorabilite_verifiee_le, mentor.honorabilite_verifiee_par) == (hier, equipe)
    assert f"Fait le {hier:%d/%m/%Y}, enregistré par" in texte(client.get(url))

    autre = ParrainFactory()
    client.post(
        reverse("admin:parrainages_parrain_changelist"),
        {"action": "enregistrer_honorabilite", "_selected_action": [autre.pk]},
    )
    autre.refresh_from_db()
    assert (autre.honorabilite_verifiee_le, autre.honorabilite_verifiee_par) == (
        timezone.localdate(),
        equipe,
    )


# --- Schools and the "élève de 3e en REP" eligibility ---------------------------------------------


@pytest.mark.parametrize(
    ("classe", "reseau", "avec_college", "ok_classe", "ok_college", "ligne"),
    [
        ("3e B", "rep", True, True, True, "Collège Jean Jaurès (REP) — collège en REP ou REP+ ✓"),
        ("3e", "rep_plus", True, True, True, "Collège Jean Jaurès (REP+)"),
        ("4e A", "rep", True, False, True, "Classe : 4e A — élève de 3e ✗"),
        ("3e", "", True, True, False, "(hors éducation prioritaire) — collège en REP ou REP+ ✗"),
        (
            "3e",
            "rep",
            False,
            True,
            False,
            "Établissement : non renseigné — collège en REP ou REP+ ✗",
        ),
        ("", "rep", True, False, True, "Classe : non renseignée — élève de 3e ✗"),
    ],
)
def test_pupils_eligibility_checks_the_class_and_the_school(
    club, college, classe, reseau, avec_college, ok_classe, ok_college, ligne
):
    college.education_prioritaire = reseau
    college.save()
    filleul = MineurFactory(classe=classe, etablissement=college if avec_college else None)
    verdict = eligibility(club, filleul)
    criteres = {c.code: c for c in verdict.criteres}
    assert criteres["classe"].ok is ok_classe
    assert criteres["etablissement"].ok is ok_college
    assert verdict.eligible is (ok_classe and ok_college)
    assert any(ligne in c.ligne for c in verdict.criteres)
    snapshot = verdict.as_snapshot()["criteres"]
    assert {c["code"] for c in snapshot} >= {"classe", "etablissement"}


def test_other_programmes_do_not_ask_for_a_school(college):
    verdict = eligibility(ProgrammeFactory(), FilleulFactory())
    assert not {"classe", "etablissement"} & {c.code for c in verdict.criteres}


def test_pupils_find_their_school_by_name_commune_or_uai(client, college):
    client.force_login(UserFactory())
    PartenaireFactory(etablissement=True, nom="Collège Victor Hugo")
    PartenaireFactory(nom="Collège d'une mission locale")  # not a school
    url = reverse("filleul:etablissements_recherche")
    par_nom = client.get(url, {"q": "jaurès"}).json()["resultats"]
    assert [r["label"] for r in par_nom] == [f"Collège Jean Jaurès — Toulouse ({college.uai})"]
    assert len(client.get(url, {"q": "Toulouse"}).json()["resultats"]) == 1
    assert len(client.get(url, {"q": college.uai}).json()["resultats"]) == 1
    assert len(client.get(url, {"q": "Collège"}).json()["resultats"]) == 2
    assert client.get(url, {"q": "x"}).json()["resultats"] == []


def test_the_school_step_explains_what_it_cannot_find(client, toulouse, club, college):
    PartenaireFactory(etablissement=True, nom="Collège Jean Moulin")
    client.force_login(UserFactory())
    suite = reverse("candidater", kwargs={"slug": club.slug})
    client.get(reverse("filleul:profil", kwargs={"etape": 1}) + f"?suite={suite}")
    steps = mineur_steps()
    remplir(client, steps[:4])
    etape = reverse("filleul:profil", kwargs={"etape": 5})
    assert "Votre établissement" in texte(client.get(etape))
    inconnu = client.post(etape, {"etablissement": "Lycée de Poudlard", "niveau": "3e"})
    assert "Nous ne trouvons pas cet établissement" in texte(inconnu)
    ambigu = client.post(etape, {"etablissement": "Collège Jean", "niveau": "3e"})
    assert "Plusieurs établissements correspondent" in texte(ambigu)
    choisi = client.post(
        etape, {"etablissement": f"Collège Jean Jaurès — Toulouse ({college.uai})", "niveau": "3e"}
    )
    assert choisi.status_code == 302


@pytest.mark.parametrize(
    ("saisi", "erreur"),
    [
        ("0750655E", None),  # lycée Louis-le-Grand
        ("0750654d", None),  # lycée Henri-IV, typed in lower case
        ("0750655F", "la lettre de contrôle est E, pas F"),
        ("750655E", "7 chiffres suivis d'une lettre"),
        ("07506551", "7 chiffres suivis d'une lettre"),
    ],
)
def test_the_uai_key_letter_is_checked(saisi, erreur):
    assert uai_cle("0630001") == "J"
    if erreur is None:
        assert uai_valider(saisi) == saisi.upper()
    else:
        with pytest.raises(ValidationError, match=erreur):
            uai_valider(saisi)


def test_the_partner_admin_checks_schools(client):
    connecter(client, gestionnaire())
    url = reverse("admin:partenaires_partenaire_add")
    page = client.get(url)
    donnees = {
        **form_data(page),
        "nom": "Collège Blaise Pascal",
        "type": Partenaire.Type.ETABLISSEMENT_SCOLAIRE,
        "education_prioritaire": "rep_plus",
        "actif": "on",
    }
    mauvais = client.post(url, {**donnees, "uai": "0631234A"})
    assert "la lettre de contrôle est Z, pas A" in texte(mauvais)
    pas_une_ecole = client.post(
        url, {**donnees, "uai": "0631234Z", "type": Partenaire.Type.ASSOCIATION}
    )
    assert "Réservé aux établissements scolaires" in texte(pas_une_ecole)
    assert not Partenaire.objects.exists()
    assert client.post(url, {**donnees, "uai": "0631234z"}).status_code == 302
    ecole = Partenaire.objects.get()
    assert (ecole.uai, ecole.en_education_prioritaire) == ("0631234Z", True)
    double = client.post(url, {**donnees, "nom": "Autre collège", "uai": "0631234Z"})
    assert "déjà celui de « Collège Blaise Pascal »" in texte(double)
    liste = texte(client.get(reverse("admin:partenaires_partenaire_changelist")))
    assert "0631234Z" in liste and "REP+" in liste


# --- The mentee's data ----------------------------------------------------------------------------


def test_the_export_holds_the_guardians_and_their_consent(client, demande):
    candidature, lien = demande
    client.post(lien, {"action": "demander", "acceptation": "on"})
    client.post(lien, {"action": "confirmer", "code": code_du_courriel(mail.outbox[-1])})
    export = filleul_exporter(filleul=candidature.filleul)
    (tuteur,) = export["representants_legaux"]
    assert tuteur["email"] == candidature.filleul.representants_legaux.get().email
    assert tuteur["consentement_donne_le"]
    (accord,) = export["autorisations_parentales"]
    assert accord["statut"] == "Accord donné" and "Club des 1.000" in accord["texte"]
    assert export["profil"]["classe"] == "3e B"
    client.force_login(candidature.filleul.user)
    page = texte(client.get(reverse("filleul:donnees")))
    assert "Représentants légaux et leur accord" in page and tuteur["email"] in page


def test_the_profile_edit_keeps_the_guardians_consent(client, toulouse, demande):
    candidature, lien = demande
    client.post(lien, {"action": "demander", "acceptation": "on"})
    client.post(lien, {"action": "confirmer", "code": code_du_courriel(mail.outbox[-1])})
    filleul = candidature.filleul
    tuteur = filleul.representants_legaux.get()
    client.force_login(filleul.user)
    page = client.get(reverse("filleul:profil", kwargs={"etape": 2}))
    assert page.context["form"]["rl1_email"].value() == tuteur.email
    filleul_enregistrer_profil(
        user=filleul.user,
        donnees={
            "first_name": "Léa",
            "last_name": "Martin",
            "date_naissance": filleul.date_naissance,
            "commune": toulouse,
            "qpv": "non",
            "situation": filleul.situation,
            "niveau_diplome": 0,
            "mobilite_km": 5,
            "representants": [
                {
                    **{k: getattr(tuteur, k) for k in ("prenom", "nom", "lien", "email")},
                    "telephone": "0700000000",
                },
                {"prenom": "Karim", "nom": "B", "lien": "pere", "email": "karim@exemple.fr"},
            ],
        },
    )
    garde = filleul.representants_legaux.get(pk=tuteur.pk)
    assert garde.consentement_le == tuteur.consentement_le and garde.telephone == "0700000000"
    assert filleul.representants_legaux.count() == 2
