"""Outcomes of people without a pair: applicants retained but never paired, and those who left
after the selection week, are asked the end and 6-month surveys (once), answer through the
link, and staff may record the outcome in the admin."""

import datetime as dt
import html
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import envois_creer
from mentorat.models import Envoi
from parrainages import relances
from parrainages.enquetes import LienInvalide, lien_enquete, lire_jeton
from parrainages.models import Candidature, MotifRefus, Sortie
from parrainages.services import (
    candidature_desister,
    candidature_inviter_a_la_selection,
    candidature_mettre_en_attente,
    candidature_refuser,
    candidature_retenir,
    enquete_candidature_repondre,
    sortie_candidature_enregistrer,
)
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    ParrainageFactory,
    SortieCandidatureFactory,
)
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

REGLES = ["enquete_candidature_fin", "enquete_candidature_six_mois"]


def text(response) -> str:
    contenu = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", contenu)))


def chemin(lien: str) -> str:
    return lien.split("127.0.0.1:8000", 1)[-1]


def planifier(maintenant) -> dict[str, int]:
    return relances.relances_planifier(maintenant=maintenant, regles=REGLES)


def cles(regle) -> set[str]:
    return set(Envoi.objects.filter(regle=regle).values_list("cle", flat=True))


@pytest.fixture
def cohorte():
    """A 6-month programme that selects through a selection week, and one person of each
    kind, decided today through the services."""
    programme = ProgrammeFactory(duree_parrainage_mois=6, sorties_sur_la_cohorte=True)

    def candidature(*etapes):
        c = CandidatureFactory(programme=programme)
        for etape in etapes:
            c = etape(c)
        return c

    def inviter(c):
        return candidature_inviter_a_la_selection(candidature=c, par=None)

    def retenir(c):
        return candidature_retenir(candidature=c, par=None)

    def refuser(c):
        motif = MotifRefus.objects.first()
        return candidature_refuser(candidature=c, par=None, motif=motif)

    def attente(c):
        return candidature_mettre_en_attente(candidature=c, par=None)

    def desister(c):
        return candidature_desister(candidature=c, par=None)

    monde = {
        "programme": programme,
        # Retained without a selection week, never paired.
        "retenue": candidature(retenir),
        # Retained after the week, never paired.
        "retenue_apres_selection": candidature(inviter, retenir),
        "refusee_apres_selection": candidature(inviter, refuser),
        "attente_apres_selection": candidature(inviter, attente),
        "desistee_apres_selection": candidature(inviter, desister),
        # Not in scope: refused or withdrew before any selection week.
        "refusee_sans_selection": candidature(refuser),
        "desistee_avant_selection": candidature(desister),
        # Still invited: the jury has not decided.
        "invitee": candidature(inviter),
        # Retained after the week and paired: the pair's surveys, not these.
        "appariee": candidature(inviter, retenir),
    }
    ParrainageFactory(
        programme=programme,
        filleul=monde["appariee"].filleul,
        candidature=monde["appariee"],
        actif=True,
    )
    return monde


SANS_BINOME = (
    "retenue",
    "retenue_apres_selection",
    "refusee_apres_selection",
    "attente_apres_selection",
    "desistee_apres_selection",
)


def test_surveys_go_once_to_each_person_without_a_pair_when_a_pair_would_have_ended(cohorte):
    maintenant = timezone.now()
    # Before the programme's planned duration has passed: nobody yet.
    assert planifier(maintenant + dt.timedelta(days=150)) == dict.fromkeys(REGLES, 0)

    fin = maintenant + dt.timedelta(days=190)
    assert planifier(fin) == {"enquete_candidature_fin": 5, "enquete_candidature_six_mois": 0}
    attendues = {
        f"enquete_candidature_fin:{cohorte[n].pk}:{cohorte[n].filleul.user_id}" for n in SANS_BINOME
    }
    assert cles("enquete_candidature_fin") == attendues
    # Run again (the next morning too): nothing more.
    assert planifier(fin) == dict.fromkeys(REGLES, 0)
    assert planifier(fin + dt.timedelta(days=1)) == dict.fromkeys(REGLES, 0)

    six_mois = maintenant + dt.timedelta(days=190 + 190)
    assert planifier(six_mois) == {"enquete_candidature_fin": 0, "enquete_candidature_six_mois": 5}
    assert planifier(six_mois) == dict.fromkeys(REGLES, 0)
    envoi = Envoi.objects.get(
        cle=f"enquete_candidature_six_mois:{cohorte['refusee_apres_selection'].pk}:"
        f"{cohorte['refusee_apres_selection'].filleul.user_id}"
    )
    assert envoi.destinataire_id == cohorte["refusee_apres_selection"].filleul.user_id
    assert envoi.contexte["six_mois"] and not envoi.contexte["retenue"]
    # The paired person, the ones who left before any selection week, the one still invited:
    # never asked on their application.
    for nom in ("appariee", "refusee_sans_selection", "desistee_avant_selection", "invitee"):
        assert not Envoi.objects.filter(cle__contains=f"_fin:{cohorte[nom].pk}:").exists()
        assert not Envoi.objects.filter(cle__contains=f"_six_mois:{cohorte[nom].pk}:").exists()


def test_the_paired_person_gets_the_pairs_survey_not_the_applications(cohorte):
    pair = cohorte["appariee"].filleul.parrainages.get()
    pair.date_debut = timezone.localdate() - dt.timedelta(days=200)
    pair.statut = pair.Statut.TERMINE
    pair.date_fin = timezone.localdate() - dt.timedelta(days=10)
    pair.save()
    plus_tard = timezone.now() + dt.timedelta(days=400)
    envois_creer(relances.enquete_fin(plus_tard))
    assert cles("enquete_fin") == {
        f"enquete_fin:{pair.pk}:{pair.filleul.user_id}",
        f"enquete_fin:{pair.pk}:{pair.parrain.user_id}",
    }
    planifier(plus_tard)
    assert not any(f":{cohorte['appariee'].pk}:" in c for c in cles("enquete_candidature_fin"))


def test_an_answered_survey_is_not_asked_again_and_the_six_month_one_still_is(cohorte):
    candidature = cohorte["retenue"]
    SortieCandidatureFactory(candidature=candidature, moment="fin", type="cdi")
    plus_tard = timezone.now() + dt.timedelta(days=400)
    planifier(plus_tard)
    assert not any(f":{candidature.pk}:" in c for c in cles("enquete_candidature_fin"))
    assert any(f":{candidature.pk}:" in c for c in cles("enquete_candidature_six_mois"))


def test_a_longer_programme_asks_later():
    programme = ProgrammeFactory(duree_parrainage_mois=12)
    candidature = candidature_retenir(candidature=CandidatureFactory(programme=programme), par=None)
    assert planifier(timezone.now() + dt.timedelta(days=300))["enquete_candidature_fin"] == 0
    assert planifier(timezone.now() + dt.timedelta(days=370))["enquete_candidature_fin"] == 1
    assert cles("enquete_candidature_fin") == {
        f"enquete_candidature_fin:{candidature.pk}:{candidature.filleul.user_id}"
    }


def test_the_surveys_email_leads_to_the_page_that_records_the_outcome(client, cohorte):
    candidature = cohorte["attente_apres_selection"]
    envois = relances.enquete_candidature_fin(timezone.now() + dt.timedelta(days=200))
    (envoi,) = [e for e in envois if f":{candidature.pk}:" in e.cle]
    lien = envoi.contexte["lien"]
    assert lire_jeton(lien.rstrip("/").rsplit("/", 1)[-1]) == {
        "parrainage": None,
        "candidature": candidature.pk,
        "moment": "fin",
        "user": candidature.filleul.user_id,
    }
    page = client.get(chemin(lien))
    assert page.status_code == 200
    assert "Même sans parrainage, votre réponse compte" in text(page)
    assert "Choisissez une réponse" in text(client.post(chemin(lien), {}))
    merci = client.post(chemin(lien), {"type": "alternance", "employeur": "Garage Muller"})
    assert "Merci pour votre réponse" in text(merci)
    sortie = candidature.sorties.get()
    assert (sortie.moment, sortie.type, sortie.employeur, sortie.source) == (
        "fin",
        "alternance",
        "Garage Muller",
        Sortie.Source.FILLEUL,
    )
    assert sortie.parrainage_id is None and sortie.date == timezone.localdate()
    again = client.post(chemin(lien), {"type": "cdi"})
    assert "déjà été enregistrée" in text(again)
    assert candidature.sorties.count() == 1
    # Answered: the rule asks no more.
    assert not any(
        f":{candidature.pk}:" in e.cle
        for e in relances.enquete_candidature_fin(timezone.now() + dt.timedelta(days=200))
    )


def test_someone_elses_link_or_a_person_paired_since_is_refused(client, cohorte):
    candidature = cohorte["retenue"]
    autre = cohorte["refusee_apres_selection"].filleul.user_id
    lien = lien_enquete(candidature_id=candidature.pk, moment="fin", user_id=autre)
    reponse = client.post(chemin(lien), {"type": "cdi"})
    assert "ne vous concerne plus" in text(reponse)
    ParrainageFactory(programme=candidature.programme, filleul=candidature.filleul, actif=True)
    lien = lien_enquete(
        candidature_id=candidature.pk, moment="fin", user_id=candidature.filleul.user_id
    )
    reponse = client.post(chemin(lien), {"type": "cdi"})
    assert "votre situation vous sera demandée à la fin de votre parrainage" in text(reponse)
    assert not Sortie.objects.filter(candidature=candidature).exists()


def test_old_pair_links_keep_working(client):
    from django.core import signing

    from parrainages.enquetes import SALT

    pair = ParrainageFactory(
        termine=True, date_debut=dt.date(2026, 1, 5), date_fin=dt.date(2026, 7, 5)
    )
    # A link as written before applications had surveys: {"p", "m", "u"}.
    jeton = signing.dumps({"p": pair.pk, "m": "six_mois", "u": pair.filleul.user_id}, salt=SALT)
    url = reverse("enquete", kwargs={"jeton": jeton})
    assert "Parrainage" in text(client.get(url))
    client.post(url, {"type": "cdi"})
    assert pair.sorties.get().moment == "six_mois"


def test_a_link_about_nothing_or_both_is_refused(client):
    from django.core import signing

    from parrainages.enquetes import SALT

    for donnees in ({"m": "fin", "u": 1}, {"p": 1, "c": 2, "m": "fin", "u": 1}):
        jeton = signing.dumps(donnees, salt=SALT)
        with pytest.raises(LienInvalide):
            lire_jeton(jeton)
        reponse = client.get(reverse("enquete", kwargs={"jeton": jeton}))
        assert reponse.status_code == 400
    with pytest.raises(ValueError):
        lien_enquete(moment="fin", user_id=1)


def test_exactly_one_of_pair_and_application_and_one_outcome_a_moment():
    candidature = CandidatureFactory(retenue=True)
    pair = ParrainageFactory(actif=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Sortie.objects.create(type="cdi", date=timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        Sortie.objects.create(
            parrainage=pair, candidature=candidature, type="cdi", date=timezone.localdate()
        )
    SortieCandidatureFactory(candidature=candidature, moment="fin")
    with pytest.raises(IntegrityError), transaction.atomic():
        SortieCandidatureFactory(candidature=candidature, moment="fin")
    SortieCandidatureFactory(candidature=candidature, moment="six_mois")
    assert candidature.sorties.count() == 2


def test_the_service_refuses_a_second_answer_and_a_stranger():
    candidature = CandidatureFactory(retenue=True)
    user_id = candidature.filleul.user_id
    enquete_candidature_repondre(
        candidature_id=candidature.pk, moment="fin", user_id=user_id, type="formation"
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="déjà été enregistrée"):
        enquete_candidature_repondre(
            candidature_id=candidature.pk, moment="fin", user_id=user_id, type="cdi"
        )
    with pytest.raises(ValidationError, match="ne vous concerne plus"):
        enquete_candidature_repondre(
            candidature_id=candidature.pk, moment="six_mois", user_id=None, type="cdi"
        )
    assert candidature.sorties.get().type == "formation"


def test_staff_record_an_outcome_without_a_pair_in_the_admin(client):
    candidature = CandidatureFactory(retenue=True)
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_sortie_add")
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="equipe" selected' in page.content.decode()
    donnees = {
        "candidature": candidature.pk,
        "parrainage": "",
        "moment": "six_mois",
        "type": "cdd_long",
        "date": timezone.localdate().isoformat(),
        "employeur": "Hôpital civil",
        "commentaire": "",
        "source": "equipe",
        "created_at_0": timezone.localdate().isoformat(),
        "created_at_1": "10:00:00",
    }
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, text(reponse)
    sortie = candidature.sorties.get()
    assert (sortie.moment, sortie.type, sortie.source) == ("six_mois", "cdd_long", "equipe")
    # A second one for the same moment, one about nothing, one for a paired person: refused.
    assert "déjà enregistrée" in text(client.post(url, donnees))
    assert "soit un parrainage, soit une candidature" in text(
        client.post(url, {**donnees, "candidature": ""})
    )
    appariee = CandidatureFactory(retenue=True)
    ParrainageFactory(programme=appariee.programme, filleul=appariee.filleul, actif=True)
    assert "a un binôme dans ce programme" in text(
        client.post(url, {**donnees, "candidature": appariee.pk})
    )
    assert Sortie.objects.count() == 1
    # The list shows both kinds; the filter keeps those without a pair.
    liste = client.get(reverse("admin:parrainages_sortie_changelist"), {"concerne": "candidature"})
    assert liste.status_code == 200 and "Hôpital civil" in text(liste)


def test_the_service_records_staffs_outcome_and_refuses_the_future():
    from django.core.exceptions import ValidationError

    candidature = CandidatureFactory(statut=Candidature.Statut.REFUSEE)
    with pytest.raises(ValidationError):
        sortie_candidature_enregistrer(
            candidature=candidature,
            donnees={
                "moment": "fin",
                "type": "cdi",
                "date": timezone.localdate() + dt.timedelta(days=1),
            },
        )
    sortie = sortie_candidature_enregistrer(
        candidature=candidature,
        donnees={"moment": "fin", "type": "cdi", "date": timezone.localdate()},
    )
    assert sortie.source == Sortie.Source.EQUIPE


def test_the_email_reads_well_and_carries_the_link(cohorte):
    from django.core import mail

    from mentorat.envois import envois_expedier

    planifier(timezone.now() + dt.timedelta(days=190))
    mail.outbox.clear()
    assert envois_expedier()["envoye"] == 5
    retenue = cohorte["retenue"]
    (message,) = [m for m in mail.outbox if m.to == [retenue.filleul.user.email]]
    assert message.subject.endswith("Une question sur votre situation aujourd'hui")
    assert "a été retenue, mais aucun binôme n'a pu vous être proposé" in message.body
    assert "Répondre (1 minute) : http://127.0.0.1:8000/enquete/" in message.body
    html_ = message.alternatives[0][0]
    assert "/enquete/" in html_
    partie = cohorte["desistee_apres_selection"]
    (message,) = [m for m in mail.outbox if m.to == [partie.filleul.user.email]]
    assert "Vous avez participé à la semaine de sélection" in message.body


def test_a_person_whose_account_has_no_address_yet_does_not_break_the_run(cohorte):
    """An account a counsellor created (partenaires.orientations) has no address until the
    person claims it: the whole run still succeeds, the others are asked, nothing is written
    for that person."""
    sans_adresse = cohorte["retenue"].filleul.user
    sans_adresse.email = None
    sans_adresse.save(update_fields=["email"])
    fin = timezone.now() + dt.timedelta(days=190)
    assert relances.relances_planifier(maintenant=fin)["enquete_candidature_fin"] == 4
    assert not Envoi.objects.filter(destinataire=sans_adresse, regle__in=REGLES).exists()
    assert not Envoi.objects.filter(email="").exists()


def test_the_outbox_skips_rows_without_an_address():
    ligne = relances._envoi("essai", "essai:1", None, None, "Sujet", {}, essentiel=True)
    assert envois_creer([ligne, ligne._replace(cle="essai:2", email="a@example.org")]) == 1
    assert list(Envoi.objects.values_list("cle", flat=True)) == ["essai:2"]
