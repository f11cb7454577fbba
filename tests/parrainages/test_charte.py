"""The charter: issuing, signing by each party with an e-mailed code, sealed PDF, verification."""

import datetime as dt
import html
import io
import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mentorat.mfa import RETOUR_SESSION_KEY
from mentorat.models import CodeSignature, Partie
from mentorat.signatures import parties_de, signature_confirmer, signature_demander_code
from parrainages.models import Charte
from parrainages.services import charte_emettre, charte_produire_pdf, charte_reemettre
from parrainages.tasks import produire_charte_pdf
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.parrainages.factories import (
    FilleulFactory,
    ParrainageFactory,
    ParrainFactory,
    partie_de,
)
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import ModeleCharteFactory

pytestmark = pytest.mark.django_db

TEXTE = (
    "Charte du programme {programme}.\n\n"
    "Le parrain {parrain} s'engage à rencontrer son filleul chaque mois.\n"
    "Le filleul {filleul} s'engage à préparer chaque rencontre.\n"
    "Du {date_debut} au {date_fin}."
)


@pytest.fixture(autouse=True)
def _sceau(sceau):
    return sceau


@pytest.fixture
def charte():
    pair = ParrainageFactory(
        actif=True,
        programme__nom="1.000 parrains pour 1.000 emplois",
        parrain__user__first_name="Claire",
        parrain__user__last_name="Fontaine",
        filleul__user__first_name="Yanis",
        filleul__user__last_name="Benali",
    )
    ModeleCharteFactory(programme=pair.programme, texte=TEXTE)
    return charte_emettre(parrainage=pair)


def pdf_bytes(charte):
    with charte.pdf.open("rb") as fichier:
        return fichier.read()


def code_from_mail():
    return re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE)[1]


def sign(charte, role, capture):
    partie = partie_de(charte, role)
    with capture(execute=True):
        signature_demander_code(partie=partie)
    with capture(execute=True):
        return signature_confirmer(
            partie=partie,
            code=code_from_mail(),
            ip="203.0.113.9",
            user_agent="Mozilla/5.0 (Linux; Android 14)",
        )


def test_issuing_freezes_the_current_text(charte):
    assert "Claire Fontaine" in charte.texte and "Yanis Benali" in charte.texte
    modele = charte.modele
    ModeleCharteFactory(programme=modele.programme, texte="Nouvelle version {parrain}")
    charte.refresh_from_db()
    assert "s'engage à rencontrer" in charte.texte
    assert charte_emettre(parrainage=charte.parrainage) == charte  # issued once


def test_each_party_signs_then_the_sealed_pdf_is_produced_and_sent(
    charte, django_capture_on_commit_callbacks
):
    pair = charte.parrainage
    first = sign(charte, "filleul", django_capture_on_commit_callbacks)
    assert first.user == pair.filleul.user and first.texte_sha256 == charte.texte_sha256
    assert (first.adresse_ip, first.methode) == ("203.0.113.9", "code_email")
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.A_SIGNER and not charte.pdf
    sign(charte, "parrain", django_capture_on_commit_callbacks)
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.SIGNEE
    assert charte.pdf and len(charte.pdf_sha256) == 64
    envoyes = [m for m in mail.outbox if "charte de parrainage signée" in m.subject]
    assert sorted(m.to[0] for m in envoyes) == sorted(
        [pair.parrain.user.email, pair.filleul.user.email]
    )  # one e-mail to each party
    for sent in envoyes:
        assert sent.attachments[0][0].startswith("charte-parrainage-")
        assert sent.attachments[0][2] == "application/pdf"
        assert sent.attachments[0][1] == pdf_bytes(charte)


def signed(charte, capture):
    sign(charte, "filleul", capture)
    sign(charte, "parrain", capture)
    charte.refresh_from_db()
    return charte


def test_pdf_text_holds_parties_commitments_and_times(charte, django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    charte = signed(charte, django_capture_on_commit_callbacks)
    texte = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes(charte))).pages)
    texte = re.sub(r"\s+", " ", texte)
    assert "Claire Fontaine" in texte and "Yanis Benali" in texte
    assert "s'engage à rencontrer son filleul chaque mois" in texte
    for s in parties_de(charte):
        heure = timezone.localtime(s.signee_le).strftime("%H:%M:%S")
        assert heure in texte
    assert "Journal de signature" in texte
    assert f"/charte/verifier/{charte.uuid}/" in texte.replace(" ", "")


def test_seal_is_valid_and_covers_the_whole_file(charte, django_capture_on_commit_callbacks):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    charte = signed(charte, django_capture_on_commit_callbacks)
    reader = PdfFileReader(io.BytesIO(pdf_bytes(charte)))
    (embedded,) = reader.embedded_signatures
    from mentorat.scellement import signataire

    racine = signataire().signing_cert
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[racine]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_task_twice_gives_one_pdf(charte, django_capture_on_commit_callbacks):
    charte = signed(charte, django_capture_on_commit_callbacks)
    name, digest = charte.pdf.name, charte.pdf_sha256
    sent = len(mail.outbox)
    assert produire_charte_pdf.delay(charte.pk).get() is False
    charte.refresh_from_db()
    assert (charte.pdf.name, charte.pdf_sha256) == (name, digest)
    assert len(mail.outbox) == sent  # not e-mailed twice


def test_crash_while_producing_leaves_it_to_the_retry(
    charte, monkeypatch, django_capture_on_commit_callbacks
):
    sign(charte, "filleul", django_capture_on_commit_callbacks)

    def crash(*args, **kwargs):
        raise OSError("worker tué pendant le scellement")

    monkeypatch.setattr("mentorat.scellement.sceller", crash)
    # The task retries transient errors; in-process, the retry is logged and the signature
    # stands (the PDF is queued after the commit, robustly): the retry or the catch-up makes it.
    sign(charte, "parrain", django_capture_on_commit_callbacks)
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.SIGNEE and not charte.pdf and not charte.pdf_sha256
    monkeypatch.undo()
    assert charte_produire_pdf(charte_id=charte.pk) is True
    charte.refresh_from_db()
    assert charte.pdf and charte.pdf_sha256


def test_coordinator_signs_when_the_programme_says_so(django_capture_on_commit_callbacks):
    coordinateur = gestionnaire()
    pair = ParrainageFactory(
        actif=True,
        programme__signature_coordinateur=True,
        programme__coordinateur=coordinateur,
    )
    ModeleCharteFactory(programme=pair.programme, texte=TEXTE)
    charte = charte_emettre(parrainage=pair)
    assert [p.role for p in parties_de(charte)] == ["parrain", "filleul", "coordinateur"]
    assert partie_de(charte, "coordinateur").user == coordinateur
    charte = signed(charte, django_capture_on_commit_callbacks)
    assert charte.statut == Charte.Statut.A_SIGNER
    sign(charte, "coordinateur", django_capture_on_commit_callbacks)
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.SIGNEE and charte.pdf


# --- Bad codes and bad moves ---------------------------------------------------------------------


def test_wrong_expired_and_reused_codes(charte, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    partie = partie_de(charte, "filleul")
    with django_capture_on_commit_callbacks(execute=True):
        signature_demander_code(partie=partie)
    good = code_from_mail()
    wrong = "000000" if good != "000000" else "111111"
    with pytest.raises(ValidationError, match="Il vous reste 4 essai"):
        signature_confirmer(partie=partie, code=wrong)
    assert CodeSignature.objects.get().essais == 1
    for _ in range(4):
        with pytest.raises(ValidationError):
            signature_confirmer(partie=partie, code=wrong)
    with pytest.raises(ValidationError, match="Trop d'essais"):
        signature_confirmer(partie=partie, code=good)
    # A new code, then let it expire.
    with django_capture_on_commit_callbacks(execute=True):
        signature_demander_code(partie=partie)
    CodeSignature.objects.filter(utilise_le__isnull=True).update(
        expire_le=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expiré"):
        signature_confirmer(partie=partie, code=code_from_mail())
    assert not Partie.objects.signees().exists()
    # A fresh code works once; the same code again is refused.
    with django_capture_on_commit_callbacks(execute=True):
        signature_demander_code(partie=partie)
    code = code_from_mail()
    signature_confirmer(partie=partie, code=code)
    with pytest.raises(ValidationError, match="déjà signé"):
        signature_confirmer(partie=partie, code=code)
    assert Partie.objects.signees().count() == 1


def test_too_many_code_requests(charte, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    partie = partie_de(charte, "filleul")
    for _ in range(3):
        signature_demander_code(partie=partie)
    with pytest.raises(ValidationError, match="Trop de codes"):
        signature_demander_code(partie=partie)


def test_cannot_sign_a_cancelled_charter(client, charte):
    from django.core.exceptions import ValidationError

    # Nobody else is called to sign: a stranger's page offers nothing to sign.
    client.force_login(UserFactory())
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    assert client.post(url, {"action": "demander", "acceptation": "on"}).status_code == 404
    nouvelle = charte_reemettre(charte=charte, par=gestionnaire(), motif="Erreur de binôme")
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.ANNULEE and nouvelle.pk != charte.pk
    with pytest.raises(ValidationError, match="ne peut plus être signé"):
        signature_demander_code(partie=partie_de(charte, "filleul"))
    assert [p.role for p in parties_de(nouvelle)] == ["parrain", "filleul"]


def test_reissue_needs_a_reason(charte):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        charte_reemettre(charte=charte, par=gestionnaire(), motif=" ")
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.A_SIGNER


# --- Pages ---------------------------------------------------------------------------------------


def text(response):
    return html.unescape(response.content.decode())


def test_signing_page_flow(client, charte, django_capture_on_commit_callbacks):
    user = charte.parrainage.filleul.user
    client.force_login(user)
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    page = text(client.get(url))
    assert "s'engage à rencontrer" in page and "Recevoir mon code" in page
    refused = client.post(url, {"action": "demander"})
    assert "Cochez la case" in text(refused)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(url, {"action": "demander", "acceptation": "on"})
    assert "Code reçu par e-mail" in text(asked)
    wrong = client.post(url, {"action": "confirmer", "code": "12"})
    assert "Code incorrect" in text(wrong)
    ok = client.post(url, {"action": "confirmer", "code": code_from_mail()})
    assert ok.status_code == 302
    assert Partie.objects.signees().get().user == user
    assert "Vous n'avez rien à signer" in text(
        client.post(url, {"action": "demander", "acceptation": "on"}, follow=True)
    )


def test_the_signer_reads_the_whole_text_before_the_form_without_hash_jargon(client, charte):
    """On a phone the commitments are read in the page's flow (no small scroll box), then the
    form; the fingerprint is for staff and on the verification page, never for the signer."""
    client.force_login(charte.parrainage.filleul.user)
    page = text(client.get(reverse("charte_detail", kwargs={"uuid": charte.uuid})))
    assert page.index("s'engage à préparer chaque rencontre") < page.index("Recevoir mon code")
    bloc = re.search(r'<div class="texte charte-texte"[^>]*>', page)[0]
    assert "tabindex" not in bloc  # not a scroll region
    for jargon in ("SHA-256", "SHA256", "empreinte", "Empreinte", charte.texte_sha256):
        assert jargon not in page
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    regle = re.search(r"\.charte-texte \{([^}]*)\}", css)[1]
    assert "max-height" not in regle and "overflow-y" not in regle
    # Staff see the proof, folded; anyone finds it on the verification page.
    connecter(client, gestionnaire())
    page = text(client.get(reverse("charte_detail", kwargs={"uuid": charte.uuid})))
    assert "Détails techniques" in page and charte.texte_sha256 in page
    client.logout()
    verification = text(client.get(reverse("charte_verifier", kwargs={"uuid": charte.uuid})))
    assert charte.texte_sha256 in verification


def test_access_matrix(client, charte, django_capture_on_commit_callbacks):
    charte = signed(charte, django_capture_on_commit_callbacks)
    pages = [
        reverse("charte_detail", kwargs={"uuid": charte.uuid}),
        reverse("charte_pdf", kwargs={"uuid": charte.uuid}),
    ]
    for url in pages:
        assert client.get(url)["Location"].startswith(reverse("account_login"))
    for outsider in (
        FilleulFactory().user,
        ParrainFactory().user,
        MembreFactory().user,
        UserFactory(),
    ):
        client.force_login(outsider)
        for url in pages:
            assert client.get(url).status_code == 404
    for party in (charte.parrainage.parrain.user, charte.parrainage.filleul.user, gestionnaire()):
        connecter(client, party)  # staff: as after their TOTP code
        assert client.get(pages[0]).status_code == 200
        download = client.get(pages[1])
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith(
            'attachment; filename="charte-parrainage-'
        )
        assert b"".join(download.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("connexion", ["mot de passe", "force_login"])
def test_staff_see_charters_only_after_their_second_factor(
    client, charte, django_capture_on_commit_callbacks, connexion
):
    """A Gestionnaire who typed only their password reads neither a charter nor its PDF: they
    are sent to their TOTP code first, then brought back (issue #13, point 4)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    from tests.mentorat.factories import totp_activer

    charte = signed(charte, django_capture_on_commit_callbacks)
    equipier = gestionnaire()
    secret = decrypt(totp_activer(equipier).data["secret"])
    if connexion == "force_login":
        client.force_login(equipier)
    else:
        connecter(client, equipier, mfa=False)
    detail = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    pdf = reverse("charte_pdf", kwargs={"uuid": charte.uuid})
    inconnue = reverse("charte_detail", kwargs={"uuid": "00000000-0000-4000-8000-000000000000"})
    for url in (detail, pdf, inconnue):  # the same answer whether the charter exists or not
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('mfa_reauthenticate')}?next={quote(url, safe='')}"
    assert "Pour ouvrir cette page, saisissez le code" in text(client.get(detail, follow=True))

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(f"{reverse('mfa_reauthenticate')}?next={quote(detail)}", {"code": code})
    assert response["Location"] == detail
    assert client.get(detail).status_code == 200
    telechargement = client.get(pdf)
    assert b"".join(telechargement.streaming_content).startswith(b"%PDF-")
    assert client.get(inconnue).status_code == 404


def test_staff_without_an_app_set_it_up_before_a_charter(client, charte):
    equipier = gestionnaire()
    client.force_login(equipier)
    detail = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    response = client.get(detail)
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.session[RETOUR_SESSION_KEY] == detail


def test_a_coordinator_signs_after_their_second_factor(client):
    coordinateur = gestionnaire()
    pair = ParrainageFactory(
        actif=True, programme__signature_coordinateur=True, programme__coordinateur=coordinateur
    )
    ModeleCharteFactory(programme=pair.programme, texte=TEXTE)
    charte = charte_emettre(parrainage=pair)
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    connecter(client, coordinateur, mfa=False)
    assert client.get(url).status_code == 302
    refus = client.post(url, {"action": "demander", "acceptation": "on"})
    assert refus.status_code == 302 and not CodeSignature.objects.exists()
    connecter(client, coordinateur)
    page = text(client.get(url))
    assert "Signer en qualité de coordinateur du programme" in page
    assert "Recevoir mon code de signature" in page


def test_public_verification(client, charte, django_capture_on_commit_callbacks):
    charte = signed(charte, django_capture_on_commit_callbacks)
    url = reverse("charte_verifier", kwargs={"uuid": charte.uuid})
    page = text(client.get(url))
    assert "C.F." in page and "Y.B." in page and charte.pdf_sha256 in page
    assert "Fontaine" not in page and "Benali" not in page
    original = pdf_bytes(charte)
    same = client.post(url, {"fichier": SimpleUploadedFile("c.pdf", original)})
    assert "exactement la charte émise" in text(same)
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0x01
    changed = client.post(url, {"fichier": SimpleUploadedFile("c.pdf", bytes(tampered))})
    assert "n'est pas la charte émise" in text(changed)
    not_pdf = client.post(url, {"fichier": SimpleUploadedFile("c.pdf", b"GIF89a....")})
    assert "pas un PDF" in text(not_pdf)
    too_big = client.post(
        url, {"fichier": SimpleUploadedFile("c.pdf", b"%PDF-" + b"0" * 6_000_000)}
    )
    assert "dépasse 5 Mo" in text(too_big)
    assert (
        client.get(
            reverse("charte_verifier", kwargs={"uuid": "00000000-0000-0000-0000-000000000000"})
        ).status_code
        == 404
    )


def test_staff_cancel_and_reissue_from_the_admin(client, charte):
    from tests.mentorat.helpers import form_data

    connecter(client, gestionnaire())
    page = reverse("admin:parrainages_charte_change", args=[charte.pk])
    data = form_data(client.get(page))
    data.update(decision="reemettre", motif=" ")
    assert client.post(page, data).status_code == 200  # a reason is required
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.A_SIGNER
    data.update(motif="Le filleul a changé de nom d'usage.")
    assert client.post(page, data).status_code == 302
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.ANNULEE
    nouvelle = charte.parrainage.chartes.get(statut=Charte.Statut.A_SIGNER)
    assert nouvelle.texte == charte.texte and nouvelle.uuid != charte.uuid


def test_catch_up_reenqueues_missing_pdfs(charte, django_capture_on_commit_callbacks):
    from parrainages.tasks import rattraper_chartes

    charte.marquer_signee()
    charte.signee_le = timezone.now() - dt.timedelta(minutes=30)
    charte.save()
    assert rattraper_chartes.delay().get() == 1
    charte.refresh_from_db()
    assert charte.pdf and charte.envoyee_le is not None
    assert rattraper_chartes.delay().get() == 0


def test_produire_chartes_command(charte):
    from django.core.management import call_command

    charte.marquer_signee()
    charte.save()
    out = io.StringIO()
    call_command("produire_chartes", stdout=out)
    charte.refresh_from_db()
    assert charte.pdf and "1 PDF de charte produits" in out.getvalue()


# --- What the sealed document shows --------------------------------------------------------------


def pdf_text(charte) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf_bytes(charte))).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def test_issuing_freezes_each_party_identity(charte):
    pair = charte.parrainage
    assert [
        (p.role, p.libelle, p.user, p.prenom, p.nom, p.organisme, p.fonction, p.email)
        for p in parties_de(charte)
    ] == [
        (
            "parrain",
            "Parrain ou marraine",
            pair.parrain.user,
            "Claire",
            "Fontaine",
            pair.parrain.entreprise,
            pair.parrain.fonction,
            pair.parrain.user.email,
        ),
        (
            "filleul",
            "Filleul ou filleule",
            pair.filleul.user,
            "Yanis",
            "Benali",
            "",
            "",
            pair.filleul.user.email,
        ),
    ]


def test_sealed_pdf_shows_the_parties_as_at_issue(charte, django_capture_on_commit_callbacks):
    pair = charte.parrainage
    entreprise, fonction = pair.parrain.entreprise, pair.parrain.fonction
    sign(charte, "filleul", django_capture_on_commit_callbacks)
    # The last signature, without running what follows the commit: the PDF is not made yet.
    partie = partie_de(charte, "parrain")
    with django_capture_on_commit_callbacks(execute=True):
        signature_demander_code(partie=partie)
    with django_capture_on_commit_callbacks(execute=False):
        signature_confirmer(partie=partie, code=code_from_mail())
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.SIGNEE and not charte.pdf
    # The profiles change after signing, before the PDF is produced.
    pair.parrain.user.first_name, pair.parrain.user.last_name = "Claire", "Dumoulin-Zerbib"
    pair.parrain.user.save()
    pair.parrain.entreprise, pair.parrain.fonction = "Quincaillerie Xylophone", "Gérante"
    pair.parrain.save()
    pair.filleul.user.first_name, pair.filleul.user.last_name = "Yanis", "Kowalczyk"
    pair.filleul.user.save()

    assert charte_produire_pdf(charte_id=charte.pk) is True
    charte.refresh_from_db()
    texte = pdf_text(charte)
    assert f"Claire Fontaine, {fonction}, {entreprise}" in texte
    assert "Yanis Benali" in texte
    for changed in ("Dumoulin-Zerbib", "Xylophone", "Gérante", "Kowalczyk"):
        assert changed not in texte


def test_signature_log_keeps_network_traces_out_of_the_pdf(
    charte, django_capture_on_commit_callbacks
):
    charte = signed(charte, django_capture_on_commit_callbacks)
    texte = pdf_text(charte)
    assert "Journal de signature" in texte
    for s in parties_de(charte):
        # Kept as evidence on the party rows, never shown to the other party.
        assert (s.adresse_ip, s.user_agent) == ("203.0.113.9", "Mozilla/5.0 (Linux; Android 14)")
    for trace in ("203.0.113.9", "Mozilla", "Android", "Adresse IP :", "Navigateur :"):
        assert trace not in texte


def test_charter_email_subjects_hold_no_code_nor_identifier(
    charte, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    charte = signed(charte, django_capture_on_commit_callbacks)
    codes = [re.search(r"^(\d{6})$", m.body, re.MULTILINE) for m in mail.outbox]
    codes = [c[1] for c in codes if c]
    assert len(codes) == 2
    for message in mail.outbox:
        assert str(charte.uuid) not in message.subject
        assert not re.search(r"\d{6}", message.subject)
        assert all(code not in message.subject for code in codes)


def test_verification_page_and_admin_show_the_parties_as_at_issue(client, charte):
    pair = charte.parrainage
    pair.parrain.user.first_name, pair.parrain.user.last_name = "Zoé", "Dumoulin"
    pair.parrain.user.save()
    pair.filleul.user.first_name, pair.filleul.user.last_name = "Marc", "Kowalczyk"
    pair.filleul.user.save()
    page = text(client.get(reverse("charte_verifier", kwargs={"uuid": charte.uuid})))
    assert "C.F." in page and "Y.B." in page
    assert "Z.D." not in page and "M.K." not in page
    connecter(client, gestionnaire())
    fiche = text(client.get(reverse("admin:parrainages_charte_change", args=[charte.pk])))
    assert f"Parrain ou marraine</a> : Claire Fontaine, {pair.parrain.fonction}" in fiche
    assert "Filleul ou filleule</a> : Yanis Benali — en attente" in fiche


def test_erasing_a_party_blanks_the_frozen_parties(charte, django_capture_on_commit_callbacks):
    from auditlog.models import LogEntry

    from parrainages.services import compte_effacer

    sign(charte, "parrain", django_capture_on_commit_callbacks)
    entree = LogEntry.objects.get_for_object(charte).get(action=LogEntry.Action.CREATE)
    assert "Fontaine" not in str(entree.changes_dict)
    compte_effacer(user=charte.parrainage.filleul.user, notifier=False)
    charte.refresh_from_db()
    assert charte.texte.startswith("[Texte effacé")
    parrain, filleul = parties_de(charte)
    for partie in (parrain, filleul):
        assert (partie.user, partie.prenom, partie.nom, partie.organisme, partie.email) == (
            None,
            "",
            "",
            "",
            "",
        )
        assert partie.adresse_ip is None and partie.user_agent == ""
    # The signature stays a fact: when, and which text.
    assert parrain.signee_le is not None and parrain.texte_sha256 == charte.texte_sha256
    assert filleul.signee_le is None
    # Nor does the trail of the parties keep their names.
    entrees = [e for p in (parrain, filleul) for e in LogEntry.objects.get_for_object(p)]
    assert entrees and all(
        "Fontaine" not in str(e.changes) and "Benali" not in str(e.changes) for e in entrees
    )
    assert "Benali" not in str([e.changes for e in LogEntry.objects.all()])


def test_an_erased_charter_is_never_produced_again(charte, django_capture_on_commit_callbacks):
    from parrainages.services import compte_effacer
    from parrainages.tasks import rattraper_chartes

    charte = signed(charte, django_capture_on_commit_callbacks)
    empreinte = charte.pdf_sha256
    compte_effacer(user=charte.parrainage.filleul.user, notifier=False)
    # Erased a while after signing, even before the e-mail went: nothing is left to make.
    Charte.objects.filter(pk=charte.pk).update(
        signee_le=timezone.now() - dt.timedelta(hours=1), envoyee_le=None
    )
    assert rattraper_chartes.delay().get() == 0
    assert charte_produire_pdf(charte_id=charte.pk) is False
    charte.refresh_from_db()
    assert not charte.pdf and charte.pdf_sha256 == empreinte  # the issued file still verifies
