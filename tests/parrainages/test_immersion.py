"""Immersion conventions end to end, as each party: the mentor proposes from the pair's page,
every party signs (the mentee and the mentor in their spaces, the others from their links),
staff validate, the sealed PDF reaches everyone, the tutor fills the assessment at the end,
and the indicators count it. Then refusal, a change after a signature, and the pages."""

import datetime as dt
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi, Partie
from mentorat.signatures import lien_emettre, parties_de
from parrainages.models import BilanImmersion, Immersion
from parrainages.services.immersion import (
    bilans_demander,
    immersion_proposer,
    immersions_a_rattraper,
)
from parrainages.tasks import demander_bilans_immersion, rattraper_immersions
from partenaires import indicateurs
from partenaires.models import Objectif
from tests.mentorat.factories import connecter, gestionnaire
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import (
    EleveFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
)
from tests.parrainages.helpers import SEMAINE_35H, horaires_post, immersion_post
from tests.partenaires.factories import ConventionFactory, PartenaireFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sceau(sceau):
    return sceau


@pytest.fixture
def monde():
    coordinateur = gestionnaire(email="coordination@ville.example")
    programme = ProgrammeFactory(
        offre_immersion=True, coordinateur=coordinateur, nom="1.000 parrains pour 1.000 emplois"
    )
    prescripteur = PartenaireFactory(type="france_travail", nom="France Travail Paris 19")
    pair = ParrainageFactory(
        actif=True,
        programme=programme,
        parrain=ParrainFactory(
            offre_immersion=True,
            entreprise="Paie & Cie",
            user__first_name="Claire",
            user__last_name="Fontaine",
        ),
        filleul__user__first_name="Yanis",
        filleul__user__last_name="Benali",
    )
    return {
        "programme": programme,
        "prescripteur": prescripteur,
        "pair": pair,
        "coordinateur": coordinateur,
    }


def derniers(depuis):
    return mail.outbox[depuis:]


def code_dans(message):
    return re.search(r"^(\d{6})$", message.body, re.MULTILINE)[1]


def lien_dans(message, motif=r"/signature/[^/\s]+/"):
    return re.search(motif, message.body)[0]


def signer_sur_la_page(client, url, user):
    """Tick, receive the code by e-mail, type it: on a space's page of the convention."""
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200
    assert "Recevoir mon code de signature" in page.content.decode()
    avant = len(mail.outbox)
    client.post(url, {"action": "demander", "acceptation": "on"})
    (message,) = derniers(avant)
    assert message.to == [user.email]
    reponse = client.post(url, {"action": "confirmer", "code": code_dans(message)})
    assert reponse.status_code == 302


def signer_par_lien(client, lien):
    client.logout()
    page = client.get(lien)
    assert page.status_code == 200
    assert "Recevoir mon code de signature" in page.content.decode()
    avant = len(mail.outbox)
    client.post(lien, {"action": "demander", "acceptation": "on"})
    (message,) = derniers(avant)
    reponse = client.post(lien, {"action": "confirmer", "code": code_dans(message)})
    assert reponse.status_code == 302
    return message.to[0]


def invitations(immersion):
    """Each party's invitation, by address (the last one sent)."""
    return {
        m.to[0]: m
        for m in mail.outbox
        if "À signer :" in m.subject and immersion.entreprise_nom in m.subject
    }


def pdf_bytes(immersion):
    with immersion.pdf.open("rb") as fichier:
        return fichier.read()


def test_a_pmsmp_from_proposal_to_assessment(client, monde, django_capture_on_commit_callbacks):
    pair, prescripteur = monde["pair"], monde["prescripteur"]
    mentor, mentee = pair.parrain.user, pair.filleul.user
    convention = ConventionFactory(
        partenaire=prescripteur,
        active=True,
        date_debut=timezone.localdate() - dt.timedelta(days=30),
        date_fin=timezone.localdate() + dt.timedelta(days=300),
    )
    convention.programmes.add(monde["programme"])

    # 1. The mentor proposes it from the pair's page, on the portal's form.
    client.force_login(mentor)
    binome = client.get(pair.get_portal_url())
    nouvelle = reverse("parrain:immersion_nouvelle", kwargs={"pk": pair.pk})
    assert nouvelle in binome.content.decode()
    formulaire = client.get(nouvelle)
    assert formulaire.status_code == 200
    html = formulaire.content.decode()
    assert 'type="time"' in html and "Lundi, matin : début" in html
    reponse = client.post(nouvelle, immersion_post(prescripteur_id=prescripteur.pk))
    immersion = pair.immersions.get()
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("parrain:immersion", kwargs={"pk": immersion.pk})
    assert immersion.statut == Immersion.Statut.A_SIGNER
    assert immersion.representant_est_parrain and immersion.representant_email == mentor.email
    assert immersion.resume_horaires()["semaine"] == "35 h"
    parties = list(parties_de(immersion))
    assert [p.libelle for p in parties] == [
        "Bénéficiaire",
        "Représentant(e) de l'entreprise d'accueil",
        "Tuteur ou tutrice",
        "Conseiller(ère) de la structure prescriptrice",
    ]
    envoyees = invitations(immersion)
    assert set(envoyees) == {
        mentee.email,
        mentor.email,
        "marc.martin@paie.example",
        "sonia.lefevre@francetravail.example",
    }
    # Parties with an account are sent to their space; the others get a link of their own.
    ouvrir = reverse("immersion_ouvrir", kwargs={"uuid": immersion.uuid})
    assert ouvrir in envoyees[mentee.email].body
    assert "/signature/" in envoyees["marc.martin@paie.example"].body
    # A link signs for whoever holds it: its message is confidential (emptied once sent).
    invites = Envoi.objects.filter(regle="signature_invitation")
    assert sorted(invites.values_list("confidentiel", flat=True)) == [False, False, True, True]

    # 2. The mentee signs in their space (the neutral link leads there).
    client.force_login(mentee)
    assert client.get(ouvrir)["Location"] == reverse(
        "filleul:immersion", kwargs={"pk": immersion.pk}
    )
    tableau = client.get(reverse("filleul:tableau_de_bord")).content.decode()
    assert "Mes immersions" in tableau and "en attente de votre signature" in tableau
    signer_sur_la_page(client, reverse("filleul:immersion", kwargs={"pk": immersion.pk}), mentee)
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.PARTIELLEMENT_SIGNEE

    # 3. The mentor signs as the host company's representative, on the portal.
    signer_sur_la_page(client, reverse("parrain:immersion", kwargs={"pk": immersion.pk}), mentor)

    # 4. The tutor and the counsellor sign from their links; the last one completes it.
    signer_par_lien(client, lien_dans(envoyees["marc.martin@paie.example"]))
    avant = len(mail.outbox)
    signer_par_lien(client, lien_dans(envoyees["sonia.lefevre@francetravail.example"]))
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.A_VALIDER
    assert all(p.texte_sha256 == immersion.texte_sha256 for p in parties_de(immersion))
    a_valider = [m for m in derniers(avant) if "Convention à valider" in m.subject]
    assert [m.to for m in a_valider] == [["coordination@ville.example"]]

    # 5. Staff validate from the admin's queue: the sealed PDF goes to every party.
    staff = connecter(client, gestionnaire())
    file = client.get(reverse("admin:parrainages_immersion_changelist"), {"file": "a_valider"})
    assert list(file.context["cl"].result_list) == [immersion]
    avant = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:parrainages_immersion_changelist"),
            {"action": "valider", "_selected_action": [immersion.pk], "index": "0"},
        )
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.VALIDEE and immersion.valide_par == staff
    assert immersion.pdf and len(immersion.pdf_sha256) == 64 and immersion.envoyee_le
    validees = [m for m in derniers(avant) if "Convention validée" in m.subject]
    assert sorted(m.to[0] for m in validees) == sorted(
        [
            mentee.email,
            mentor.email,
            "marc.martin@paie.example",
            "sonia.lefevre@francetravail.example",
        ]
    )
    for message in validees:
        ((nom, contenu, type_),) = message.attachments
        assert nom.startswith("convention-pmsmp-") and type_ == "application/pdf"
        assert contenu == pdf_bytes(immersion)
    _le_sceau_est_valide(pdf_bytes(immersion))
    texte = _texte_du_pdf(pdf_bytes(immersion))
    assert "Yanis Benali" in texte and "73282932000074" in texte
    assert "Journal de signature" in texte
    assert f"/immersion/verifier/{immersion.uuid}/" in texte.replace(" ", "")

    # The PDF from each space; the public verification of the file.
    client.force_login(mentee)
    pdf = client.get(reverse("filleul:immersion_pdf", kwargs={"pk": immersion.pk}))
    assert b"".join(pdf.streaming_content) == pdf_bytes(immersion)
    client.logout()
    verifier = reverse("immersion_verifier", kwargs={"uuid": immersion.uuid})
    bon = client.post(verifier, {"fichier": SimpleUploadedFile("c.pdf", pdf_bytes(immersion))})
    assert bon.context["resultat"] is True
    falsifie = pdf_bytes(immersion) + b"\n% ajout\n"
    mauvais = client.post(verifier, {"fichier": SimpleUploadedFile("c.pdf", falsifie)})
    assert mauvais.context["resultat"] is False

    # 6. The last day has come: the tutor receives the assessment's link, once.
    Immersion.objects.filter(pk=immersion.pk).update(
        date_debut=timezone.localdate() - dt.timedelta(days=14),
        date_fin=timezone.localdate() - dt.timedelta(days=1),
    )
    avant = len(mail.outbox)
    assert demander_bilans_immersion.delay().get() == 1
    assert bilans_demander() == 0  # asked once
    (demande,) = derniers(avant)
    assert demande.to == ["marc.martin@paie.example"]
    lien = lien_dans(demande, r"/immersion/bilan/[^/\s]+/")
    page = client.get(lien)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Compétence : Saisir les variables de paie" in html
    bilan_post = {
        "jours_presence": "9",
        "jours_absence": "1",
        "competence_0": "acquise",
        "competence_1": "en_cours",
        "issue": "embauche",
        "commentaire": "Très à l'aise avec les bulletins.",
    }
    avant = len(mail.outbox)
    assert client.post(lien, bilan_post).status_code == 302
    immersion.refresh_from_db()
    bilan = immersion.bilan
    assert immersion.statut == Immersion.Statut.TERMINEE
    assert (bilan.jours_presence, bilan.jours_absence, bilan.issue) == (9, 1, "embauche")
    assert bilan.competences == [
        {"competence": "Saisir les variables de paie", "niveau": "acquise"},
        {"competence": "Contrôler un bulletin", "niveau": "en_cours"},
    ]
    assert sorted(m.to[0] for m in derniers(avant)) == sorted([mentee.email, mentor.email])

    # Posted twice: a clear message, nothing changed.
    deuxieme = client.post(lien, {**bilan_post, "issue": "aucune", "jours_presence": "3"})
    assert deuxieme.status_code == 200
    assert "a déjà été transmis le" in deuxieme.content.decode()
    bilan.refresh_from_db()
    assert (bilan.issue, bilan.jours_presence, BilanImmersion.objects.count()) == ("embauche", 9, 1)

    # 7. The mentee and the mentor read it; the partner's indicators count it.
    client.force_login(mentee)
    detail = client.get(reverse("filleul:immersion", kwargs={"pk": immersion.pk})).content.decode()
    assert "Bilan de fin d'immersion" in detail and "Une embauche est envisagée" in detail
    client.force_login(mentor)
    binome = client.get(pair.get_portal_url()).content.decode()
    assert "envisage une embauche" in binome
    IND = Objectif.Indicateur
    for indicateur in (IND.IMMERSIONS_REALISEES, IND.IMMERSIONS_EMBAUCHE):
        lignes = indicateurs.lignes(
            indicateur,
            partenaire=prescripteur.pk,
            convention=convention.pk,
            debut=convention.date_debut,
            fin=convention.date_fin,
        )
        assert list(lignes) == [immersion]


def _le_sceau_est_valide(contenu):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    from mentorat.scellement import NOM_CHAMP, signataire

    (signature,) = PdfFileReader(io.BytesIO(contenu)).embedded_signatures
    assert signature.field_name == NOM_CHAMP
    racine = signataire().signing_cert
    statut = validate_pdf_signature(signature, ValidationContext(trust_roots=[racine]))
    assert statut.intact and statut.valid and statut.trusted
    assert statut.coverage == SignatureCoverageLevel.ENTIRE_FILE


def _texte_du_pdf(contenu):
    from pypdf import PdfReader

    texte = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages)
    return re.sub(r"\s+", " ", texte)


def test_a_party_refuses_with_a_reason(client, monde):
    pair = monde["pair"]
    immersion = immersion_proposer(
        parrainage=pair,
        par=pair.parrain.user,
        donnees=_donnees(monde),
    )
    tuteur = invitations(immersion)["marc.martin@paie.example"]
    lien = lien_dans(tuteur)
    avant = len(mail.outbox)
    reponse = client.post(lien, {"action": "refuser", "motif": "Je serai en congé ces jours-là."})
    assert reponse.status_code == 302
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.REFUSEE
    assert immersion.motif_refus == "Je serai en congé ces jours-là."
    assert immersion.refusee_par.startswith("Tuteur ou tutrice — Marc Martin")
    refus = [m for m in derniers(avant) if "Convention refusée" in m.subject]
    destinataires = sorted(m.to[0] for m in refus)
    assert "marc.martin@paie.example" not in destinataires  # the one who refused
    assert destinataires == sorted(
        [
            pair.filleul.user.email,
            pair.parrain.user.email,
            "sonia.lefevre@francetravail.example",
            "coordination@ville.example",
        ]
    )
    assert "Je serai en congé ces jours-là." in refus[0].body
    # Nobody can sign it any more, and a second refusal changes nothing.
    page = client.get(lien).content.decode()
    assert "Recevoir mon code de signature" not in page
    client.force_login(pair.filleul.user)
    url = reverse("filleul:immersion", kwargs={"pk": immersion.pk})
    client.post(url, {"action": "demander", "acceptation": "on"})
    assert not Partie.objects.filter(codes__isnull=False).exists()


def _donnees(monde, **changes):
    from django.utils.datastructures import MultiValueDict

    from parrainages.forms_immersion import HorairesForm, ImmersionForm

    pair = monde["pair"]
    post = immersion_post(prescripteur_id=monde["prescripteur"].pk, **changes)
    form = ImmersionForm(MultiValueDict({k: [v] for k, v in post.items()}), parrainage=pair)
    horaires = HorairesForm(post)
    assert form.is_valid() and horaires.is_valid(), (form.errors, horaires.errors)
    return {**form.cleaned_data, "horaires": horaires.horaires()}


def test_a_change_after_a_signature_withdraws_them_and_asks_again(client, monde):
    pair = monde["pair"]
    immersion = immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=_donnees(monde))
    ancien_lien = lien_dans(invitations(immersion)["marc.martin@paie.example"])
    signer_par_lien(client, ancien_lien)
    signer_sur_la_page(
        client, reverse("filleul:immersion", kwargs={"pk": immersion.pk}), pair.filleul.user
    )
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.PARTIELLEMENT_SIGNEE
    ancien_texte = immersion.texte_sha256

    # The mentor shortens the afternoons: every signature is withdrawn, everyone asked again.
    client.force_login(pair.parrain.user)
    modifier = reverse("parrain:immersion_modifier", kwargs={"pk": immersion.pk})
    page = client.get(modifier)
    assert page.status_code == 200
    assert 'value="13:30"' in page.content.decode()
    semaine = {j: [["09:00", "12:30"], ["13:30", "16:00"]] for j in SEMAINE_35H}
    avant = len(mail.outbox)
    reponse = client.post(
        modifier,
        {**immersion_post(prescripteur_id=monde["prescripteur"].pk), **horaires_post(semaine)},
    )
    assert reponse.status_code == 302
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.A_SIGNER
    assert immersion.texte_sha256 != ancien_texte
    assert "16:00" in immersion.texte
    assert not parties_de(immersion).filter(signee_le__isnull=False).exists()
    nouvelles = [m for m in derniers(avant) if "À signer :" in m.subject]
    assert len(nouvelles) == 4
    # The former link no longer works; the new one does.
    assert client.get(ancien_lien).status_code == 404
    nouveau = invitations(immersion)["marc.martin@paie.example"]
    assert client.get(lien_dans(nouveau)).status_code == 200


def test_a_change_that_breaks_a_limit_changes_nothing(client, monde):
    pair = monde["pair"]
    immersion = immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=_donnees(monde))
    avant = (immersion.texte_sha256, Envoi.objects.count())
    client.force_login(pair.parrain.user)
    modifier = reverse("parrain:immersion_modifier", kwargs={"pk": immersion.pk})
    trop = {j: [["07:00", "12:00"], ["13:00", "19:00"]] for j in SEMAINE_35H}
    reponse = client.post(
        modifier,
        {**immersion_post(prescripteur_id=monde["prescripteur"].pk), **horaires_post(trop)},
    )
    assert reponse.status_code == 200
    erreurs = reponse.context["horaires"].non_field_errors()
    assert erreurs == [
        "Le lundi, 11 h de présence : au plus 10 heures par jour (Code du travail, art. L3121-18).",
        "La semaine du "
        + erreurs[1].split("La semaine du ")[1],  # the week's date depends on today
    ]
    assert "au plus 48 heures par semaine" in erreurs[1]
    immersion.refresh_from_db()
    assert (immersion.texte_sha256, Envoi.objects.count()) == avant


def test_the_portal_form_shows_each_problem_under_its_field(client, monde):
    pair = monde["pair"]
    client.force_login(pair.parrain.user)
    url = reverse("parrain:immersion_nouvelle", kwargs={"pk": pair.pk})
    debut = timezone.localdate() + dt.timedelta(days=10)
    reponse = client.post(
        url,
        immersion_post(
            prescripteur_id=monde["prescripteur"].pk,
            entreprise_siret="73282932000075",
            date_fin=f"{debut + dt.timedelta(days=45):%Y-%m-%d}",
            **{"horaires-lundi_matin_fin": "08:00"},
        ),
    )
    assert reponse.status_code == 200
    form, horaires = reponse.context["form"], reponse.context["horaires"]
    assert form.errors["entreprise_siret"][0].startswith("Ce SIRET n'est pas valide")
    assert horaires.errors["lundi_matin_fin"] == ["Lundi matin : la fin doit suivre le début."]
    assert not Immersion.objects.exists()
    # The SIRET right, the hours right: the month is the service's to refuse, under its field.
    reponse = client.post(
        url,
        immersion_post(
            prescripteur_id=monde["prescripteur"].pk,
            date_fin=f"{debut + dt.timedelta(days=45):%Y-%m-%d}",
        ),
    )
    assert "au plus un mois de date à date" in reponse.context["form"].errors["date_fin"][0]
    assert not Immersion.objects.exists()


def test_a_pupil_observation_signed_by_the_school_and_the_guardians(client):
    programme = ProgrammeFactory(offre_immersion=True, public_eleves=True)
    eleve = EleveFactory()
    pair = ParrainageFactory(
        actif=True,
        programme=programme,
        parrain=ParrainFactory(offre_immersion=True),
        filleul=eleve,
    )
    client.force_login(pair.parrain.user)
    url = reverse("parrain:immersion_nouvelle", kwargs={"pk": pair.pk})
    html = client.get(url).content.decode()
    assert "Proposer une séquence d'observation" in html
    assert "structure prescriptrice" not in html.lower()
    lundi = timezone.localdate() + dt.timedelta(days=14 - timezone.localdate().weekday())
    semaine = {j: [["09:00", "12:00"], ["13:30", "16:30"]] for j in SEMAINE_35H}
    post = {
        "date_debut": f"{lundi:%Y-%m-%d}",
        "date_fin": f"{lundi + dt.timedelta(days=4):%Y-%m-%d}",
        "objectifs": "Découvrir les métiers de l'atelier.",
        "metier_libelle": "Mécanicien",
        "entreprise_nom": "Garage du Centre",
        "entreprise_siret": "44306184100047",
        "entreprise_adresse": "2 rue Haute, Clermont-Ferrand",
        "lieu": "Atelier",
        "representant_est_parrain": "on",
        "tuteur_prenom": "Luc",
        "tuteur_nom": "Petit",
        "tuteur_fonction": "Chef d'atelier",
        "tuteur_email": "luc.petit@garage.example",
        "chef_etablissement_prenom": "Claire",
        "chef_etablissement_nom": "Morel",
        "chef_etablissement_email": "principal@college.example",
        "enseignant_prenom": "Paul",
        "enseignant_nom": "Roux",
        "enseignant_email": "prof@college.example",
        "activites": "Observer les réparations et découvrir les métiers du garage.",
        "sans_travaux_dangereux": "on",
        "urgence_nom": "Karima Benali",
        "urgence_telephone": "0612345678",
        **horaires_post(semaine),
    }
    reponse = client.post(url, post)
    assert reponse.status_code == 302, reponse.context["form"].errors
    immersion = pair.immersions.get()
    assert immersion.est_observation and immersion.prescripteur == eleve.etablissement
    representant = eleve.representants_legaux.get()
    envoyees = invitations(immersion)
    assert {representant.email, "principal@college.example", "prof@college.example"} <= set(
        envoyees
    )
    signer_par_lien(client, lien_dans(envoyees[representant.email]))
    assert parties_de(immersion).get(role=f"representant_legal_{representant.pk}").signee_le
    assert "Séquence d'observation" in immersion.titre.replace("séquence", "Séquence")


def test_pages_of_a_convention_answer_only_its_people(client, monde):
    immersion = ImmersionFactory(parrainage=monde["pair"])
    autre = ImmersionFactory()
    mentor, mentee = monde["pair"].parrain.user, monde["pair"].filleul.user
    client.force_login(mentor)
    assert client.get(reverse("parrain:immersion", kwargs={"pk": immersion.pk})).status_code == 200
    assert client.get(reverse("parrain:immersion", kwargs={"pk": autre.pk})).status_code == 404
    ouvrir = reverse("immersion_ouvrir", kwargs={"uuid": autre.uuid})
    assert client.get(ouvrir).status_code == 404
    client.force_login(mentee)
    assert client.get(reverse("filleul:immersion", kwargs={"pk": immersion.pk})).status_code == 200
    assert client.get(reverse("filleul:immersion", kwargs={"pk": autre.pk})).status_code == 404
    # A party's link shows their convention only.
    partie = parties_de(immersion).get(role="tuteur")
    page = client.get(urlsplit(lien_emettre(partie)).path)
    assert immersion.entreprise_nom in page.content.decode()
    assert page.context["document"] == immersion


def test_pages_queries_do_not_grow_with_conventions(client, monde, django_assert_num_queries):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pair = monde["pair"]
    debut = timezone.localdate() + dt.timedelta(days=10)
    ImmersionFactory(parrainage=pair, date_debut=debut)
    client.force_login(pair.parrain.user)
    pages = [
        (pair.parrain.user, pair.get_portal_url()),
        (pair.filleul.user, reverse("filleul:tableau_de_bord")),
    ]
    comptes = {}
    for user, url in pages:
        client.force_login(user)
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(url).status_code == 200
        comptes[url] = len(requetes)
    for n in range(1, 4):
        ImmersionFactory(
            parrainage=pair, date_debut=debut + dt.timedelta(days=20 * n), validee=n == 2
        )
    for user, url in pages:
        client.force_login(user)
        ContentType.objects.clear_cache()
        with django_assert_num_queries(comptes[url]):
            assert client.get(url).status_code == 200


def test_catch_up_enqueues_validated_conventions_without_pdf(django_capture_on_commit_callbacks):
    immersion = ImmersionFactory(validee=True)
    Immersion.objects.filter(pk=immersion.pk).update(
        valide_le=timezone.now() - dt.timedelta(hours=1)
    )
    legacy = ImmersionFactory(validee=True, valide_le=None)
    vus = []
    assert immersions_a_rattraper(enqueue=vus.append) == [immersion.pk]
    assert legacy.pk not in vus
    assert rattraper_immersions.delay().get() == 1
    immersion.refresh_from_db()
    assert immersion.pdf and immersion.envoyee_le
    assert immersions_a_rattraper(enqueue=vus.append) == []


def test_a_link_for_a_convention_whose_start_has_passed(client, monde):
    pair = monde["pair"]
    immersion = immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=_donnees(monde))
    lien = lien_dans(invitations(immersion)["marc.martin@paie.example"])
    Immersion.objects.filter(pk=immersion.pk).update(
        date_debut=timezone.localdate() - dt.timedelta(days=2)
    )
    page = client.get(lien).content.decode()
    assert "une convention dont le premier jour est passé ne peut plus être signée" in page
    assert "Recevoir mon code de signature" not in page
    client.post(lien, {"action": "demander", "acceptation": "on"})
    assert not Partie.objects.filter(codes__isnull=False).exists()


def _admin_post(client, page, **changes):
    """The change form of a convention as the admin shows it, posted back with ``changes``."""
    donnees = form_data(client.get(page))
    donnees.update(changes)
    return donnees


def test_staff_complete_a_draft_and_send_it_to_signature(client, monde):
    brouillon = ImmersionFactory(parrainage=monde["pair"], brouillon=True, tuteur_email="")
    connecter(client, gestionnaire())
    page = reverse("admin:parrainages_immersion_change", args=[brouillon.pk])
    formulaire = client.get(page)
    assert formulaire.status_code == 200
    choix = dict(formulaire.context["adminform"].form.fields["decision"].choices)
    assert "soumettre" in choix and "valider" not in choix
    # Sent incomplete: refused, nothing written nor sent.
    reponse = client.post(page, _admin_post(client, page, decision="soumettre"))
    assert reponse.status_code == 302
    brouillon.refresh_from_db()
    assert brouillon.statut == Immersion.Statut.BROUILLON and not Envoi.objects.exists()
    # Completed, then sent: every party is invited.
    reponse = client.post(
        page,
        _admin_post(client, page, tuteur_email="tutrice@entreprise.example", decision="soumettre"),
    )
    assert reponse.status_code == 302
    brouillon.refresh_from_db()
    assert brouillon.statut == Immersion.Statut.A_SIGNER and brouillon.texte_sha256
    assert "tutrice@entreprise.example" in invitations(brouillon)


def test_staff_change_refuse_and_cancel_through_the_services(client, monde):
    immersion = ImmersionFactory(parrainage=monde["pair"], partiellement_signee=True)
    connecter(client, gestionnaire())
    page = reverse("admin:parrainages_immersion_change", args=[immersion.pk])
    # A change of hours in the admin withdraws the signature given and asks everyone again.
    reponse = client.post(page, _admin_post(client, page, vendredi_apres_midi_fin="16:00"))
    assert reponse.status_code == 302
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.A_SIGNER
    assert immersion.horaires["vendredi"] == [["09:00", "12:30"], ["13:30", "16:00"]]
    assert not parties_de(immersion).filter(signee_le__isnull=False).exists()
    assert len(invitations(immersion)) == 4
    # A change beyond a limit: refused with its message, nothing changed.
    reponse = client.post(
        page, _admin_post(client, page, lundi_apres_midi_fin="21:00"), follow=True
    )
    assert "au plus 10 heures par jour" in reponse.content.decode()
    immersion.refresh_from_db()
    assert immersion.horaires["lundi"] == [["09:00", "12:30"], ["13:30", "17:00"]]
    # Refused by staff, with the reason, told to the parties.
    avant = len(mail.outbox)
    client.post(page, _admin_post(client, page, decision="refuser", motif="SIRET d'un autre site."))
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.REFUSEE
    assert immersion.motif_refus == "SIRET d'un autre site."
    # The four parties, the pair's mentor and the programme's coordinator.
    assert len([m for m in derniers(avant) if "Convention refusée" in m.subject]) == 6
    # A refused convention changed by its mentor goes back to signature.
    client.force_login(monde["pair"].parrain.user)
    modifier = reverse("parrain:immersion_modifier", kwargs={"pk": immersion.pk})
    client.post(
        modifier,
        immersion_post(
            prescripteur_id=immersion.prescripteur_id, entreprise_siret="44306184100047"
        ),
    )
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.A_SIGNER and immersion.motif_refus == ""
    # Cancelled by the mentor, with the reason.
    client.post(
        reverse("parrain:immersion_annuler", kwargs={"pk": immersion.pk}),
        {"motif": "Le filleul a trouvé un emploi."},
    )
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.ANNULEE
    assert not parties_de(immersion).exclude(jeton_hash="").exists()


def test_the_mentor_renews_a_validated_pmsmp_from_the_portal(client, monde):
    immersion = ImmersionFactory(parrainage=monde["pair"], validee=True)
    client.force_login(monde["pair"].parrain.user)
    page = reverse("parrain:immersion_renouveler", kwargs={"pk": immersion.pk})
    formulaire = client.get(page)
    assert formulaire.status_code == 200
    debut = immersion.date_fin + dt.timedelta(days=1)
    reponse = client.post(
        page,
        {
            "date_debut": f"{debut:%Y-%m-%d}",
            "date_fin": f"{debut + dt.timedelta(days=9):%Y-%m-%d}",
            **horaires_post(immersion.horaires),
        },
    )
    assert reponse.status_code == 302
    renouvellement = Immersion.objects.get(renouvelle=immersion)
    assert renouvellement.objectifs == immersion.objectifs
    assert "Renouvellement de la convention" in renouvellement.texte
    # A second one: refused with its article.
    autre = client.post(
        page,
        {
            "date_debut": f"{debut + dt.timedelta(days=20):%Y-%m-%d}",
            "date_fin": f"{debut + dt.timedelta(days=25):%Y-%m-%d}",
            **horaires_post(immersion.horaires),
        },
    )
    assert autre.status_code == 200
    assert "D5135-3" in " ".join(autre.context["form"].non_field_errors())
