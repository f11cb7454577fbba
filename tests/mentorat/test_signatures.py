"""The one signature machinery (``mentorat.signatures``), through a minor's charter: the mentor
and the mentee sign on the charter's page, the mentee's legal guardian from a link of their own
(no account); each signature is an acceptance and a code e-mailed to the party."""

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat.models import CodeSignature, Envoi, Partie
from mentorat.signatures import (
    LIEN_DUREE_JOURS,
    lien_emettre,
    parties_de,
    parties_inviter,
    signature_confirmer,
    signature_demander_code,
    signature_refuser,
    signatures_retirer,
)
from parrainages.models import Charte, Parrainage
from parrainages.services import charte_emettre, parrainage_accepter
from tests.mentorat.factories import administrateur, connecter, gestionnaire
from tests.parrainages.factories import (
    FilleulFactory,
    ParrainageFactory,
    RepresentantLegalFactory,
    partie_de,
    signer,
)
from tests.programmes.factories import ModeleCharteFactory

pytestmark = pytest.mark.django_db

TEXTE = "Le parrain {parrain} et {filleul} s'engagent à se rencontrer chaque mois."
NADIA = "nadia.benali@exemple.fr"


@pytest.fixture(autouse=True)
def _sceau(sceau):
    return sceau


@pytest.fixture
def charte():
    """A minor's charter just issued: mentor, mentee and the mentee's mother are called."""
    representant = RepresentantLegalFactory(prenom="Nadia", nom="Benali", email=NADIA)
    filleul = representant.filleul
    filleul.user.first_name, filleul.user.last_name = "Yanis", "Benali"
    filleul.user.save()
    pair = ParrainageFactory(
        actif=True,
        filleul=filleul,
        parrain__user__first_name="Claire",
        parrain__user__last_name="Fontaine",
        parrain__entreprise="Groupe Rivoli",
        parrain__fonction="DRH",
    )
    ModeleCharteFactory(programme=pair.programme, texte=TEXTE)
    return charte_emettre(parrainage=pair)


def text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def lien(adresse=NADIA) -> str:
    """The path of the last signing link e-mailed to ``adresse``."""
    corps = [m.body for m in mail.outbox if m.to == [adresse] and "/signature/" in m.body]
    return re.search(r"(/signature/[^/\s]+/)", corps[-1])[1]


def code_envoye(adresse) -> str:
    corps = [m.body for m in mail.outbox if m.to == [adresse]]
    return re.search(r"^(\d{6})$", corps[-1], re.MULTILINE)[1]


def etat(charte):
    """Every party's signature, refusal and codes: what a refused request must leave as is."""
    return [
        (p.pk, p.signee_le, p.refusee_le, p.adresse_ip, p.texte_sha256, p.jeton_hash)
        for p in parties_de(charte)
    ] + list(CodeSignature.objects.order_by("pk").values_list("pk", "essais", "utilise_le"))


# --- Issuing: who is called, and how they are told ----------------------------------------------


def test_a_minors_charter_calls_their_guardian_as_a_party_without_account(charte):
    pair = charte.parrainage
    assert [(p.role, p.libelle, p.user, p.designation, p.email) for p in parties_de(charte)] == [
        (
            "parrain",
            "Parrain ou marraine",
            pair.parrain.user,
            "Claire Fontaine, DRH, Groupe Rivoli",
            pair.parrain.user.email,
        ),
        (
            "filleul",
            "Filleul ou filleule",
            pair.filleul.user,
            "Yanis Benali",
            pair.filleul.user.email,
        ),
        (
            "representant_legal_1",
            "Représentant légal du filleul ou de la filleule",
            None,
            "Nadia Benali, Mère",
            NADIA,
        ),
    ]
    # Each is invited: the guardian with a link of their own (confidential, staff never see
    # it), the parties with an account with the charter's page.
    (a_nadia,) = [m for m in mail.outbox if m.to == [NADIA]]
    assert "en qualité de représentant légal du filleul ou de la filleule" in a_nadia.body
    assert "/signature/" in a_nadia.body and "refuser" not in a_nadia.body
    page = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    for user in (pair.parrain.user, pair.filleul.user):
        (invitation,) = [m for m in mail.outbox if m.to == [user.email]]
        assert page in invitation.body and "/signature/" not in invitation.body
    invitations = Envoi.objects.filter(regle="signature_invitation")
    # The guardian's, once sent, keeps neither address nor content.
    assert sorted((e.email, e.confidentiel, e.texte == "") for e in invitations) == sorted(
        [
            ("", True, True),
            (pair.parrain.user.email, False, False),
            (pair.filleul.user.email, False, False),
        ]
    )
    representant = partie_de(charte, "representant_legal_1")
    assert representant.jeton_hash and representant.jeton_hash not in a_nadia.body
    assert representant.jeton_expire_le > timezone.now() + dt.timedelta(days=LIEN_DUREE_JOURS - 1)


def test_every_guardian_recorded_signs(django_capture_on_commit_callbacks):
    representant = RepresentantLegalFactory()
    RepresentantLegalFactory(filleul=representant.filleul, prenom="Karim")
    pair = ParrainageFactory(actif=True, filleul=representant.filleul)
    ModeleCharteFactory(programme=pair.programme)
    charte = charte_emettre(parrainage=pair)
    assert [p.role for p in parties_de(charte)] == [
        "parrain",
        "filleul",
        "representant_legal_1",
        "representant_legal_2",
    ]


def test_an_adult_mentee_signs_without_a_guardian():
    RepresentantLegalFactory(filleul=FilleulFactory())  # recorded once, now of age
    pair = ParrainageFactory(actif=True, filleul__date_naissance=dt.date(2000, 1, 1))
    ModeleCharteFactory(programme=pair.programme)
    charte = charte_emettre(parrainage=pair)
    assert [p.role for p in parties_de(charte)] == ["parrain", "filleul"]


def test_a_minors_charter_is_not_issued_without_a_guardian(client):
    filleul = FilleulFactory(mineur=True)
    pair = ParrainageFactory(actif=True, filleul=filleul)
    ModeleCharteFactory(programme=pair.programme)
    with pytest.raises(ValidationError, match="aucun représentant légal n'est enregistré"):
        charte_emettre(parrainage=pair)
    assert not Charte.objects.exists() and not Partie.objects.exists()


def test_the_mentor_cannot_accept_a_minor_without_a_guardian_and_nothing_changes(client):
    filleul = FilleulFactory(mineur=True)
    proposition = ParrainageFactory(attente=True, filleul=filleul)
    ModeleCharteFactory(programme=proposition.programme)
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="représentant légal"):
        parrainage_accepter(parrainage=proposition, par=proposition.parrain.user)
    # From the portal: the reason, and the proposal still waits.
    client.force_login(proposition.parrain.user)
    url = reverse("parrain:proposition", kwargs={"pk": proposition.pk})
    page = text(client.post(url, {"action": "accepter"}, follow=True))
    assert "aucun représentant légal n'est enregistré" in page
    proposition.refresh_from_db()
    assert proposition.statut == Parrainage.Statut.ATTENTE_PARRAIN
    assert not Charte.objects.exists() and not Partie.objects.exists() and not mail.outbox
    # Once the guardian is recorded, the mentor accepts and the guardian is called.
    RepresentantLegalFactory(filleul=filleul, email=NADIA)
    parrainage_accepter(parrainage=proposition, par=proposition.parrain.user)
    charte = proposition.chartes.get()
    assert partie_de(charte, "representant_legal_1").email == NADIA


def test_reissuing_a_minors_charter_after_their_guardians_were_removed_is_refused(charte):
    from parrainages.services import charte_reemettre

    charte.parrainage.filleul.representants_legaux.all().delete()
    with pytest.raises(ValidationError, match="aucun représentant légal"):
        charte_reemettre(charte=charte, par=gestionnaire(), motif="Nouveau modèle.")
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.A_SIGNER  # left as it was
    assert charte.parrainage.chartes.count() == 1


# --- The guardian's link ------------------------------------------------------------------------


def test_the_guardian_signs_from_their_link(client, charte):
    url = lien()
    page = text(client.get(url))
    assert "s'engagent à se rencontrer chaque mois" in page  # the charter itself
    assert "en qualité de <strong>représentant légal du filleul ou de la filleule" in page
    assert "Recevoir mon code de signature" in page and "Je refuse" not in page
    assert client.get(url)["Cache-Control"].startswith("max-age=0")

    demande = client.post(url, {"action": "demander", "acceptation": "on"})
    assert "Code reçu par e-mail" in text(demande)
    assert "n…@exemple.fr" in text(demande)  # the address, masked
    code = code_envoye(NADIA)
    assert Envoi.objects.get(regle="code_signature").confidentiel
    signe = client.post(
        url, {"action": "confirmer", "code": code}, HTTP_USER_AGENT="Mozilla/5.0 (iPhone)"
    )
    assert signe.status_code == 302 and signe["Location"] == url
    partie = partie_de(charte, "representant_legal_1")
    assert partie.signee_le is not None and partie.methode == "code_email"
    assert (
        partie.texte_sha256 == charte.texte_sha256 and partie.user_agent == "Mozilla/5.0 (iPhone)"
    )
    assert partie.adresse_ip == "127.0.0.1"
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.A_SIGNER  # the others have not signed yet


def test_a_link_used_again_after_signing_says_so_and_changes_nothing(client, charte):
    url = lien()
    client.post(url, {"action": "demander", "acceptation": "on"})
    client.post(url, {"action": "confirmer", "code": code_envoye(NADIA)})
    avant, envois = etat(charte), Envoi.objects.count()
    assert "Vous avez déjà signé ce document" in text(client.get(url))
    for donnees in (
        {"action": "demander", "acceptation": "on"},
        {"action": "confirmer", "code": "123456"},
    ):
        reponse = client.post(url, donnees, follow=True)
        assert "Vous n'avez rien à signer sur ce document" in text(reponse)
        assert "déjà signé" in text(reponse)
    assert etat(charte) == avant and Envoi.objects.count() == envois


def test_an_expired_link_is_refused_and_changes_nothing(client, charte):
    url = lien()
    Partie.objects.filter(role="representant_legal_1").update(
        jeton_expire_le=timezone.now() - dt.timedelta(minutes=1)
    )
    avant = etat(charte)
    for reponse in (
        client.get(url),
        client.post(url, {"action": "demander", "acceptation": "on"}),
    ):
        assert reponse.status_code == 404
        assert "Ce lien a expiré" in text(reponse) and "s'engagent" not in text(reponse)
    assert etat(charte) == avant and not CodeSignature.objects.exists()


def test_an_unknown_or_replaced_link_is_refused_and_changes_nothing(client, charte):
    ancien = lien()
    lien_emettre(partie_de(charte, "representant_legal_1"))  # a new link replaces it
    avant = etat(charte)
    for url in (ancien, "/signature/inconnu/", ancien + "pdf/"):
        reponse = client.post(url, {"action": "demander", "acceptation": "on"})
        assert reponse.status_code == 404, url
        assert "Ce lien n'est pas valide" in text(reponse)
        assert client.get(url).status_code == 404
    assert etat(charte) == avant and not CodeSignature.objects.exists()


def test_the_link_page_shows_nothing_of_another_document(client, charte):
    autre = RepresentantLegalFactory(prenom="Odile", nom="Kowalczyk", email="odile@exemple.fr")
    pair = ParrainageFactory(actif=True, filleul=autre.filleul, parrain__user__last_name="Zerbib")
    ModeleCharteFactory(programme=pair.programme, texte="Charte secrète de {filleul}.")
    autre_charte = charte_emettre(parrainage=pair)
    page = text(client.get(lien()))
    for trace in ("Charte secrète", "Kowalczyk", "Zerbib", "odile@", str(autre_charte.uuid)):
        assert trace not in page
    assert "Claire Fontaine" in page  # this charter's own parties
    # Nor does the link open the charter's page or anyone's space.
    detail = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    assert client.get(detail)["Location"].startswith(reverse("account_login"))


def test_nobody_signed_in_sees_another_pairs_charter(client, charte):
    autre = ParrainageFactory(actif=True)
    ModeleCharteFactory(programme=autre.programme)
    autre_charte = charte_emettre(parrainage=autre)
    for user in (autre.parrain.user, autre.filleul.user):
        client.force_login(user)
        for uuid in (charte.uuid,):
            url = reverse("charte_detail", kwargs={"uuid": uuid})
            assert client.get(url).status_code == 404
            assert client.post(url, {"action": "demander", "acceptation": "on"}).status_code == 404
            assert client.get(reverse("charte_pdf", kwargs={"uuid": uuid})).status_code == 404
        # Their own, yes.
        url = reverse("charte_detail", kwargs={"uuid": autre_charte.uuid})
        assert client.get(url).status_code == 200
    assert not CodeSignature.objects.exists()


# --- Signing rules ------------------------------------------------------------------------------


def test_a_party_signing_twice_is_refused(client, charte):
    mentee = partie_de(charte, "filleul")
    signature_demander_code(partie=mentee)
    signature_confirmer(partie=mentee, code=code_envoye(mentee.adresse))
    with pytest.raises(ValidationError, match="Vous avez déjà signé ce document"):
        signature_demander_code(partie=mentee)
    # On the charter's page: nothing left to sign for them.
    client.force_login(charte.parrainage.filleul.user)
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    assert "Recevoir mon code" not in text(client.get(url))
    avant = etat(charte)
    reponse = client.post(url, {"action": "demander", "acceptation": "on"}, follow=True)
    assert "Vous n'avez rien à signer sur cette charte" in text(reponse)
    assert etat(charte) == avant


def test_a_logged_in_party_signs_in_their_own_role(client, charte):
    client.force_login(charte.parrainage.parrain.user)
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    page = text(client.get(url))
    assert "Signer en qualité de parrain ou marraine" in page
    assert (
        "Représentant légal du filleul ou de la filleule (Nadia Benali, Mère) : en attente" in page
    )
    client.post(url, {"action": "demander", "acceptation": "on"})
    client.post(
        url, {"action": "confirmer", "code": code_envoye(charte.parrainage.parrain.user.email)}
    )
    assert [p.role for p in parties_de(charte).signees()] == ["parrain"]


def test_a_wrong_code_counts_as_a_try_five_at_most(client, charte):
    url = lien()
    client.post(url, {"action": "demander", "acceptation": "on"})
    bon = code_envoye(NADIA)
    faux = "000000" if bon != "000000" else "111111"
    for restants in (4, 3, 2, 1):
        reponse = client.post(url, {"action": "confirmer", "code": faux})
        assert f"Code incorrect. Il vous reste {restants} essai(s)." in text(reponse)
    reponse = client.post(url, {"action": "confirmer", "code": faux})
    assert "Code incorrect. Demandez un nouveau code." in text(reponse)
    assert CodeSignature.objects.get().essais == CodeSignature.ESSAIS_MAX
    reponse = client.post(url, {"action": "confirmer", "code": bon})
    assert "Trop d'essais avec ce code" in text(reponse)
    assert partie_de(charte, "representant_legal_1").signee_le is None


def test_three_codes_per_ten_minutes(client, charte):
    url = lien()
    for _ in range(3):
        client.post(url, {"action": "demander", "acceptation": "on"})
    premiers = CodeSignature.objects.count()
    reponse = client.post(url, {"action": "demander", "acceptation": "on"})
    assert "Trop de codes demandés" in text(reponse)
    assert CodeSignature.objects.count() == premiers == 3
    # Only the last code works: each new one ended the previous.
    codes = [
        re.search(r"^(\d{6})$", m.body, re.MULTILINE)[1]
        for m in mail.outbox
        if m.to == [NADIA] and "code" in m.subject.lower()
    ]
    assert len(codes) == 3
    partie = partie_de(charte, "representant_legal_1")
    if codes[0] != codes[-1]:
        with pytest.raises(ValidationError):
            signature_confirmer(partie=partie, code=codes[0])
    # Ten minutes later, a new code may be asked.
    CodeSignature.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    reponse = client.post(url, {"action": "demander", "acceptation": "on"})
    assert "Code reçu par e-mail" in text(reponse)


def test_withdrawing_the_signatures_stops_pending_codes(client, charte):
    signer(partie_de(charte, "parrain"))
    url = lien()
    client.post(url, {"action": "demander", "acceptation": "on"})
    code = code_envoye(NADIA)
    assert signatures_retirer(document=charte) == 1
    assert not parties_de(charte).signees().exists()
    # The trail keeps the withdrawal.
    from auditlog.models import LogEntry

    retrait = LogEntry.objects.get_for_object(partie_de(charte, "parrain")).latest("pk")
    assert retrait.changes_dict["signee_le"][1] == "None"
    assert retrait.changes_dict["methode"] == ["code_email", ""]
    reponse = client.post(url, {"action": "confirmer", "code": code})
    assert "Ce code a expiré ou a déjà servi" in text(reponse)
    assert partie_de(charte, "representant_legal_1").signee_le is None
    # Asked again: the guardian receives a new link (the former one stops working).
    mail.outbox.clear()
    assert parties_inviter(document=charte) == 3
    assert client.get(url).status_code == 404
    assert client.get(lien()).status_code == 200


def test_no_refusal_for_a_charter(client, charte):
    with pytest.raises(ValidationError, match="ne se refuse pas en ligne"):
        signature_refuser(partie=partie_de(charte, "representant_legal_1"), motif="Non.")
    avant = etat(charte)
    client.post(lien(), {"action": "refuser", "motif": "Je ne suis pas d'accord."})
    assert etat(charte) == avant


def test_a_cancelled_charter_is_no_longer_signed(client, charte):
    url = lien()
    Charte.objects.filter(pk=charte.pk).update(statut=Charte.Statut.ANNULEE)
    page = text(client.get(url))
    assert "Ce document n'est plus proposé à la signature" in page
    assert "Recevoir mon code" not in page
    reponse = client.post(url, {"action": "demander", "acceptation": "on"}, follow=True)
    assert "Vous n'avez rien à signer" in text(reponse) and not CodeSignature.objects.exists()


# --- The last signature -------------------------------------------------------------------------


def test_the_last_signature_seals_the_pdf_and_every_party_receives_it(
    client, charte, django_capture_on_commit_callbacks
):
    signer(partie_de(charte, "parrain"))
    signer(partie_de(charte, "filleul"))
    url = lien()
    client.post(url, {"action": "demander", "acceptation": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "confirmer", "code": code_envoye(NADIA)})
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.SIGNEE and charte.pdf and charte.envoyee_le
    with charte.pdf.open("rb") as fichier:
        pdf = fichier.read()
    envoyes = [m for m in mail.outbox if "charte de parrainage signée" in m.subject]
    pair = charte.parrainage
    assert sorted(m.to[0] for m in envoyes) == sorted(
        [pair.parrain.user.email, pair.filleul.user.email, NADIA]
    )
    assert all(m.attachments[0][1] == pdf for m in envoyes)
    # The guardian may also download it from their link, and check it publicly.
    telechargement = client.get(url + "pdf/")
    assert b"".join(telechargement.streaming_content) == pdf
    assert "Télécharger le document signé" in text(client.get(url))
    from django.core.files.uploadedfile import SimpleUploadedFile

    verifier = reverse("charte_verifier", kwargs={"uuid": charte.uuid})
    reponse = client.post(verifier, {"fichier": SimpleUploadedFile("c.pdf", pdf)})
    assert "exactement la charte émise" in text(reponse)


def test_the_sealed_pdf_lists_every_party_as_frozen_with_their_signing_instant(
    charte, django_capture_on_commit_callbacks
):
    import io

    from pypdf import PdfReader

    for role in ("parrain", "filleul", "representant_legal_1"):
        partie = partie_de(charte, role)
        signature_demander_code(partie=partie)
        with django_capture_on_commit_callbacks(execute=True):
            signature_confirmer(partie=partie, code=code_envoye(partie.adresse), ip="192.0.2.4")
    charte.refresh_from_db()
    with charte.pdf.open("rb") as fichier:
        lecteur = PdfReader(io.BytesIO(fichier.read()))
    texte = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in lecteur.pages))
    assert "Claire Fontaine, DRH, Groupe Rivoli" in texte
    assert "Nadia Benali, Mère" in texte
    assert "Signature — Représentant légal du filleul ou de la filleule" in texte
    for partie in parties_de(charte):
        assert timezone.localtime(partie.signee_le).strftime("%H:%M:%S") in texte
    assert "192.0.2.4" not in texte and NADIA not in texte


def test_staff_read_the_parties_but_never_change_them(client, charte):
    partie = partie_de(charte, "representant_legal_1")
    fiche = reverse("admin:mentorat_partie_change", args=[partie.pk])
    # A Gestionnaire reads the parties on their document's page; the parties' own list (every
    # document of every programme) is an Administrateur's (mentorat/admin_perimetre.py).
    connecter(client, gestionnaire())
    charte_admin = text(client.get(reverse("admin:parrainages_charte_change", args=[charte.pk])))
    assert (
        "Représentant légal du filleul ou de la filleule</a> : Nadia Benali, Mère" in charte_admin
    )
    # A row of a list one may not read answers like one that does not exist.
    assert client.get(fiche).status_code == 404
    # Even an Administrateur reads them only: never their secret, never a change.
    connecter(client, administrateur())
    page = text(client.get(fiche))
    assert "Nadia" in page and partie.jeton_hash not in page
    assert client.post(fiche, {"prenom": "Autre"}).status_code == 403
    assert client.get(reverse("admin:mentorat_partie_add")).status_code == 403
    assert client.get(reverse("admin:mentorat_partie_delete", args=[partie.pk])).status_code == 403


# --- Queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize("representants", [1, 3])
def test_the_pages_queries_do_not_grow_with_the_parties(
    client, django_assert_num_queries, representants
):
    premier = RepresentantLegalFactory()
    for _ in range(representants - 1):
        RepresentantLegalFactory(filleul=premier.filleul)
    pair = ParrainageFactory(actif=True, filleul=premier.filleul)
    ModeleCharteFactory(programme=pair.programme)
    charte = charte_emettre(parrainage=pair)
    assert parties_de(charte).count() == 2 + representants
    url = lien(premier.email)
    # Savepoints, the party by its link, the charter, its pair and programme, the parties.
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    client.force_login(pair.filleul.user)
    detail = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    # Session (with the account), savepoints, the charter (with its pair), its parties.
    with django_assert_num_queries(5):
        assert client.get(detail).status_code == 200
