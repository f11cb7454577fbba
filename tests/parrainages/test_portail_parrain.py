"""The HR mentor's portal: access, proposals, meetings with .ics, immersions, outcomes."""

import datetime as dt
import html

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from parrainages.models import Immersion, Parrainage, Rencontre, Sortie
from parrainages.services import propositions_expirer
from programmes.models import Evenement, Inscription
from tests.mentorat.factories import UserFactory, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    FilleulFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
)
from tests.parrainages.helpers import immersion_post
from tests.partenaires.factories import MembreFactory, PartenaireFactory
from tests.programmes.factories import EvenementFactory, ModeleCharteFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def parrain():
    return ParrainFactory(capacite=40, offre_immersion=True, offre_ponctuelle=True)


@pytest.fixture
def connecte(client, parrain):
    client.force_login(parrain.user)
    return client


def urls_for(parrain):
    actif = ParrainageFactory(parrain=parrain, actif=True)
    attente = ParrainageFactory(parrain=parrain, attente=True)
    rencontre = RencontreFactory(parrainage=actif)
    evenement = EvenementFactory(organisateur=parrain, publie=True)
    return [
        reverse("parrain:tableau_de_bord"),
        reverse("parrain:profil"),
        reverse("parrain:binomes"),
        reverse("parrain:proposition", kwargs={"pk": attente.pk}),
        reverse("parrain:binome", kwargs={"pk": actif.pk}),
        reverse("parrain:rencontre_consigner", kwargs={"pk": rencontre.pk}),
        reverse("parrain:rencontre_ics", kwargs={"pk": rencontre.pk}),
        reverse("parrain:actions"),
        reverse("parrain:presences", kwargs={"pk": evenement.pk}),
    ]


def test_access_matrix(client, parrain):
    urls = urls_for(parrain)
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("account_login")), url
    others = [
        FilleulFactory().user,
        MembreFactory().user,
        gestionnaire(),
        UserFactory(),
        ParrainFactory(inactif=True).user,
    ]
    for user in others:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    # Another mentor sees their own dashboard but none of this mentor's objects.
    client.force_login(ParrainFactory().user)
    for url in urls[3:7] + urls[8:]:
        assert client.get(url).status_code == 404, url
    client.force_login(parrain.user)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_unconfirmed_proposal_is_not_shown_to_the_mentor(connecte, parrain):
    brouillon = ParrainageFactory(parrain=parrain)  # staff have not confirmed it yet
    url = reverse("parrain:proposition", kwargs={"pk": brouillon.pk})
    assert connecte.get(url).status_code == 404
    assert brouillon.filleul.user.first_name not in text(
        connecte.get(reverse("parrain:tableau_de_bord"))
    )


def build(parrain, n):
    for i in range(n):
        pair = ParrainageFactory(parrain=parrain, actif=True)
        RencontreFactory(parrainage=pair, debut=timezone.now() + dt.timedelta(days=i + 1))
        RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=i + 1))
        # The mentee's proposal, waiting for the mentor's answer.
        RencontreFactory(
            parrainage=pair,
            debut=timezone.now() + dt.timedelta(days=i + 1, hours=3),
            statut=Rencontre.Statut.PROPOSEE,
        )
        CharteFactory(parrainage=pair)
    for _ in range(3):
        ParrainageFactory(parrain=parrain, attente=True)


@pytest.mark.parametrize("n", [5, 30])
def test_dashboard_constant_queries(connecte, parrain, django_assert_num_queries, n):
    build(parrain, n)
    # savepoints, session (with the account and the mentor), pairs, meetings, charters
    with django_assert_num_queries(6):
        response = connecte.get(reverse("parrain:tableau_de_bord"))
    content = text(response)
    assert content.count("à consigner") >= 1
    assert "Propositions à examiner" in content
    assert "Chartes à signer" in content
    assert "Rencontres à confirmer" in content
    assert content.count("rencontre proposée, à accepter ou refuser") == n


@pytest.mark.parametrize("n", [5, 30])
def test_pairs_list_constant_queries_and_filter(connecte, parrain, django_assert_num_queries, n):
    for _ in range(n):
        ParrainageFactory(parrain=parrain, actif=True)
    ended = ParrainageFactory(parrain=parrain, termine=True)
    parrain.programmes.add(ended.programme)
    # savepoints, session (with the account and the mentor), pairs, the programme filter's
    # choices
    with django_assert_num_queries(5):
        response = connecte.get(reverse("parrain:binomes"))
    assert len(response.context["binomes"]) == n + 1
    filtered = connecte.get(reverse("parrain:binomes"), {"statut": "termine"})
    assert list(filtered.context["binomes"]) == [ended]


def test_proposal_shows_only_what_is_needed(connecte, parrain):
    filleul = FilleulFactory(qpv="confirme", date_naissance=dt.date(2001, 2, 3))
    proposal = ParrainageFactory(
        parrain=parrain, filleul=filleul, attente=True, raisons=["même secteur : Industrie"]
    )
    content = text(connecte.get(reverse("parrain:proposition", kwargs={"pk": proposal.pk})))
    assert filleul.user.first_name in content
    assert "même secteur : Industrie" in content
    assert filleul.user.last_name not in content
    assert filleul.user.email not in content
    assert "2001" not in content and "03/02" not in content
    assert "prioritaire" not in content.lower()


def test_accept_issues_the_charter_and_tells_the_mentee(
    connecte, parrain, django_capture_on_commit_callbacks
):
    proposal = ParrainageFactory(parrain=parrain, attente=True)
    ModeleCharteFactory(programme=proposal.programme, texte="{parrain} parraine {filleul}.")
    with django_capture_on_commit_callbacks(execute=True):
        response = connecte.post(
            reverse("parrain:proposition", kwargs={"pk": proposal.pk}), {"action": "accepter"}
        )
    assert response["Location"] == proposal.get_portal_url()
    proposal.refresh_from_db()
    assert proposal.statut == Parrainage.Statut.ACTIF
    charte = proposal.chartes.get()
    assert charte.texte.endswith(f"parraine {proposal.filleul.user.get_full_name()}.")
    assert len(charte.texte_sha256) == 64
    # The mentee learns the news; both parties are asked to sign the charter.
    assert any(
        m.to == [proposal.filleul.user.email] and "accepté" in m.subject for m in mail.outbox
    )
    a_signer = sorted(m.to[0] for m in mail.outbox if "À signer" in m.subject)
    assert a_signer == sorted([proposal.filleul.user.email, parrain.user.email])
    # The mentee's contact details are now visible.
    assert proposal.filleul.user.email in text(connecte.get(proposal.get_portal_url()))


def test_decline_needs_a_reason_and_frees_the_mentee(connecte, parrain):
    proposal = ParrainageFactory(parrain=parrain, attente=True)
    url = reverse("parrain:proposition", kwargs={"pk": proposal.pk})
    missing = connecte.post(url, {"action": "decliner", "motif": ""})
    assert "Indiquez la raison" in text(missing)
    proposal.refresh_from_db()
    assert proposal.statut == Parrainage.Statut.ATTENTE_PARRAIN
    connecte.post(url, {"action": "decliner", "motif": "Secteur trop éloigné du mien."})
    proposal.refresh_from_db()
    assert proposal.statut == Parrainage.Statut.DECLINE
    ParrainageFactory(programme=proposal.programme, filleul=proposal.filleul)  # free again
    # Answering twice is impossible: the proposal is no longer there.
    assert connecte.post(url, {"action": "accepter"}).status_code == 404


def test_unanswered_proposals_expire_after_the_programme_delay():
    programme = ProgrammeFactory(delai_reponse_jours=7)
    now = timezone.now()
    old = ParrainageFactory(programme=programme, attente=True, envoye_le=now - dt.timedelta(days=8))
    edge = ParrainageFactory(
        programme=programme, attente=True, envoye_le=now - dt.timedelta(days=7, seconds=-60)
    )
    assert propositions_expirer(maintenant=now) == 1
    old.refresh_from_db()
    edge.refresh_from_db()
    assert (old.statut, edge.statut) == ("expire", "attente_parrain")
    assert propositions_expirer(maintenant=now) == 0


def test_a_proposal_whose_e_mail_never_left_does_not_expire(django_capture_on_commit_callbacks):
    """The mail server was down for days: the mentor was never told, the delay has not run."""
    from mentorat.envois import envois_expedier
    from mentorat.models import Envoi
    from parrainages.services.matching import propositions_notifier

    programme = ProgrammeFactory(delai_reponse_jours=7)
    pair = ParrainageFactory(programme=programme, statut="attente_parrain")
    Parrainage.objects.filter(pk=pair.pk).update(envoye_le=timezone.now() - dt.timedelta(days=9))
    with override_settings(EMAIL_BACKEND="tests.parrainages.test_portail_parrain.SmtpEnPanne"):
        propositions_notifier(ids=[pair.pk])
    envoi = Envoi.objects.get(regle="proposition_nouvelle")
    assert envoi.statut == Envoi.Statut.A_ENVOYER and envoi.tentatives == 1
    assert propositions_expirer(maintenant=timezone.now()) == 0
    pair.refresh_from_db()
    assert pair.statut == "attente_parrain" and pair.notifie_le is None
    # The server is back: the e-mail leaves, the mentor's seven days start then.
    Envoi.objects.filter(pk=envoi.pk).update(prochain_essai=timezone.now())
    assert envois_expedier() == {"envoye": 1}
    pair.refresh_from_db()
    assert pair.notifie_le is not None
    assert propositions_expirer(maintenant=timezone.now() + dt.timedelta(days=6)) == 0
    assert propositions_expirer(maintenant=timezone.now() + dt.timedelta(days=8)) == 1


class SmtpEnPanne(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("serveur de messagerie injoignable")


def meeting_data(**overrides):
    debut = timezone.localtime() + dt.timedelta(days=3)
    return {
        "debut": debut.strftime("%Y-%m-%dT%H:%M"),
        "duree_minutes": "45",
        "modalite": "presentiel",
        "lieu": "Café du Commerce, 12 rue de la Paix, Paris",
        "lien": "",
        "sujet": "Préparer l'entretien chez Renault",
        **overrides,
    }


def test_plan_meeting_sends_an_ics_to_both(connecte, parrain, django_capture_on_commit_callbacks):
    pair = ParrainageFactory(parrain=parrain, actif=True)
    url = reverse("parrain:rencontre_nouvelle", kwargs={"pk": pair.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = connecte.post(url, meeting_data())
    assert response.status_code == 302
    rencontre = pair.rencontres.get()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [parrain.user.email, pair.filleul.user.email]
    )
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "rencontre.ics" and mimetype.startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(content)
    event = next(iter(cal.walk("VEVENT")))
    assert event.decoded("dtstart") == rencontre.debut
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=45)
    assert str(event["location"]) == "Café du Commerce, 12 rue de la Paix, Paris"
    attendees = {str(a).removeprefix("mailto:") for a in event["attendee"]}
    assert attendees == {parrain.user.email, pair.filleul.user.email}
    download = connecte.get(reverse("parrain:rencontre_ics", kwargs={"pk": rencontre.pk}))
    assert icalendar.Calendar.from_ical(download.content).walk("VEVENT")


def test_the_emailed_invitation_has_a_method_the_downloaded_entry_none(
    connecte, parrain, django_capture_on_commit_callbacks
):
    """iTIP (RFC 5546 §3.2) needs METHOD in the e-mail; a stored entry must not have one
    (CalDAV, RFC 4791 §4.1)."""
    pair = ParrainageFactory(parrain=parrain, actif=True)
    url = reverse("parrain:rencontre_nouvelle", kwargs={"pk": pair.pk})
    with django_capture_on_commit_callbacks(execute=True):
        connecte.post(url, meeting_data())
    rencontre = pair.rencontres.get()
    _, content, mimetype = mail.outbox[0].attachments[0]
    assert "method=REQUEST" in mimetype
    assert icalendar.Calendar.from_ical(content)["method"] == "REQUEST"
    download = connecte.get(reverse("parrain:rencontre_ics", kwargs={"pk": rencontre.pk}))
    assert "method" not in download["Content-Type"].lower()
    cal = icalendar.Calendar.from_ical(download.content)
    assert "METHOD" not in cal
    assert b"METHOD" not in download.content
    assert cal.walk("VEVENT")[0]["status"] == "CONFIRMED"


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"debut": "2020-01-01T10:00"}, "dans le futur"),
        ({"lieu": ""}, "Indiquez le lieu"),
        ({"modalite": "visio", "lieu": ""}, "Indiquez le lien"),
        ({"duree_minutes": "5"}, "supérieure ou égale à 15"),
        ({"debut": "demain"}, "Saisissez une date et une heure valides"),
    ],
)
def test_bad_meeting_is_refused(connecte, parrain, overrides, message):
    pair = ParrainageFactory(parrain=parrain, actif=True)
    response = connecte.post(
        reverse("parrain:rencontre_nouvelle", kwargs={"pk": pair.pk}), meeting_data(**overrides)
    )
    assert response.status_code == 200
    assert message in text(response)
    assert not Rencontre.objects.exists()
    assert not mail.outbox


def test_log_a_held_meeting(connecte, parrain):
    pair = ParrainageFactory(parrain=parrain, actif=True)
    past = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(hours=2))
    future = RencontreFactory(parrainage=pair, debut=timezone.now() + dt.timedelta(days=2))
    url = reverse("parrain:rencontre_consigner", kwargs={"pk": past.pk})
    assert "Cochez au moins un thème" in text(connecte.post(url, {"compte_rendu": "x"}))
    connecte.post(url, {"themes": ["cv", "entretien"], "compte_rendu": "CV refait."})
    past.refresh_from_db()
    assert (past.statut, past.themes, past.compte_rendu) == (
        "tenue",
        ["cv", "entretien"],
        "CV refait.",
    )
    early = connecte.post(
        reverse("parrain:rencontre_consigner", kwargs={"pk": future.pk}), {"themes": ["cv"]}
    )
    assert "une fois passée" in text(early)
    future.refresh_from_db()
    assert future.statut == "prevue"


def test_private_notes_are_not_shown_to_the_mentee(client, parrain):
    pair = ParrainageFactory(parrain=parrain, actif=True)
    RencontreFactory(
        parrainage=pair,
        debut=timezone.now() - dt.timedelta(days=1),
        tenue=True,
        compte_rendu="Note confidentielle du parrain",
    )
    client.force_login(pair.filleul.user)
    assert "Note confidentielle" not in text(client.get(reverse("filleul:tableau_de_bord")))


def test_immersion_proposal_and_overlap(connecte, parrain):
    pair = ParrainageFactory(parrain=parrain, actif=True, programme__offre_immersion=True)
    prescripteur = PartenaireFactory(type="france_travail")
    url = reverse("parrain:immersion_nouvelle", kwargs={"pk": pair.pk})
    assert connecte.post(url, immersion_post(prescripteur_id=prescripteur.pk)).status_code == 302
    immersion = pair.immersions.get()
    assert immersion.statut == Immersion.Statut.A_SIGNER
    overlap = connecte.post(
        url,
        immersion_post(
            prescripteur_id=prescripteur.pk,
            debut=immersion.date_fin,
            jours=0,
            entreprise_siret="44306184100047",
        ),
    )
    assert "chevauchent" in text(overlap)
    backwards = connecte.post(
        url,
        immersion_post(
            prescripteur_id=prescripteur.pk, date_debut="2030-05-10", date_fin="2030-05-01"
        ),
    )
    assert "doit suivre" in text(backwards)
    assert pair.immersions.count() == 1
    # A refused immersion frees its dates.
    Immersion.objects.filter(pk=immersion.pk).update(statut=Immersion.Statut.REFUSEE)
    assert connecte.post(url, immersion_post(prescripteur_id=prescripteur.pk)).status_code == 302


def test_record_outcome_and_end(connecte, parrain):
    pair = ParrainageFactory(parrain=parrain, actif=True)
    url = reverse("parrain:cloturer", kwargs={"pk": pair.pk})
    today = timezone.localdate().isoformat()
    oui = {"confirmation": "on"}
    early = connecte.post(url, {"type": "aucune", "date": today, "interrompu": "on", **oui})
    assert "Indiquez pourquoi" in text(early)
    future = connecte.post(url, {"type": "cdi", "date": "2099-01-01", **oui})
    assert "dans le futur" in text(future)
    assert (
        connecte.post(
            url, {"type": "cdi", "date": today, "employeur": "Renault", **oui}
        ).status_code
        == 302
    )
    pair.refresh_from_db()
    assert pair.statut == Parrainage.Statut.TERMINE
    sortie = pair.sorties.get()
    assert (sortie.moment, sortie.type, sortie.source, sortie.employeur) == (
        Sortie.Moment.FIN,
        "cdi",
        "parrain",
        "Renault",
    )
    assert connecte.post(url, {"type": "cdi", "date": today, **oui}).status_code == 404


def profile_data(parrain, **overrides):
    return {
        "entreprise": parrain.entreprise,
        "fonction": parrain.fonction,
        "annees_experience": "12",
        "commune": f"{parrain.commune.nom} ({parrain.commune.code_postal})",
        "secteurs": [],
        "offre_reguliere": "on",
        "capacite": "3",
        "disponibilites": ["lun_soir"],
        "distanciel_accepte": "on",
        "bio": "",
        **overrides,
    }


def test_profile_capacity_and_pause(connecte, parrain):
    for _ in range(2):
        ParrainageFactory(parrain=parrain, actif=True)
    ParrainageFactory(parrain=parrain, attente=True)
    url = reverse("parrain:profil")
    too_low = connecte.post(url, profile_data(parrain, capacite="2"))
    assert "ne peut pas être inférieure" in text(too_low)
    parrain.refresh_from_db()
    assert parrain.capacite == 40
    no_form = connecte.post(url, profile_data(parrain, offre_reguliere=""))
    assert "au moins une forme" in text(no_form)
    ok = connecte.post(url, profile_data(parrain, en_pause="on"))
    assert ok.status_code == 302
    parrain.refresh_from_db()
    assert (parrain.capacite, parrain.statut) == (3, "pause")
    assert parrain.parrainages.filter(statut="actif").count() == 2


def test_one_off_action_from_proposal_to_attendance(client, parrain):
    programme = ProgrammeFactory(offre_ponctuelle=True)
    parrain.programmes.add(programme)
    client.force_login(parrain.user)
    debut = timezone.localtime() + dt.timedelta(days=10)
    data = {
        "programme": programme.pk,
        "type": "visite_entreprise",
        "titre": "Visite de l'atelier",
        "debut": debut.strftime("%Y-%m-%dT%H:%M"),
        "fin": (debut + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "lieu": "Atelier, 5 rue Oberkampf",
        "places": "1",
    }
    bad = client.post(reverse("parrain:actions"), {**data, "fin": data["debut"]})
    assert "La fin doit suivre le début" in text(bad)
    assert client.post(reverse("parrain:actions"), data).status_code == 302
    evenement = Evenement.objects.get()
    assert (evenement.statut, evenement.organisateur) == ("propose", parrain)
    evenement.publier()
    evenement.save()
    # Mentees of the programme register; the one seat is then taken.
    premier = CandidatureFactory(programme=programme).filleul
    second = CandidatureFactory(programme=programme).filleul
    outsider = FilleulFactory()
    for filleul, expected in (
        (premier, "Vous êtes inscrit"),
        (second, "complet"),
        (outsider, "pas ouvert"),
    ):
        client.force_login(filleul.user)
        response = client.post(
            reverse("filleul:evenements"), {"evenement": evenement.pk}, follow=True
        )
        assert expected in text(response)
    assert list(evenement.inscriptions.values_list("filleul", flat=True)) == [premier.pk]
    # After the action, the mentor marks attendance.
    Evenement.objects.filter(pk=evenement.pk).update(
        debut=timezone.now() - dt.timedelta(hours=3), fin=timezone.now() - dt.timedelta(hours=1)
    )
    client.force_login(parrain.user)
    inscription = evenement.inscriptions.get()
    client.post(
        reverse("parrain:presences", kwargs={"pk": evenement.pk}), {"present": [inscription.pk]}
    )
    inscription.refresh_from_db()
    evenement.refresh_from_db()
    assert (inscription.statut, evenement.statut) == (Inscription.Statut.PRESENT, "termine")


def test_attendance_not_before_the_action(connecte, parrain):
    evenement = EvenementFactory(organisateur=parrain, publie=True)
    response = connecte.post(
        reverse("parrain:presences", kwargs={"pk": evenement.pk}), {"present": []}, follow=True
    )
    assert "une fois l'action commencée" in text(response)


def test_immersion_factory_default_is_sent_for_signature():
    assert ImmersionFactory().statut == "a_signer"


def test_the_organiser_sees_names_never_e_mail_addresses(connecte, parrain):
    """A registrant who gave no name shows to the organising mentor as a numbered
    registration: their e-mail address is for staff only."""
    evenement = EvenementFactory(organisateur=parrain, publie=True)
    nomme = FilleulFactory(user__first_name="Inès", user__last_name="Benali")
    sans_nom = FilleulFactory(user__first_name="", user__last_name="", user__email="x@exemple.fr")
    for filleul in (nomme, sans_nom):
        Inscription.objects.create(evenement=evenement, public="filleuls", filleul=filleul)
    page = text(connecte.get(reverse("parrain:presences", kwargs={"pk": evenement.pk})))
    assert "Inès Benali" in page
    assert "x@exemple.fr" not in page
    numero = Inscription.objects.get(filleul=sans_nom).pk
    assert f"Inscription n° {numero} (nom non renseigné)" in page


def test_places_left_and_the_capacity_check_read_one_rule_and_name_no_hidden_pair(
    connecte, parrain
):
    from programmes.models import AvisFilleul

    parrain.capacite = 3
    parrain.save()
    ParrainageFactory(parrain=parrain, actif=True)
    # Staff have not confirmed it: holds a place, not shown to the mentor.
    cachee = ParrainageFactory(parrain=parrain)
    # An option the mentee is choosing among: holds nothing.
    ParrainageFactory(
        parrain=parrain,
        programme=ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR),
        option=True,
        attente_filleul=True,
    )
    accueil = text(connecte.get(reverse("parrain:tableau_de_bord")))
    assert "places restantes : 1" in accueil
    assert cachee.filleul.user.first_name not in accueil

    url = reverse("parrain:profil")
    trop_bas = text(connecte.post(url, profile_data(parrain, capacite="1")))
    assert "Vous suivez ou avez en attente 1 binôme(s)" in trop_bas
    assert "inférieure à 2" in trop_bas
    assert connecte.post(url, profile_data(parrain, capacite="2")).status_code == 302
    parrain.refresh_from_db()
    assert parrain.capacite == 2
