"""Reminders: each rule at its boundaries, exactly once, retries, surveys, unsubscribing."""

import datetime as dt
import html
import re
import smtplib

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import (
    REPRISE_APRES,
    envoi_expedier,
    envois_creer,
    envois_expedier,
    envois_reserver,
)
from mentorat.models import Envoi
from parrainages import relances
from parrainages.enquetes import SALT, lien_enquete
from parrainages.models import Sortie
from tests.mentorat.factories import (
    EnvoiFactory,
    UserFactory,
    connecter,
    gestionnaire,
)
from tests.parrainages.factories import (
    CharteFactory,
    ParrainageFactory,
    RencontreFactory,
    RepresentantLegalFactory,
    partie_de,
    signer,
)
from tests.partenaires.factories import MembreFactory, RapportFactory
from tests.programmes.factories import ProgrammeFactory, StructureFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 24, 8, 0))


def keys(envois):
    return sorted(e.cle for e in envois)


def text(response):
    return html.unescape(response.content.decode())


# --- Rules, at their boundaries ------------------------------------------------------------------


def test_proposal_unanswered_at_the_delay():
    pair = ParrainageFactory(attente=True, programme__relance_proposition_jours=3)
    user = pair.parrain.user
    for age, expected in (
        (dt.timedelta(days=3, seconds=-1), 0),
        (dt.timedelta(days=3), 1),
        (dt.timedelta(days=4), 1),
    ):
        pair.envoye_le = NOW - age
        pair.save()
        envois = relances.proposition_sans_reponse(NOW)
        assert len(envois) == expected, age
    assert envois[0].cle == f"proposition_sans_reponse:{pair.pk}:{user.pk}"
    assert envois[0].email == user.email and envois[0].essentiel


def test_charter_waiting_reminds_each_missing_party_every_n_days():
    charte = CharteFactory(emise_le=NOW - dt.timedelta(days=2))
    programme = charte.parrainage.programme
    programme.relance_charte_jours = 3
    programme.save()
    assert relances.charte_a_signer(NOW) == []
    charte.emise_le = NOW - dt.timedelta(days=3)
    charte.save()
    signer(partie_de(charte, "parrain"))
    envois = relances.charte_a_signer(NOW)
    assert keys(envois) == [f"charte_a_signer:{charte.pk}:filleul:1"]
    charte.emise_le = NOW - dt.timedelta(days=6)
    charte.save()
    assert keys(relances.charte_a_signer(NOW)) == [f"charte_a_signer:{charte.pk}:filleul:2"]
    charte.emise_le = NOW - dt.timedelta(days=13)  # fourth period: no more reminders
    charte.save()
    assert relances.charte_a_signer(NOW) == []


def test_a_guardian_is_reminded_with_a_new_link_of_their_own_once_a_period():
    from mentorat.models import Partie
    from mentorat.signatures import partie_depuis_jeton

    representant = RepresentantLegalFactory(email="nadia.benali@exemple.fr")
    pair = ParrainageFactory(actif=True, filleul=representant.filleul)
    charte = CharteFactory(parrainage=pair, emise_le=NOW - dt.timedelta(days=3))
    pair.programme.relance_charte_jours = 3
    pair.programme.save()
    for role in ("parrain", "filleul"):
        signer(partie_de(charte, role))
    partie = partie_de(charte, "representant_legal_1")
    mail.outbox.clear()

    assert relances.charte_a_signer(NOW) == []  # no outbox row from the rule itself
    (rappel,) = mail.outbox
    assert rappel.to == ["nadia.benali@exemple.fr"] and "Rappel — à signer" in rappel.subject
    jeton = re.search(r"/signature/([^/\s]+)/", rappel.body)[1]
    assert partie_depuis_jeton(jeton) == partie
    envoi = Envoi.objects.get(cle=f"charte_a_signer:{charte.pk}:representant_legal_1:1")
    assert envoi.confidentiel
    # The same period again: no new message, and the link sent stays the valid one.
    empreinte = Partie.objects.get(pk=partie.pk).jeton_hash
    relances.charte_a_signer(NOW)
    assert len(mail.outbox) == 1
    assert Partie.objects.get(pk=partie.pk).jeton_hash == empreinte
    # Signed: no more reminders.
    signer(partie)
    charte.emise_le = NOW - dt.timedelta(days=6)
    charte.save()
    assert relances.charte_a_signer(NOW) == [] and len(mail.outbox) == 1


def test_meeting_tomorrow_both_parties():
    pair = ParrainageFactory(actif=True)
    demain = timezone.localtime(NOW).date() + dt.timedelta(days=1)
    at = lambda d, h: timezone.make_aware(dt.datetime.combine(d, dt.time(h, 0)))  # noqa: E731
    tomorrow = RencontreFactory(parrainage=pair, debut=at(demain, 18))
    RencontreFactory(parrainage=pair, debut=at(demain + dt.timedelta(days=1), 0))  # day after
    RencontreFactory(parrainage=pair, debut=at(demain, 10), annulee=True)
    envois = relances.rencontre_demain(NOW)
    assert keys(envois) == sorted(
        f"rencontre_demain:{tomorrow.pk}:{u.pk}" for u in (pair.parrain.user, pair.filleul.user)
    )
    assert not envois[0].essentiel


def test_no_meeting_for_n_days_then_staff_alert_at_2n():
    coordinateur = gestionnaire()
    aujourd_hui = timezone.localtime(NOW).date()
    pair = ParrainageFactory(
        actif=True,
        date_debut=aujourd_hui - dt.timedelta(days=60),
        programme__relance_sans_rencontre_jours=21,
        programme__coordinateur=coordinateur,
    )
    held = RencontreFactory(parrainage=pair, debut=NOW - dt.timedelta(days=20), tenue=True)
    assert relances.sans_rencontre(NOW) == []
    held.debut = NOW - dt.timedelta(days=21)
    held.save()
    assert keys(relances.sans_rencontre(NOW)) == [
        f"sans_rencontre:{pair.pk}:{pair.parrain.user.pk}:1"
    ]
    held.debut = NOW - dt.timedelta(days=42)
    held.save()
    assert keys(relances.sans_rencontre(NOW)) == sorted(
        [f"alerte_sans_rencontre:{pair.pk}:2", f"sans_rencontre:{pair.pk}:{pair.parrain.user.pk}:2"]
    )


def test_surveys_at_end_and_six_months_kept_apart():
    aujourd_hui = timezone.localtime(NOW).date()
    ended = ParrainageFactory(
        termine=True,
        date_debut=aujourd_hui - dt.timedelta(days=400),
        date_fin=aujourd_hui - dt.timedelta(days=183),
    )
    assert len(relances.enquete_fin(NOW)) == 2
    assert len(relances.enquete_six_mois(NOW)) == 2
    Sortie.objects.create(parrainage=ended, moment="fin", type="cdi", date=ended.date_fin)
    assert relances.enquete_fin(NOW) == []
    assert len(relances.enquete_six_mois(NOW)) == 2
    ended.date_fin = aujourd_hui - dt.timedelta(days=182)
    ended.save()
    assert relances.enquete_six_mois(NOW) == []


def test_pair_ending_soon():
    aujourd_hui = timezone.localtime(NOW).date()
    pair = ParrainageFactory(actif=True, programme__alerte_fin_jours=14)
    for days, expected in ((15, 0), (14, 2), (0, 2), (-1, 0)):
        pair.date_fin_prevue = aujourd_hui + dt.timedelta(days=days)
        pair.save()
        assert len(relances.fin_proche(NOW)) == expected, days


def test_monthly_report_ready_tells_active_members():
    rapport = RapportFactory(pret=True, automatique=True, genere_le=NOW - dt.timedelta(days=1))
    active = MembreFactory(partenaire=rapport.convention.partenaire)
    MembreFactory(partenaire=rapport.convention.partenaire, actif=False)
    MembreFactory()  # another partner
    # partenaires' rule, run with these (registered by its app).
    assert keys(relances.REGLES["rapport_pret"](NOW)) == [
        f"rapport_pret:{rapport.pk}:{active.user.pk}"
    ]


def test_every_reminder_reads_well_once_sent():
    """Each rule's e-mail, rendered from its templates when sent: who it names, its link."""
    aujourd_hui = timezone.localtime(NOW).date()
    jours = dt.timedelta
    coordinateur = gestionnaire()
    attente = ParrainageFactory(attente=True, envoye_le=NOW - jours(days=10))
    charte = CharteFactory(emise_le=NOW - jours(days=10))
    rencontre = RencontreFactory(
        debut=timezone.make_aware(dt.datetime.combine(aujourd_hui + jours(days=1), dt.time(18))),
        lieu="Café de la gare",
        sujet="Préparer un entretien",
    )
    en_panne = ParrainageFactory(
        actif=True,
        date_debut=aujourd_hui - jours(days=60),
        programme__relance_sans_rencontre_jours=21,
        programme__coordinateur=coordinateur,
    )
    termine = ParrainageFactory(
        termine=True,
        date_debut=aujourd_hui - jours(days=400),
        date_fin=aujourd_hui - jours(days=200),
    )
    bientot = ParrainageFactory(
        actif=True, programme__alerte_fin_jours=14, date_fin_prevue=aujourd_hui + jours(days=7)
    )
    rapport = RapportFactory(pret=True, automatique=True, genere_le=NOW - jours(days=1))
    MembreFactory(partenaire=rapport.convention.partenaire)
    relances.relances_planifier(maintenant=NOW)
    envois_creer(relances.propositions_nouvelles([attente.pk]))
    assert envois_expedier()["envoye"] == Envoi.objects.count()

    def message(regle, objet):
        """The first e-mail of ``regle`` about ``objet`` (its key's start): text and HTML."""
        cle = re.compile(rf"<{regle}\.{objet}[.@]")
        m = next(m for m in mail.outbox if cle.match(m.extra_headers["Message-ID"]))
        return m.body, m.alternatives[0][0]

    filleul_attente = attente.filleul.user.first_name
    attendus = {
        ("proposition_nouvelle", attente.pk): [
            f"vous propose de parrainer {filleul_attente}.",
            f"Voir la proposition : http://127.0.0.1:8000/parrain/propositions/{attente.pk}/",
        ],
        ("proposition_sans_reponse", attente.pk): [
            f"{filleul_attente} attend votre réponse pour un parrainage dans le programme "
            f"« {attente.programme.nom} ».",
            f"Répondre à la proposition : http://127.0.0.1:8000/parrain/propositions/{attente.pk}/",
        ],
        ("charte_a_signer", charte.pk): [
            f"La charte du parrainage « {charte.parrainage.programme.nom} » attend encore",
            f"Lire et signer la charte : http://127.0.0.1:8000/charte/{charte.uuid}/",
        ],
        ("rencontre_demain", f"{rencontre.pk}.{rencontre.parrainage.filleul.user_id}"): [
            f"avec {rencontre.parrainage.parrain.user.get_full_name()}.",
            "Lieu : Café de la gare. Sujet : Préparer un entretien.",
            "Voir mon espace : http://127.0.0.1:8000/espace/",
        ],
        ("sans_rencontre", en_panne.pk): [
            f"Aucune rencontre n'est consignée avec {en_panne.filleul.user.get_full_name()} "
            "depuis 60 jours.",
            f"Ouvrir le binôme : http://127.0.0.1:8000/parrain/binomes/{en_panne.pk}/",
        ],
        ("alerte_sans_rencontre", en_panne.pk): [
            f"Le binôme de {en_panne.parrain.user.get_full_name()} et "
            f"{en_panne.filleul.user.get_full_name()} ({en_panne.programme.nom}) n'a consigné",
            f"/admin/parrainages/parrainage/{en_panne.pk}/change/",
        ],
        ("enquete_fin", termine.pk): [
            f"Le parrainage « {termine.programme.nom} » s'est terminé.\n",
            "Répondre (1 minute) : http://127.0.0.1:8000/enquete/",
        ],
        ("enquete_six_mois", termine.pk): [
            f"Le parrainage « {termine.programme.nom} » s'est terminé il y a six mois.",
        ],
        ("fin_proche", bientot.pk): [
            f"se termine le {bientot.date_fin_prevue:%d/%m/%Y}.",
            "Voir mon espace : http://127.0.0.1:8000/espace/",
        ],
        ("rapport_pret", rapport.pk): [
            f"Le rapport de la convention « {rapport.convention.titre} » pour la période du "
            "01/01/2026 au 31/03/2026 est prêt.",
            "Voir l'espace partenaire : http://127.0.0.1:8000/partenaire/",
        ],
    }
    for (regle, objet), morceaux in attendus.items():
        texte, page = message(regle, objet)
        for morceau in morceaux:
            assert morceau in texte, (regle, texte)
            assert html.escape(morceau.split(" : ")[-1], quote=False).strip() in page, regle


# --- Exactly once --------------------------------------------------------------------------------


def due_world():
    ParrainageFactory(attente=True, envoye_le=NOW - dt.timedelta(days=5))
    pair = ParrainageFactory(actif=True)
    RencontreFactory(parrainage=pair, debut=NOW + dt.timedelta(days=1, hours=2))


def test_planning_twice_adds_nothing(django_assert_max_num_queries):
    due_world()
    first = relances.relances_planifier(maintenant=NOW)
    assert first["proposition_sans_reponse"] == 1 and first["rencontre_demain"] == 2
    assert relances.relances_planifier(maintenant=NOW) == dict.fromkeys(relances.REGLES, 0)
    assert Envoi.objects.count() == sum(first.values())


def test_rules_use_a_constant_number_of_queries(django_assert_num_queries):
    for _ in range(3):
        due_world()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        relances.relances_planifier(maintenant=NOW)
    Envoi.objects.all().delete()
    for _ in range(12):
        due_world()
    with CaptureQueriesContext(connection) as large:
        relances.relances_planifier(maintenant=NOW)
    assert len(large) == len(small)


def test_each_email_sent_once_even_when_run_twice():
    EnvoiFactory.create_batch(5)
    assert envois_expedier()["envoye"] == 5
    assert envois_expedier() == {}
    assert len(mail.outbox) == 5
    assert Envoi.objects.filter(statut="envoye").count() == 5
    assert all(m.extra_headers["Message-ID"].startswith("<essai.") for m in mail.outbox)


def test_two_workers_never_claim_the_same_row():
    EnvoiFactory.create_batch(10)
    jeton_a, lot_a = envois_reserver(lot=6)
    jeton_b, lot_b = envois_reserver(lot=6)
    assert len(lot_a) == 6 and len(lot_b) == 4
    assert not {e.pk for e in lot_a} & {e.pk for e in lot_b}
    assert envois_reserver(lot=6)[1] == []


def test_a_claim_left_by_a_dead_worker_is_taken_again():
    EnvoiFactory()
    _, lot = envois_reserver()
    assert lot and envois_reserver()[1] == []
    later = timezone.now() + REPRISE_APRES + dt.timedelta(seconds=1)
    jeton, repris = envois_reserver(maintenant=later)
    assert [e.pk for e in repris] == [lot[0].pk]
    # The dead worker's late update does nothing; the new owner sends it once.
    assert envoi_expedier(repris[0], jeton) == "envoye"
    # The first worker, only slow, wakes up: the row is no longer its own, it sends nothing.
    assert envoi_expedier(lot[0], "jeton-du-premier-worker") == "perdu"
    assert Envoi.objects.get().statut == "envoye"
    assert len(mail.outbox) == 1


def test_transient_failures_are_retried_for_days_then_recorded(monkeypatch):
    envoi = EnvoiFactory()

    def panne(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connexion perdue")

    monkeypatch.setattr("mentorat.envois.envoyer_email", panne)
    assert envois_expedier() == {"reessai": 1}
    envoi.refresh_from_db()
    assert (envoi.statut, envoi.tentatives) == ("a_envoyer", 1)
    assert envoi.prochain_essai > timezone.now()
    attentes = []
    for _ in range(9):
        avant = timezone.now()
        Envoi.objects.filter(pk=envoi.pk).update(prochain_essai=avant)
        assert envois_expedier() == {"reessai": 1}
        envoi.refresh_from_db()
        attentes.append(round((envoi.prochain_essai - avant).total_seconds() / 60))
    assert attentes == [4, 8, 16, 30, 30, 30, 30, 30, 30]  # capped, never given up so soon
    # Three days after it was written, a message still refused is recorded as a failure.
    Envoi.objects.filter(pk=envoi.pk).update(
        prochain_essai=timezone.now(), created_at=timezone.now() - dt.timedelta(days=3, minutes=1)
    )
    assert envois_expedier() == {"echec": 1}
    envoi.refresh_from_db()
    assert (envoi.statut, envoi.tentatives) == ("echec", 11)
    assert "connexion perdue" in envoi.erreur


def test_a_permanent_refusal_fails_at_once(monkeypatch):
    envoi = EnvoiFactory()

    def refus(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({envoi.email: (550, b"5.1.1 mailbox unknown")})

    monkeypatch.setattr("mentorat.envois.envoyer_email", refus)
    assert envois_expedier() == {"echec": 1}
    envoi.refresh_from_db()
    assert envoi.statut == "echec" and "mailbox unknown" in envoi.erreur


def test_a_greylisting_answer_is_retried(monkeypatch):
    envoi = EnvoiFactory()

    def greylist(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({envoi.email: (451, b"4.7.1 try again later")})

    monkeypatch.setattr("mentorat.envois.envoyer_email", greylist)
    assert envois_expedier() == {"reessai": 1}


def test_unsubscribed_people_do_not_get_non_essential_reminders():
    quiet = UserFactory(relances_non_essentielles=False)
    EnvoiFactory(destinataire=quiet, email=quiet.email, essentiel=False)
    EnvoiFactory(destinataire=quiet, email=quiet.email, essentiel=True)
    assert envois_expedier() == {"annule": 1, "envoye": 1}
    assert len(mail.outbox) == 1


def test_non_essential_mail_has_one_click_unsubscribe(client):
    user = UserFactory()
    EnvoiFactory(destinataire=user, email=user.email, essentiel=False)
    envois_expedier()
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    lien = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = lien.split("127.0.0.1:8000", 1)[-1]
    assert "Confirmer le désabonnement" in text(client.get(path))
    user.refresh_from_db()
    assert user.relances_non_essentielles  # a GET (link preview) changes nothing
    assert client.post(path).status_code == 200
    user.refresh_from_db()
    assert not user.relances_non_essentielles
    assert client.post(path[:-5] + "xxxx/").status_code == 400


def test_preferences_page(client):
    url = reverse("preferences")
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    user = UserFactory()
    client.force_login(user)
    assert client.get(url).status_code == 200
    client.post(url, {})
    user.refresh_from_db()
    assert not user.relances_non_essentielles
    client.post(url, {"relances_non_essentielles": "on"})
    user.refresh_from_db()
    assert user.relances_non_essentielles


# --- Surveys ------------------------------------------------------------------------------------


def test_survey_link_valid_reused_tampered_expired(client, monkeypatch):
    pair = ParrainageFactory(
        termine=True, date_debut=dt.date(2026, 1, 5), date_fin=dt.date(2026, 7, 5)
    )
    lien = lien_enquete(parrainage_id=pair.pk, moment="fin", user_id=pair.filleul.user_id)
    path = lien.split("127.0.0.1:8000", 1)[-1]
    page = client.get(path)
    assert "Quelle est la situation aujourd'hui" in text(page)
    assert "Choisissez une réponse" in text(client.post(path, {}))
    done = client.post(path, {"type": "formation", "employeur": "AFPA"})
    assert "Merci pour votre réponse" in text(done)
    sortie = pair.sorties.get()
    assert (sortie.moment, sortie.type, sortie.source) == ("fin", "formation", "filleul")
    again = client.post(path, {"type": "cdi"})
    assert "déjà été enregistrée" in text(again)
    assert pair.sorties.count() == 1
    assert client.get(path[:-4] + "abc/").status_code == 400
    old = timezone.now() - dt.timedelta(days=61)
    monkeypatch.setattr("time.time", lambda: old.timestamp())
    expired = signing.dumps({"p": pair.pk, "m": "six_mois", "u": pair.filleul.user_id}, salt=SALT)
    monkeypatch.undo()
    response = client.get(reverse("enquete", kwargs={"jeton": expired}))
    assert response.status_code == 400 and "expiré" in text(response)


def test_six_month_answer_is_kept_apart(client):
    pair = ParrainageFactory(
        termine=True, date_debut=dt.date(2025, 1, 5), date_fin=dt.date(2025, 7, 5)
    )
    Sortie.objects.create(parrainage=pair, moment="fin", type="cdd_court", date=pair.date_fin)
    lien = lien_enquete(parrainage_id=pair.pk, moment="six_mois", user_id=pair.parrain.user_id)
    client.post(lien.split("127.0.0.1:8000", 1)[-1], {"type": "cdi"})
    assert dict(pair.sorties.values_list("moment", "type")) == {
        "fin": "cdd_court",
        "six_mois": "cdi",
    }
    assert pair.sorties.get(moment="six_mois").source == "parrain"


# --- Staff follow-up page -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 12])
def test_follow_up_page(client, django_assert_num_queries, n):
    url = reverse("admin:parrainages_parrainage_suivi")
    assert client.get(url)["Location"].startswith(reverse("admin:login"))
    aujourd_hui = timezone.localdate()
    for _ in range(n):
        pair = ParrainageFactory(actif=True, date_debut=aujourd_hui - dt.timedelta(days=90))
        ParrainageFactory(
            termine=True,
            date_debut=aujourd_hui - dt.timedelta(days=400),
            date_fin=aujourd_hui - dt.timedelta(days=200),
        )
        # Messages to the people of the staff member's perimeter (the whole outbox is the
        # Administrateur's).
        EnvoiFactory(destinataire=pair.filleul.user, envoye=True, envoye_le=timezone.now())
        EnvoiFactory(destinataire=pair.parrain.user, echec=True, erreur="boîte pleine")
    connecter(client, gestionnaire())
    # savepoints, session (with the account), permissions, their perimeter, stalled pairs, two
    # survey lists, recent and failed sends…
    with django_assert_num_queries(10):
        response = client.get(url)
    content = text(response)
    assert len(response.context["en_panne"]) == n
    assert len(response.context["sans_fin"]) == n and len(response.context["sans_six"]) == n
    assert "boîte pleine" in content
    assert re.search(r"Binômes sans rencontre consignée \(\d+\)", content)
    # Staff of another structure read neither these pairs nor the e-mails sent to their people.
    autre = StructureFactory(programmes=[ProgrammeFactory(structure=False)])
    connecter(client, gestionnaire(structure=autre))
    response = client.get(url)
    content = text(response)
    assert len(response.context["en_panne"]) == 0
    assert len(response.context["sans_fin"]) == 0 and len(response.context["sans_six"]) == 0
    assert "boîte pleine" not in content and list(response.context["envois"]) == []


def test_a_pair_whose_mentee_has_no_address_yet_reminds_the_mentor_only():
    """An account a counsellor created has no address until claimed (partenaires
    .orientations): the run succeeds and only the mentor is written to."""
    aujourd_hui = timezone.localtime(NOW).date()
    ended = ParrainageFactory(
        termine=True,
        date_debut=aujourd_hui - dt.timedelta(days=400),
        date_fin=aujourd_hui - dt.timedelta(days=183),
    )
    actif = ParrainageFactory(
        actif=True, programme__alerte_fin_jours=14, date_fin_prevue=aujourd_hui
    )
    for pair in (ended, actif):
        pair.filleul.user.email = None
        pair.filleul.user.save(update_fields=["email"])
    nouveaux = relances.relances_planifier(maintenant=NOW)
    assert nouveaux["enquete_fin"] == 1
    assert nouveaux["fin_proche"] == 1
    assert not Envoi.objects.filter(
        destinataire__in=[ended.filleul.user, actif.filleul.user]
    ).exists()
