"""The loop of a selection programme as its people live it, every e-mail through a real SMTP
server (aiosmtpd on loopback) and read as each of them reads it.

Two structures refer: the Mission locale invites Inès by e-mail (and France Travail refers her
too), France Travail fills Bastien's profile with him — he has no e-mail — and he claims his
account with the code of the printed letter. Both are invited to the selection week, attend,
are assessed by the facilitating association and by a company manager, and the jury decides:
Inès retained, Bastien not retained (a reason from the list and a note for his counsellor).
"""

import datetime as dt
import email
import html
import io
import re
import socket
import threading
from email import policy

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mentorat.models import Envoi
from parrainages.models import Candidature, CritereEvaluation, Evaluation, Presence
from parrainages.models.selection import Decision, EvaluateurInvite
from parrainages.services.selection import (
    decision_enregistrer,
    evaluateur_depuis_jeton,
    evaluateur_inviter,
    evaluation_enregistrer,
    participants_inviter,
    selection_presences_enregistrer,
    session_clore,
    session_demarrer,
)
from partenaires import orientations
from partenaires.models import Partenaire, Prescription
from partenaires.services import prescription_creer
from tests.mentorat.factories import UserFactory, gestionnaire
from tests.parrainages.factories import FilleulFactory, MotifRefusFactory, session_selection
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import CommuneFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

NAISSANCE_BASTIEN = dt.date(2002, 3, 9)
PRECISION = "Projet encore flou : à retravailler avec son conseiller avant la prochaine session."


class Boite:
    """An SMTP server's mailbox: every message it accepted, as sent."""

    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def pour(self, adresse) -> list[tuple[str, str]]:
        """What ``adresse`` received: (subject, plain text), in order."""
        with self.lock:
            recus = [m for rcpt, m in self.messages if adresse in rcpt]
        return [(str(m["Subject"]), texte(m)) for m in recus]

    def adresses(self) -> set[str]:
        with self.lock:
            return {a for rcpt, _ in self.messages for a in rcpt}


def texte(message) -> str:
    corps = message.get_body(preferencelist=("plain",))
    return re.sub(r"\s+", " ", corps.get_content()) if corps else ""


def pieces(message_recu) -> list[str]:
    return [p.get_content_type() for p in message_recu.iter_attachments()]


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    with socket.socket() as libre:
        libre.bind(("127.0.0.1", 0))
        port = libre.getsockname()[1]
    boite = Boite()
    controleur = Controller(boite, hostname="127.0.0.1", port=port)
    controleur.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield boite
    controleur.stop()


def lire(response) -> str:
    return html.unescape(response.content.decode())


def texte_pdf(contenu: bytes) -> str:
    lecteur = PdfReader(io.BytesIO(contenu))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in lecteur.pages))


def lien(corps: str, chemin: str) -> str:
    return re.search(rf"https?://[^\s]*{re.escape(chemin)}[^\s]*", corps).group(0)


def test_a_cohort_from_two_referrals_to_the_jury_every_email_read_by_its_reader(client, smtp):
    commune = CommuneFactory(nom="Strasbourg", code_postal="67000", code_insee="67482")
    programme = ProgrammeFactory(nom="100 chances 100 emplois", slug="cent-chances")
    criteres = [
        CritereEvaluation.objects.create(
            programme=programme, libelle=libelle, ordre=i, note_min=1, note_max=4
        )
        for i, libelle in enumerate(["Motivation", "Présentation orale"])
    ]
    motif = MotifRefusFactory(
        libelle="Projet professionnel à consolider",
        texte_candidat="Votre projet mérite d'être précisé avant de rejoindre le parcours.",
    )
    equipe = gestionnaire(email="coordination@ville.fr")
    ml = MembreFactory(
        user__email="conseillere@ml-strasbourg.fr",
        user__first_name="Nadia",
        partenaire__nom="Mission locale pour l'emploi de Strasbourg",
        partenaire__type=Partenaire.Type.MISSION_LOCALE,
    )
    ft = MembreFactory(
        user__email="conseiller@ft-hautepierre.fr",
        user__first_name="Marc",
        partenaire__nom="France Travail Strasbourg Hautepierre",
        partenaire__type=Partenaire.Type.FRANCE_TRAVAIL,
    )
    asso = MembreFactory(
        user__email="animatrice@100chances.fr",
        partenaire__nom="Association 100 chances 100 emplois",
        partenaire__type=Partenaire.Type.ASSOCIATION,
    )

    # 1. The Mission locale invites Inès; France Travail refers her too, told nothing of it.
    invitation = prescription_creer(
        par=ml.user,
        partenaire=ml.partenaire,
        programme=programme,
        prenom="Inès",
        nom="Morel",
        email="ines@exemple.fr",
    )
    prescription_creer(
        par=ft.user,
        partenaire=ft.partenaire,
        programme=programme,
        prenom="Inès",
        nom="Morel",
        email="ines@exemple.fr",
    )
    (sujet, corps), _ = smtp.pour("ines@exemple.fr")
    assert "100 chances 100 emplois" in sujet
    lien_invitation = lien(corps, "/invitation/")
    # She opens the Mission locale's link, has her account and profile, and applies.
    ines = FilleulFactory(
        user=UserFactory(email="ines@exemple.fr", first_name="Inès", last_name="Morel"),
        commune=commune,
    )
    client.force_login(ines.user)
    assert client.get(lien_invitation.split("127.0.0.1:8000")[-1]).status_code == 302
    depot = client.post(reverse("candidater", args=[programme.slug]), {"confirmation": "on"})
    assert depot.status_code == 302
    candidature_ines = Candidature.objects.get(filleul=ines)
    assert candidature_ines.prescripteur == ml.partenaire  # the link she applied through
    invitation.refresh_from_db()
    assert invitation.filleul == ines

    # 2. France Travail fills Bastien's profile with him (no e-mail) and prints his letter.
    bastien_prescription = orientations.prescription_compte_creer(
        par=ft.user,
        partenaire=ft.partenaire,
        programme=programme,
        donnees={
            "first_name": "Bastien",
            "last_name": "Klein",
            "date_naissance": NAISSANCE_BASTIEN,
            "telephone": "",
            "commune": commune,
            "qpv": "oui",
            "situation": "mission_locale",
            "niveau_diplome": 3,
        },
        freins=["mobilite"],
        diagnostic="Veut travailler dans la logistique ; ponctuel.",
    )
    lettre = orientations.code_remettre(
        prescription_id=bastien_prescription.pk, par=ft.user, moyen="lettre"
    )
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", texte_pdf(lettre)).group(1)
    # He claims it at home with the letter's code and his birth date, chooses his address and
    # confirms it with the code e-mailed to him.
    client.logout()
    reclame = client.post(
        reverse("reclamer"),
        {
            "code": code,
            "date_naissance": NAISSANCE_BASTIEN.isoformat(),
            "email": "bastien@exemple.fr",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert reclame.status_code == 302, lire(reclame)
    (sujet, corps), *_ = smtp.pour("bastien@exemple.fr")
    code_email = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", corps).group(1)
    client.post(reclame["Location"], {"code": code_email})
    assert "100 chances 100 emplois" in lire(client.get(reverse("filleul:tableau_de_bord")))
    candidature_bastien = Candidature.objects.get(filleul__user__email="bastien@exemple.fr")
    assert candidature_bastien.prescripteur == ft.partenaire

    # 3. The selection week: invited by staff, attended, assessed by the association and a
    # manager met in a mock interview.
    session = session_selection(
        programme=programme,
        animateur=asso.partenaire,
        date_debut=timezone.localdate() + dt.timedelta(days=2),
        capacite=12,
        adresse="Maison de l'emploi, 10 place de l'Étoile, Strasbourg",
    )
    p_ines, p_bastien = participants_inviter(
        session=session, candidatures=[candidature_ines, candidature_bastien], par=equipe
    )
    session_demarrer(session=session)
    demi_journees = list(session.demi_journees.order_by("date", "moment")[:2])
    selection_presences_enregistrer(
        session=session,
        saisies={
            (p.pk, dj.pk): Presence.Etat.PRESENT
            for p in (p_ines, p_bastien)
            for dj in demi_journees
        },
        par=asso.user,
    )
    manager = EvaluateurInvite.objects.create(
        session=session,
        prenom="Claire",
        nom="Fontaine",
        entreprise="Groupe Rivoli",
        email="claire.fontaine@rivoli.fr",
    )
    evaluateur_inviter(evaluateur=manager)
    (_, corps_manager), *_ = smtp.pour("claire.fontaine@rivoli.fr")
    jeton = lien(corps_manager, "/selection/evaluation/").rstrip("/").split("/")[-1]
    assert evaluateur_depuis_jeton(jeton) == manager
    for participation, notes in ((p_ines, (4, 4)), (p_bastien, (3, 2))):
        evaluation_enregistrer(
            participation=participation,
            qualite=Evaluation.Qualite.ANIMATEUR,
            notes={c.pk: (n, "") for c, n in zip(criteres, notes, strict=True)},
            evaluateur=asso.user,
        )
        evaluation_enregistrer(
            participation=participation,
            qualite=Evaluation.Qualite.MANAGER,
            notes={c.pk: (n, "Entretien simulé") for c, n in zip(criteres, notes, strict=True)},
            evaluateur_invite=manager,
        )

    # 4. The jury.
    decision_enregistrer(participation=p_ines, decision=Decision.RETENUE, par=equipe)
    decision_enregistrer(
        participation=p_bastien,
        decision=Decision.NON_RETENUE,
        par=equipe,
        motif=motif,
        precision=PRECISION,
    )
    session_clore(session=session)
    candidature_ines.refresh_from_db()
    candidature_bastien.refresh_from_db()
    assert candidature_ines.statut == Candidature.Statut.RETENUE
    assert candidature_bastien.statut == Candidature.Statut.REFUSEE

    # Everything went out, through the SMTP server.
    assert not Envoi.objects.exclude(statut=Envoi.Statut.ENVOYE).exists()

    # --- Read as Inès -----------------------------------------------------------------------
    ines_lit = smtp.pour("ines@exemple.fr")
    sujets = [s for s, _ in ines_lit]
    assert any("bien reçue" in s for s in sujets)
    assert any("semaine de sélection" in s for s in sujets)
    assert sum("est retenue" in s for s in sujets) == 1  # each decision told once
    ines_tout = " ".join(c for _, c in ines_lit)
    assert "Maison de l'emploi, 10 place de l'Étoile" in ines_tout  # the week's place
    assert "Bastien" not in ines_tout and PRECISION not in ines_tout
    with smtp.lock:
        convocations = [m for rcpt, m in smtp.messages if "ines@exemple.fr" in rcpt and pieces(m)]
    assert any("text/calendar" in pieces(m) for m in convocations)

    # --- Read as Bastien --------------------------------------------------------------------
    bastien_tout = " ".join(c for _, c in smtp.pour("bastien@exemple.fr"))
    assert "Votre projet mérite d'être précisé" in bastien_tout  # the gentle text
    assert PRECISION not in bastien_tout and "Projet professionnel à consolider" not in (
        bastien_tout
    )
    assert "Inès" not in bastien_tout

    # --- Read as the Mission locale's counsellor --------------------------------------------
    nadia = smtp.pour("conseillere@ml-strasbourg.fr")
    nadia_tout = " ".join(s + " " + c for s, c in nadia)
    assert [s.rsplit(" : ", 1)[-1] for s, _ in nadia] == [
        "déposée",
        "invitée à la semaine de sélection",
        "retenue",
    ]
    assert "retenue" in nadia_tout and "semaine de sélection" in nadia_tout
    assert "Bastien" not in nadia_tout and "Klein" not in nadia_tout
    assert "France Travail" not in nadia_tout

    # --- Read as France Travail's counsellor ------------------------------------------------
    marc = smtp.pour("conseiller@ft-hautepierre.fr")
    marc_tout = " ".join(s + " " + c for s, c in marc)
    assert "Projet professionnel à consolider" in marc_tout and PRECISION in marc_tout
    assert "Mission locale" not in marc_tout

    # Nobody else was written to.
    assert smtp.adresses() <= {
        "ines@exemple.fr",
        "bastien@exemple.fr",
        "conseillere@ml-strasbourg.fr",
        "conseiller@ft-hautepierre.fr",
        "claire.fontaine@rivoli.fr",
        "animatrice@100chances.fr",
    }

    # The portals say the same: each structure sees its own people and their decisions.
    client.force_login(ml.user)
    liste_ml = lire(client.get(reverse("partenaires:filleuls")))
    assert "Inès" in liste_ml and "Bastien" not in liste_ml
    client.force_login(ft.user)
    liste_ft = lire(client.get(reverse("partenaires:filleuls")))
    assert "Bastien" in liste_ft and PRECISION in liste_ft
    assert "Mission locale" not in liste_ft
    assert Prescription.objects.filter(filleul=ines).count() == 2
