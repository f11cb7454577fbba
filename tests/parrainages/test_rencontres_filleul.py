"""Meetings from the mentee's side: propose, confirm, move, cancel; the mentor's answer to a
proposal; what a proposal counts for (nothing, until accepted)."""

import base64
import datetime as dt
import html

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.models import Parrainage, Rencontre
from parrainages.relances import rencontre_demain
from parrainages.services import (
    parrainage_terminer,
    rencontre_accepter,
    rencontre_annuler,
    rencontre_deplacer,
    rencontre_planifier,
    rencontre_proposer,
    rencontre_refuser,
)
from tests.parrainages.factories import (
    FilleulFactory,
    MineurFactory,
    ParrainageFactory,
    RencontreFactory,
)

pytestmark = pytest.mark.django_db


def _debut(jours=3, heure=18):
    jour = timezone.localdate() + dt.timedelta(days=jours)
    return timezone.make_aware(dt.datetime.combine(jour, dt.time(heure, 30)))


def _donnees(**autres):
    return {
        "debut": _debut(),
        "duree_minutes": 45,
        "modalite": Rencontre.Modalite.VISIO,
        "lieu": "",
        "lien": "https://visio.exemple.fr/binome",
        "sujet": "Préparer l'entretien",
        **autres,
    }


@pytest.fixture
def pair():
    return ParrainageFactory(actif=True)


def _envois(rencontre, **filtres):
    return Envoi.objects.filter(cle__contains=f":{rencontre.pk}:").filter(**filtres)


def _ics(envoi):
    (piece,) = envoi.pieces_jointes
    evenement = icalendar.Calendar.from_ical(base64.b64decode(piece["contenu"]))
    return evenement, piece["type"]


def _par_adresse(rencontre, **filtres):
    compte = {}
    for envoi in _envois(rencontre, **filtres):
        compte[envoi.email] = compte.get(envoi.email, 0) + 1
    return compte


# --- Proposing, and the mentor's answer -------------------------------------------------------


def test_a_proposal_waits_for_the_mentor_who_alone_is_told(pair):
    rencontre = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    assert rencontre.statut == Rencontre.Statut.PROPOSEE
    assert rencontre.acceptee_le is not None and not rencontre.au_calendrier
    (envoi,) = _envois(rencontre)
    assert envoi.email == pair.parrain.user.email and envoi.regle == "rencontre_echange"
    assert "vous propose une rencontre" in envoi.sujet and not envoi.pieces_jointes
    # Posted twice: one meeting, one e-mail.
    again = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    assert again.pk == rencontre.pk and _envois(rencontre).count() == 1
    assert pair.rencontres.count() == 1


def test_the_mentor_accepts_a_proposal_and_both_receive_the_invitation(pair):
    rencontre = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    Envoi.objects.all().delete()
    rencontre = rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)
    assert rencontre.statut == Rencontre.Statut.PREVUE and rencontre.au_calendrier
    assert _par_adresse(rencontre) == {pair.parrain.user.email: 1, pair.filleul.user.email: 1}
    calendrier, type_ = _ics(_envois(rencontre).first())
    assert "method=REQUEST" in type_ and calendrier["method"] == "REQUEST"
    assert calendrier.walk("VEVENT")[0]["status"] == "CONFIRMED"
    # A second click: refused with a clear message, nothing more sent.
    with pytest.raises(ValidationError, match="déjà confirmée"):
        rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)
    assert _envois(rencontre).count() == 2


def test_accepting_a_minors_proposal_copies_each_guardian():
    filleul = MineurFactory()
    pair = ParrainageFactory(filleul=filleul, actif=True)
    rencontre = rencontre_proposer(parrainage=pair, par=filleul.user, donnees=_donnees())
    rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)
    (tuteur,) = filleul.representants_legaux.all()
    assert _par_adresse(rencontre, regle="rencontre_invitation") == {
        pair.parrain.user.email: 1,
        filleul.user.email: 1,
        tuteur.email: 1,
    }


def test_the_mentor_refuses_a_proposal_the_mentee_is_told(pair):
    rencontre = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    rencontre = rencontre_refuser(rencontre=rencontre, par=pair.parrain.user)
    assert rencontre.statut == Rencontre.Statut.ANNULEE
    refus = _envois(rencontre, email=pair.filleul.user.email).get()
    assert refus.regle == "rencontre_echange" and "n'est pas retenue" in refus.sujet
    # Never in a calendar: no cancellation .ics.
    assert not _envois(rencontre, regle="rencontre_invitation").exists()
    with pytest.raises(ValidationError, match="n'attend pas votre réponse"):
        rencontre_refuser(rencontre=rencontre, par=pair.parrain.user)


def test_a_proposal_cannot_be_accepted_by_its_proposer_nor_answered_by_a_stranger(pair):
    rencontre = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    with pytest.raises(ValidationError, match="c'est à votre parrain"):
        rencontre_accepter(rencontre=rencontre, par=pair.filleul.user)
    with pytest.raises(ValidationError, match="Seul le parrain"):
        rencontre_refuser(rencontre=rencontre, par=pair.filleul.user)
    autre = ParrainageFactory(actif=True)
    for intrus in (autre.parrain.user, autre.filleul.user):
        with pytest.raises(ValidationError, match="n'est pas la vôtre"):
            rencontre_accepter(rencontre=rencontre, par=intrus)
    with pytest.raises(ValidationError, match="n'est pas le vôtre"):
        rencontre_proposer(parrainage=pair, par=autre.filleul.user, donnees=_donnees())
    with pytest.raises(ValidationError, match="n'est pas le vôtre"):
        rencontre_proposer(parrainage=pair, par=pair.parrain.user, donnees=_donnees())


@pytest.mark.parametrize(
    "donnees,message",
    [
        ({"debut": timezone.now() - dt.timedelta(hours=1)}, "à venir"),
        ({"modalite": Rencontre.Modalite.PRESENTIEL, "lieu": ""}, "Indiquez le lieu"),
        ({"lien": ""}, "Indiquez le lien"),
    ],
)
def test_a_proposal_needs_a_future_time_and_a_place_or_link(pair, donnees, message):
    with pytest.raises(ValidationError, match=message):
        rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees(**donnees))
    assert not pair.rencontres.exists() and not Envoi.objects.exists()


def test_no_proposal_on_a_pair_not_in_progress():
    for statut in ("attente", "termine"):
        pair = ParrainageFactory(**{statut: True})
        with pytest.raises(ValidationError, match="pas en cours"):
            rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())


def test_a_proposal_counts_for_nothing_until_accepted(pair):
    """No reminder the day before, not among the meetings to come, to log or held."""
    rencontre = rencontre_proposer(
        parrainage=pair, par=pair.filleul.user, donnees=_donnees(debut=_debut(jours=1))
    )
    maintenant = timezone.now()
    assert not [e for e in rencontre_demain(maintenant) if f":{rencontre.pk}:" in e.cle]
    assert not Rencontre.objects.a_venir().exists()
    assert not Rencontre.objects.tenues().exists()
    with pytest.raises(ValidationError):
        rencontre.marquer_tenue(themes=["cv"])
    rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)
    assert [e for e in rencontre_demain(maintenant) if f":{rencontre.pk}:" in e.cle]
    assert Rencontre.objects.a_venir().get() == rencontre


# --- Confirming a meeting the mentor planned --------------------------------------------------


def test_the_mentee_confirms_a_planned_meeting_the_mentor_is_told_once(pair):
    rencontre = rencontre_planifier(
        parrainage=pair, par=pair.parrain.user, donnees=_donnees(debut=_debut())
    )
    assert rencontre.acceptee_le is None
    Envoi.objects.all().delete()
    rencontre = rencontre_accepter(rencontre=rencontre, par=pair.filleul.user)
    assert rencontre.acceptee_le is not None and rencontre.statut == Rencontre.Statut.PREVUE
    rencontre_accepter(rencontre=rencontre, par=pair.filleul.user)  # a double submit
    (envoi,) = Envoi.objects.all()
    assert envoi.email == pair.parrain.user.email and "a confirmé" in envoi.sujet
    with pytest.raises(ValidationError, match="déjà confirmée"):
        rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)


# --- Moving ------------------------------------------------------------------------------------


def test_moving_a_planned_meeting_sends_a_new_version_and_waits_for_the_mentor(pair):
    rencontre = rencontre_planifier(parrainage=pair, par=pair.parrain.user, donnees=_donnees())
    uid = _ics(_envois(rencontre).first())[0].walk("VEVENT")[0]["uid"]
    Envoi.objects.all().delete()
    nouveau = _debut(jours=5, heure=12)
    rencontre = rencontre_deplacer(rencontre=rencontre, par=pair.filleul.user, debut=nouveau)
    assert rencontre.debut == nouveau and rencontre.sequence == 1
    assert rencontre.statut == Rencontre.Statut.PROPOSEE
    rencontre_deplacer(rencontre=rencontre, par=pair.filleul.user, debut=nouveau)  # twice
    assert _par_adresse(rencontre) == {pair.parrain.user.email: 1, pair.filleul.user.email: 1}
    envoi = _envois(rencontre, email=pair.parrain.user.email).get()
    assert "a déplacé cette rencontre" in envoi.texte
    calendrier, type_ = _ics(envoi)
    evenement = calendrier.walk("VEVENT")[0]
    assert "method=REQUEST" in type_ and calendrier["method"] == "REQUEST"
    assert evenement["uid"] == uid and evenement["sequence"] == 1
    assert evenement.decoded("dtstart") == nouveau and evenement["status"] == "TENTATIVE"
    # The mentor confirms: already in both calendars as TENTATIVE, a new version CONFIRMED.
    Envoi.objects.all().delete()
    rencontre = rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)
    assert rencontre.statut == Rencontre.Statut.PREVUE and rencontre.sequence == 2
    assert _par_adresse(rencontre) == {pair.parrain.user.email: 1, pair.filleul.user.email: 1}
    calendrier, _ = _ics(_envois(rencontre, email=pair.filleul.user.email).get())
    evenement = calendrier.walk("VEVENT")[0]
    assert evenement["uid"] == uid and evenement["sequence"] == 2
    assert evenement["status"] == "CONFIRMED"
    # Moving it again to the time it has now is refused: nothing would change.
    with pytest.raises(ValidationError):
        rencontre_deplacer(rencontre=rencontre, par=pair.filleul.user, debut=nouveau)


def test_a_moved_meeting_is_reminded_the_day_before_its_new_date(pair):
    rencontre = rencontre_planifier(parrainage=pair, par=pair.parrain.user, donnees=_donnees())
    avant = {e.cle for e in rencontre_demain(rencontre.debut - dt.timedelta(days=1))}
    nouveau = rencontre.debut + dt.timedelta(days=3)
    rencontre = rencontre_deplacer(rencontre=rencontre, par=pair.filleul.user, debut=nouveau)
    rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)
    apres = {e.cle for e in rencontre_demain(nouveau - dt.timedelta(days=1))}
    assert len(avant) == len(apres) == 2 and not avant & apres


def test_the_mentor_planning_the_time_the_mentee_proposed_accepts_it(pair):
    proposee = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    planifiee = rencontre_planifier(
        parrainage=pair, par=pair.parrain.user, donnees=_donnees(debut=proposee.debut)
    )
    assert planifiee.pk == proposee.pk and planifiee.statut == Rencontre.Statut.PREVUE
    assert _envois(planifiee, cle__contains=":REQUEST:").count() == 2


def test_moving_a_minors_meeting_copies_the_guardian_and_the_refusal_withdraws_it():
    filleul = MineurFactory()
    pair = ParrainageFactory(filleul=filleul, actif=True)
    (tuteur,) = filleul.representants_legaux.all()
    rencontre = rencontre_planifier(parrainage=pair, par=pair.parrain.user, donnees=_donnees())
    rencontre_deplacer(rencontre=rencontre, par=filleul.user, debut=_debut(jours=6))
    assert _envois(rencontre, email=tuteur.email, cle__contains="REQUEST-1").count() == 1
    rencontre = rencontre_refuser(rencontre=rencontre, par=pair.parrain.user)
    annulations = _par_adresse(rencontre, cle__contains=":CANCEL:")
    assert annulations == {pair.parrain.user.email: 1, filleul.user.email: 1, tuteur.email: 1}
    calendrier, _ = _ics(_envois(rencontre, cle__contains=":CANCEL:").first())
    assert calendrier.walk("VEVENT")[0]["sequence"] == 2


def test_moving_a_proposal_not_yet_in_calendars_tells_the_mentor_without_ics(pair):
    rencontre = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    rencontre_deplacer(rencontre=rencontre, par=pair.filleul.user, debut=_debut(jours=4))
    envois = _envois(rencontre, email=pair.parrain.user.email)
    assert envois.count() == 2 and not any(e.pieces_jointes for e in envois)
    assert not _envois(rencontre, email=pair.filleul.user.email).exists()


def test_illegal_moves_are_refused(pair):
    rencontre = RencontreFactory(parrainage=pair)
    with pytest.raises(ValidationError, match="à venir"):
        rencontre_deplacer(
            rencontre=rencontre, par=pair.filleul.user, debut=timezone.now() - dt.timedelta(1)
        )
    with pytest.raises(ValidationError, match="Seul le filleul"):
        rencontre_deplacer(rencontre=rencontre, par=pair.parrain.user, debut=_debut(jours=9))
    passee = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="passée"):
        rencontre_deplacer(rencontre=passee, par=pair.filleul.user, debut=_debut(jours=9))
    annulee = RencontreFactory(parrainage=pair, annulee=True, debut=_debut(jours=2))
    with pytest.raises(ValidationError, match="déjà annulée"):
        rencontre_deplacer(rencontre=annulee, par=pair.filleul.user, debut=_debut(jours=9))
    # Onto another meeting of the pair: refused, nothing changed.
    RencontreFactory(parrainage=pair, debut=_debut(jours=4))
    with pytest.raises(ValidationError, match="déjà prévue"):
        rencontre_deplacer(rencontre=rencontre, par=pair.filleul.user, debut=_debut(jours=4))
    rencontre.refresh_from_db()
    assert rencontre.sequence == 0 and rencontre.statut == Rencontre.Statut.PREVUE
    Parrainage.objects.filter(pk=pair.pk).update(statut=Parrainage.Statut.TERMINE)
    with pytest.raises(ValidationError, match="pas en cours"):
        rencontre_deplacer(rencontre=rencontre, par=pair.filleul.user, debut=_debut(jours=9))
    assert not Envoi.objects.exists()


# --- Cancelling --------------------------------------------------------------------------------


def test_the_mentee_cancels_a_planned_meeting_both_receive_the_cancellation(pair):
    rencontre = rencontre_planifier(parrainage=pair, par=pair.parrain.user, donnees=_donnees())
    Envoi.objects.all().delete()
    rencontre = rencontre_annuler(rencontre=rencontre, par=pair.filleul.user)
    assert rencontre.statut == Rencontre.Statut.ANNULEE
    assert _par_adresse(rencontre) == {pair.parrain.user.email: 1, pair.filleul.user.email: 1}
    au_parrain = _envois(rencontre, email=pair.parrain.user.email).get()
    assert "a annulé cette rencontre" in au_parrain.texte
    calendrier, type_ = _ics(au_parrain)
    assert "method=CANCEL" in type_ and calendrier.walk("VEVENT")[0]["status"] == "CANCELLED"
    with pytest.raises(ValidationError, match="déjà annulée"):
        rencontre_annuler(rencontre=rencontre, par=pair.filleul.user)
    assert Envoi.objects.count() == 2


def test_the_mentee_withdraws_a_proposal_the_mentor_is_told(pair):
    rencontre = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    rencontre_annuler(rencontre=rencontre, par=pair.filleul.user)
    envois = _envois(rencontre)
    assert [e.email for e in envois] == [pair.parrain.user.email] * 2
    assert not any(e.pieces_jointes for e in envois)


def test_the_mentee_cannot_cancel_a_past_meeting_nor_another_pairs(pair):
    passee = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="passée"):
        rencontre_annuler(rencontre=passee, par=pair.filleul.user)
    with pytest.raises(ValidationError, match="n'est pas la vôtre"):
        rencontre_annuler(rencontre=passee, par=FilleulFactory().user)
    passee.refresh_from_db()
    assert passee.statut == Rencontre.Statut.PREVUE


def test_ending_the_pair_cancels_proposals_without_a_cancellation_ics(pair):
    proposee = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    prevue = rencontre_planifier(
        parrainage=pair, par=pair.parrain.user, donnees=_donnees(debut=_debut(jours=8))
    )
    parrainage_terminer(parrainage=pair)
    for rencontre in (proposee, prevue):
        rencontre.refresh_from_db()
        assert rencontre.statut == Rencontre.Statut.ANNULEE
    assert not _envois(proposee, cle__contains=":CANCEL:").exists()
    assert _envois(prevue, cle__contains=":CANCEL:").count() == 2


# --- Pages --------------------------------------------------------------------------------------


def _texte(reponse):
    return html.unescape(reponse.content.decode())


def test_the_mentee_proposes_from_their_space(client, pair):
    client.force_login(pair.filleul.user)
    espace = _texte(client.get(reverse("filleul:tableau_de_bord")))
    url = reverse("filleul:rencontre_proposer", kwargs={"pk": pair.pk})
    assert url in espace
    assert client.get(url).status_code == 200
    refus = client.post(url, {"debut": "", "duree_minutes": "60", "modalite": "visio"})
    assert refus.status_code == 200 and not pair.rencontres.exists()
    reponse = client.post(
        url,
        {
            "debut": _debut().strftime("%Y-%m-%dT%H:%M"),
            "duree_minutes": "60",
            "modalite": "visio",
            "lien": "https://visio.exemple.fr/binome",
            "sujet": "Mon CV",
        },
    )
    assert reponse.status_code == 302
    rencontre = pair.rencontres.get()
    assert rencontre.statut == Rencontre.Statut.PROPOSEE
    espace = _texte(client.get(reverse("filleul:tableau_de_bord")))
    assert "À confirmer par votre parrain ou marraine" in espace
    assert '<a href="https://visio.exemple.fr/binome" rel="noopener">' in espace
    # The mentor sees it on the pair's page, with both answers.
    client.force_login(pair.parrain.user)
    page = _texte(client.get(reverse("parrain:binome", kwargs={"pk": pair.pk})))
    assert "À vous de confirmer" in page
    assert reverse("parrain:rencontre_accepter", kwargs={"pk": rencontre.pk}) in page
    assert reverse("parrain:rencontre_refuser", kwargs={"pk": rencontre.pk}) in page
    client.post(reverse("parrain:rencontre_accepter", kwargs={"pk": rencontre.pk}))
    rencontre.refresh_from_db()
    assert rencontre.statut == Rencontre.Statut.PREVUE


def test_the_mentee_moves_confirms_and_cancels_from_their_space(client, pair):
    rencontre = RencontreFactory(
        parrainage=pair, debut=_debut(), modalite="presentiel", lieu="Médiathèque"
    )
    client.force_login(pair.filleul.user)
    espace = _texte(client.get(reverse("filleul:tableau_de_bord")))
    assert "Lieu : Médiathèque" in espace and "Je confirme" in espace
    client.post(reverse("filleul:rencontre_accepter", kwargs={"pk": rencontre.pk}))
    rencontre.refresh_from_db()
    assert rencontre.acceptee_le
    client.force_login(pair.parrain.user)
    assert "confirmée par le filleul" in _texte(
        client.get(reverse("parrain:binome", kwargs={"pk": pair.pk}))
    )
    client.force_login(pair.filleul.user)
    url = reverse("filleul:rencontre_deplacer", kwargs={"pk": rencontre.pk})
    assert client.get(url).status_code == 200
    assert "à venir" in _texte(client.post(url, {"debut": "2020-01-01T10:00"}))
    nouveau = _debut(jours=6)
    assert client.post(url, {"debut": nouveau.strftime("%Y-%m-%dT%H:%M")}).status_code == 302
    rencontre.refresh_from_db()
    assert rencontre.debut == nouveau and rencontre.statut == Rencontre.Statut.PROPOSEE
    client.post(reverse("filleul:rencontre_annuler", kwargs={"pk": rencontre.pk}))
    rencontre.refresh_from_db()
    assert rencontre.statut == Rencontre.Statut.ANNULEE
    reponse = client.post(reverse("filleul:rencontre_annuler", kwargs={"pk": rencontre.pk}))
    assert "déjà annulée" in _texte(client.get(reponse["Location"]))


def test_the_mentee_downloads_the_ics_of_their_meetings_only(client, pair):
    rencontre = RencontreFactory(parrainage=pair)
    autre = RencontreFactory()
    url = reverse("filleul:rencontre_ics", kwargs={"pk": rencontre.pk})
    client.force_login(pair.filleul.user)
    assert url in client.get(reverse("filleul:tableau_de_bord")).content.decode()
    reponse = client.get(url)
    assert reponse.status_code == 200 and b"METHOD" not in reponse.content
    assert "method" not in reponse["Content-Type"].lower()
    assert icalendar.Calendar.from_ical(reponse.content).walk("VEVENT")
    assert client.get(reverse("filleul:rencontre_ics", kwargs={"pk": autre.pk})).status_code == 404


@pytest.mark.parametrize(
    "nom,post",
    [
        ("filleul:rencontre_ics", False),
        ("filleul:rencontre_deplacer", False),
        ("filleul:rencontre_accepter", True),
        ("filleul:rencontre_annuler", True),
    ],
)
def test_only_the_pairs_mentee_reaches_its_meetings(client, pair, nom, post):
    rencontre = RencontreFactory(parrainage=pair)
    url = reverse(nom, kwargs={"pk": rencontre.pk})
    appel = client.post if post else client.get
    assert appel(url)["Location"].startswith(reverse("account_login"))
    for intrus in (FilleulFactory().user, pair.parrain.user):
        client.force_login(intrus)
        assert appel(url).status_code == 404
    rencontre.refresh_from_db()
    assert rencontre.statut == Rencontre.Statut.PREVUE and rencontre.acceptee_le is None
    client.force_login(pair.filleul.user)
    assert appel(url).status_code in (200, 302)


def test_only_the_pairs_mentee_proposes_and_only_the_mentor_answers(client, pair):
    url = reverse("filleul:rencontre_proposer", kwargs={"pk": pair.pk})
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    for intrus in (FilleulFactory().user, pair.parrain.user):
        client.force_login(intrus)
        assert client.get(url).status_code == 404
    fini = ParrainageFactory(filleul=pair.filleul, termine=True)
    client.force_login(pair.filleul.user)
    fini_url = reverse("filleul:rencontre_proposer", kwargs={"pk": fini.pk})
    assert client.get(fini_url).status_code == 404
    rencontre = rencontre_proposer(parrainage=pair, par=pair.filleul.user, donnees=_donnees())
    for nom in ("parrain:rencontre_accepter", "parrain:rencontre_refuser"):
        url = reverse(nom, kwargs={"pk": rencontre.pk})
        for intrus in (pair.filleul.user, ParrainageFactory(actif=True).parrain.user):
            client.force_login(intrus)
            assert client.post(url).status_code == 404
    rencontre.refresh_from_db()
    assert rencontre.statut == Rencontre.Statut.PROPOSEE


@pytest.mark.parametrize("n", [2, 8])
def test_the_space_lists_meetings_with_their_actions_in_constant_queries(
    client, django_assert_num_queries, n
):
    pair = ParrainageFactory(actif=True)
    for i in range(n):
        RencontreFactory(parrainage=pair, debut=_debut(jours=i + 1), lien="https://v.fr/a")
        RencontreFactory(
            parrainage=pair,
            debut=_debut(jours=i + 1, heure=10),
            statut=Rencontre.Statut.PROPOSEE,
            acceptee_le=timezone.now(),
            au_calendrier=False,
            lieu="Café",
        )
        RencontreFactory(parrainage=pair, debut=_debut(jours=-i - 1), tenue=True)
    client.force_login(pair.filleul.user)
    # savepoints, session (with the account and the mentee), candidatures (+ history), pairs
    # (with their charter in force), meetings, events, immersions
    with django_assert_num_queries(8):
        reponse = client.get(reverse("filleul:tableau_de_bord"))
    contenu = _texte(reponse)
    # A proposal not yet in any calendar has no .ics to add (no cancellation would follow).
    assert contenu.count("Ajouter à mon agenda (.ics)") == n
    assert contenu.count("À confirmer par votre parrain ou marraine") == n
    assert contenu.count('rel="noopener"') == n
