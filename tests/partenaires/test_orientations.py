"""Counsellors refer for real (issue #16, point 2): a person without an e-mail address whose
account is created with them and claimed with a code; referrals imported from a CSV file;
the diagnostic; several structures referring one person, none learning of the others."""

import datetime as dt
import html
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mentorat.models import Envoi, User
from parrainages.models import Candidature, Filleul
from parrainages.services.filleul import candidature_deposer, candidature_retenir
from partenaires import orientations
from partenaires.extension import orientations_exporter
from partenaires.models import (
    CodeReclamation,
    ImportPrescriptions,
    Membre,
    Partenaire,
    Prescription,
)
from partenaires.services import prescription_creer
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import FilleulFactory
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import CommuneFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

NAISSANCE = dt.date(2001, 5, 17)


@pytest.fixture
def commune():
    return CommuneFactory(nom="Strasbourg", code_postal="67000", code_insee="67482")


@pytest.fixture
def programme():
    return ProgrammeFactory(nom="100 chances 100 emplois", slug="cent-chances")


@pytest.fixture
def membre():
    return MembreFactory(
        partenaire__nom="Mission locale pour l'emploi de Strasbourg",
        partenaire__type=Partenaire.Type.MISSION_LOCALE,
    )


@pytest.fixture
def autre_membre():
    return MembreFactory(
        partenaire__nom="France Travail Strasbourg Hautepierre",
        partenaire__type=Partenaire.Type.FRANCE_TRAVAIL,
    )


def profil(commune, **overrides):
    return {
        "first_name": "Yasmine",
        "last_name": "Haddad",
        "date_naissance": NAISSANCE.isoformat(),
        "telephone": "06 12 34 56 78",
        "email": "",
        "commune": "Strasbourg (67000)",
        "qpv": "oui",
        "situation": "mission_locale",
        "niveau_diplome": "3",
        "freins": ["mobilite", "numerique"],
        "diagnostic": "Vise la logistique ; sérieuse et ponctuelle.",
        "consentement": "on",
        **overrides,
    }


def creer_compte(client, membre, programme, commune, **overrides):
    client.force_login(membre.user)
    return client.post(
        reverse("partenaires:prescrire_compte"),
        {
            "partenaire": membre.partenaire.pk,
            "programme": programme.pk,
            **profil(commune, **overrides),
        },
    )


def lire(response) -> str:
    return html.unescape(response.content.decode())


def texte_pdf(contenu: bytes) -> str:
    lecteur = PdfReader(io.BytesIO(contenu))
    texte = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in lecteur.pages))
    return texte.replace("- ", "-").replace("/ ", "/")  # a long address wraps


def code_de(texte: str) -> str:
    return re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", texte).group(1)


def reclamer(client, code, naissance=NAISSANCE, email="yasmine@exemple.fr"):
    client.logout()
    return client.post(
        reverse("reclamer"),
        {
            "code": code,
            "date_naissance": naissance.isoformat(),
            "email": email,
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )


def test_the_claim_journey_end_to_end(client, membre, programme, commune):
    response = creer_compte(client, membre, programme, commune)
    assert response.status_code == 302, response.context["form"].errors
    prescription = Prescription.objects.get()
    assert response["Location"] == reverse("partenaires:prescription", args=[prescription.pk])
    user = prescription.filleul.user
    assert user.email is None and not user.has_usable_password()
    candidature = Candidature.objects.get(filleul=prescription.filleul)
    assert candidature.source == Candidature.Source.PRESCRIPTION
    assert candidature.prescripteur == membre.partenaire
    assert candidature.eligible
    assert prescription.filleul.prescripteur == membre.partenaire
    assert prescription.freins == ["mobilite", "numerique"]
    # No address: the receipt is not written for the person (the counsellor's is).
    assert not Envoi.objects.filter(destinataire=user).exists()
    assert not Envoi.objects.filter(email="").exists()

    # The letter: a PDF holding the code and the claim page.
    client.force_login(membre.user)
    page = client.get(reverse("partenaires:prescription", args=[prescription.pk]))
    assert "Code d'activation du compte" in lire(page)
    lettre = client.post(
        reverse("partenaires:prescription_code", args=[prescription.pk]), {"moyen": "lettre"}
    )
    assert lettre["Content-Type"] == "application/pdf"
    texte = texte_pdf(lettre.content)
    assert "/activer-mon-compte/" in texte and "Yasmine" in texte
    premier = code_de(texte)
    assert CodeReclamation.objects.get().empreinte != premier  # only a hash is stored

    # A new code replaces the first.
    texte = texte_pdf(
        client.post(
            reverse("partenaires:prescription_code", args=[prescription.pk]), {"moyen": "lettre"}
        ).content
    )
    code = code_de(texte)
    remplace = reclamer(client, premier)
    assert "remplacé par un plus récent" in lire(remplace)

    # Wrong code, wrong birth date, expired: French errors, nothing changed.
    faux = reclamer(client, "ZZZZ-ZZZZ")
    assert faux.status_code == 400 and "Ce code n'est pas le bon" in lire(faux)
    mauvaise_date = reclamer(client, code, naissance=dt.date(2000, 1, 1))
    assert "ne correspond pas à ce code" in lire(mauvaise_date)
    assert "Il vous reste 4 essais" in lire(mauvaise_date)
    CodeReclamation.objects.filter(utilise_le__isnull=True, remplace_le__isnull=True).update(
        expire_le=timezone.now() - dt.timedelta(minutes=1)
    )
    expire = reclamer(client, code)
    assert "Ce code a expiré" in lire(expire)
    user.refresh_from_db()
    assert user.email is None and not user.has_usable_password()
    CodeReclamation.objects.filter(utilise_le__isnull=True, remplace_le__isnull=True).update(
        expire_le=timezone.now() + dt.timedelta(days=1)
    )

    # The right code (typed loosely): the address is verified by allauth's code, then the
    # person is signed in and sees the application.
    mail.outbox.clear()
    bon = reclamer(client, code.lower().replace("-", " "))
    assert bon.status_code == 302
    user.refresh_from_db()
    assert user.email == "yasmine@exemple.fr" and user.check_password("un-mot-de-passe-solide-42")
    (verification,) = mail.outbox
    assert verification.to == ["yasmine@exemple.fr"]
    code_email = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", verification.body, re.MULTILINE).group(1)
    client.post(bon["Location"], {"code": code_email})
    tableau = client.get(reverse("filleul:tableau_de_bord"))
    assert tableau.status_code == 200
    assert "100 chances 100 emplois" in lire(tableau)
    # The code served once.
    assert "déjà servi" in lire(reclamer(client, code))


def test_a_code_is_blocked_after_too_many_wrong_birth_dates(client, membre, programme, commune):
    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    pdf = orientations.code_remettre(
        prescription_id=prescription.pk, par=membre.user, moyen="lettre"
    )
    code = code_de(texte_pdf(pdf))
    for _ in range(orientations.CODE_ESSAIS_MAX):
        reclamer(client, code, naissance=dt.date(1999, 1, 1))
    assert "il est bloqué" in lire(reclamer(client, code))


def test_a_code_received_by_sms_and_redeemed_verifies_the_number(
    client, membre, programme, commune, capsys, settings
):
    settings.SMS_CONSOLE = True
    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    client.post(reverse("partenaires:prescription_code", args=[prescription.pk]), {"moyen": "sms"})
    code = code_de(capsys.readouterr().out)
    assert reclamer(client, code).status_code == 302
    user = prescription.filleul.user
    user.refresh_from_db()
    assert user.telephone == "+33612345678" and user.telephone_verifie_le is not None


def test_a_code_handed_by_letter_verifies_no_number(client, membre, programme, commune):
    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    pdf = orientations.code_remettre(
        prescription_id=prescription.pk, par=membre.user, moyen="lettre"
    )
    assert reclamer(client, code_de(texte_pdf(pdf))).status_code == 302
    user = prescription.filleul.user
    user.refresh_from_db()
    assert user.telephone_verifie_le is None


def test_the_code_by_sms_and_by_email_through_the_outbox(
    client, membre, programme, commune, capsys, settings
):
    settings.SMS_CONSOLE = True  # as in development (DEBUG)
    creer_compte(client, membre, programme, commune, email="yasmine.perso@exemple.fr")
    prescription = Prescription.objects.get()
    assert prescription.filleul.user.email is None  # the address is not the login
    client.post(reverse("partenaires:prescription_code", args=[prescription.pk]), {"moyen": "sms"})
    sms = Envoi.objects.get(canal=Envoi.Canal.SMS)
    assert sms.email == "+33612345678" and sms.confidentiel
    assert "/activer-mon-compte/" in capsys.readouterr().out
    client.post(
        reverse("partenaires:prescription_code", args=[prescription.pk]), {"moyen": "email"}
    )
    (message,) = [m for m in mail.outbox if m.to == ["yasmine.perso@exemple.fr"]]
    assert (
        code_de(message.body)
        and Envoi.objects.get(regle="code_reclamation", canal="email").confidentiel
    )
    # Only the last code works.
    assert CodeReclamation.objects.filter(remplace_le__isnull=True).count() == 1


def test_a_minor_or_an_ineligible_person_is_refused_and_nothing_is_created(
    client, membre, programme, commune
):
    mineur = creer_compte(
        client,
        membre,
        programme,
        commune,
        date_naissance=(timezone.localdate() - dt.timedelta(days=16 * 366)).isoformat(),
    )
    assert "mineure" in lire(mineur)
    programme.age_max = 25
    programme.save()
    agee = creer_compte(client, membre, programme, commune, date_naissance="1960-01-01")
    assert agee.status_code == 200
    assert not User.objects.filter(email__isnull=True).exists()
    assert not Prescription.objects.exists() and not Filleul.objects.exists()


# --- CSV import ------------------------------------------------------------------------------

ENTETE = "prenom;nom;date_naissance;commune;qpv;situation;niveau_diplome;telephone;email\n"


def importer(client, membre, programme, contenu: str):
    client.force_login(membre.user)
    return client.post(
        reverse("partenaires:importer"),
        {
            "partenaire": membre.partenaire.pk,
            "programme": programme.pk,
            "consentement": "on",
            "fichier": SimpleUploadedFile("orientations.csv", contenu.encode("utf-8")),
        },
    )


def test_the_template_file_is_downloaded(client, membre):
    client.force_login(membre.user)
    response = client.get(reverse("partenaires:importer_modele"))
    assert response.content.decode("utf-8-sig").startswith(ENTETE.strip())


def test_a_bad_file_reports_every_error_by_line_and_column_and_creates_nothing(
    client, membre, programme, commune
):
    contenu = (
        ENTETE
        + "Awa;Diop;17/05/2001;Strasbourg (67000);oui;mission_locale;3;;\n"
        + ";Martin;31/02/2001;Strasbourg (67000);oui;mission_locale;3;;\n"
        + "Léo;Roux;17/05/2001;Atlantide;oui;astronaute;3;;pas-une-adresse\n"
        + "Awa;Diop;17/05/2001;Strasbourg (67000);oui;mission_locale;3;;\n"
    )
    response = importer(client, membre, programme, contenu)
    assert response.status_code == 400
    erreurs = response.context["erreurs"]
    texte = "\n".join(erreurs)
    assert "Ligne 3, colonne « prénom »" in texte
    assert "Ligne 3, colonne « date de naissance »" in texte
    assert "Ligne 4, colonne « commune » : Nous ne trouvons pas cette commune" in texte
    assert "Ligne 4, colonne « situation »" in texte
    assert "Ligne 4, colonne « e-mail »" in texte
    assert "Ligne 5 : la même personne figure déjà ligne 2." in texte
    assert [int(e.split()[1].rstrip(",")) for e in erreurs] == sorted(
        int(e.split()[1].rstrip(",")) for e in erreurs
    )
    assert (
        not Prescription.objects.exists() and not User.objects.filter(email__isnull=True).exists()
    )
    assert not ImportPrescriptions.objects.exists() and not Envoi.objects.exists()


def test_a_row_the_services_refuse_rolls_back_the_whole_file(client, membre, programme, commune):
    programme.age_max = 30
    programme.save()
    contenu = (
        ENTETE
        + "Awa;Diop;17/05/2001;Strasbourg (67000);oui;mission_locale;3;;\n"
        + "Jean;Ancien;01/01/1960;Strasbourg (67000);non;demandeur_emploi;4;;\n"
    )
    response = importer(client, membre, programme, contenu)
    assert response.status_code == 400
    assert any(
        e.startswith("Ligne 3 : Cette personne ne remplit pas") for e in response.context["erreurs"]
    )
    assert not Prescription.objects.exists() and not Filleul.objects.exists()


def test_a_good_file_refers_everyone_and_prints_the_batch_letters(
    client, membre, programme, commune
):
    contenu = (
        ENTETE
        + "Awa;Diop;17/05/2001;Strasbourg (67000);oui;mission_locale;3;;\n"
        + "Karim;Benali;02/03/1999;67000;non;"
        + "Demandeur d'emploi inscrit à France Travail;4;0612345679;\n"
        + "Lina;Weber;05/06/2000;Strasbourg (67000);oui;mission_locale;4;;lina@exemple.fr\n"
    )
    response = importer(client, membre, programme, contenu)
    assert response.status_code == 302
    lot = ImportPrescriptions.objects.get()
    assert lot.prescriptions.count() == 3
    assert Candidature.objects.filter(prescripteur=membre.partenaire).count() == 2
    assert [m.to for m in mail.outbox if "Invitation" in m.subject] == [["lina@exemple.fr"]]
    page = client.get(response["Location"])
    assert "2 comptes à activer" in lire(page)
    lettres = client.post(reverse("partenaires:lot_lettres", args=[lot.pk]))
    texte = texte_pdf(lettres.content)
    assert "Awa" in texte and "Karim" in texte and "Lina" not in texte
    assert len(re.findall(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b", texte)) == 2


def test_the_daily_limits_hold_for_a_whole_file(client, membre, programme, commune, settings):
    settings.LIMITE_INVITATIONS_MEMBRE_JOUR = 1
    contenu = (
        ENTETE
        + "Awa;Diop;17/05/2001;Strasbourg (67000);oui;mission_locale;3;;\n"
        + "Karim;Benali;02/03/1999;67000;non;demandeur_emploi;4;;\n"
    )
    response = importer(client, membre, programme, contenu)
    assert "il n'en reste que 1" in " ".join(response.context["erreurs"])
    assert not Prescription.objects.exists()


def test_a_file_too_large_or_too_long_is_refused(client, membre, programme, commune):
    long = ENTETE + "Awa;Diop;17/05/2001;67000;oui;mission_locale;3;;\n" * (
        orientations.LIGNES_MAX + 1
    )
    assert "Plus de 200 lignes" in " ".join(
        importer(client, membre, programme, long).context["erreurs"]
    )
    gros = ENTETE + "x" * (orientations.TAILLE_MAX_CSV + 1)
    assert "dépasse 512 Ko" in " ".join(
        importer(client, membre, programme, gros).context["erreurs"]
    )


# --- Several structures, no leak, crediting ----------------------------------------------------


def test_two_structures_refer_one_person_none_learns_of_the_other(
    client, membre, autre_membre, programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = prescription_creer(
            par=membre.user,
            partenaire=membre.partenaire,
            programme=programme,
            prenom="Sarah",
            nom="Diallo",
            email="sarah@exemple.fr",
            diagnostic="Secret de la mission locale",
            freins=["sante"],
        )
    # Partner B refers the same person: accepted, and told nothing of A.
    client.force_login(autre_membre.user)
    response = client.post(
        reverse("partenaires:prescrire"),
        {
            "partenaire": autre_membre.partenaire.pk,
            "programme": programme.pk,
            "prenom": "Sarah",
            "nom": "Diallo",
            "email": "sarah@exemple.fr",
        },
        follow=True,
    )
    assert Prescription.objects.count() == 2
    b = Prescription.objects.exclude(pk=a.pk).get()
    nom_a = membre.partenaire.nom

    # The person applies through A's invitation: A is credited; B sees its own referral and
    # the application's status, never A's name nor A's diagnostic.
    filleul = FilleulFactory(user__email="sarah@exemple.fr")
    from partenaires.services import prescription_rattacher

    prescription_rattacher(prescription_id=a.pk, filleul=filleul)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        candidature = candidature_deposer(filleul=filleul, programme=programme)
        candidature_retenir(candidature=candidature, par=gestionnaire())
    assert candidature.prescripteur == membre.partenaire
    b.refresh_from_db()
    assert b.filleul == filleul

    pages = [lire(response)]
    for url in (
        reverse("partenaires:accueil"),
        reverse("partenaires:filleuls"),
        reverse("partenaires:prescription", args=[b.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        pages.append(lire(page))
    assert client.get(reverse("partenaires:prescription", args=[a.pk])).status_code == 404
    assert "Retenue" in pages[-1] or "retenue" in pages[-1].lower()
    filleuls_b = pages[2]
    assert filleul.user.last_name in filleuls_b
    messages_b = [m for m in mail.outbox if autre_membre.user.email in m.to]
    assert messages_b, "B's counsellor is told of the decisions too"
    for texte in pages + [m.body + m.subject for m in messages_b]:
        assert nom_a not in texte.replace("&#x27;", "'")
        assert "Secret de la mission locale" not in texte
    # A's counsellor is told too, and only A is credited in the indicators' field.
    assert any(membre.user.email in m.to for m in mail.outbox)
    assert Candidature.objects.filter(prescripteur=autre_membre.partenaire).count() == 0


def test_without_a_used_link_the_earliest_referral_is_credited(membre, autre_membre, programme):
    for m in (autre_membre, membre):
        prescription_creer(
            par=m.user,
            partenaire=m.partenaire,
            programme=programme,
            prenom="Sarah",
            nom="Diallo",
            email="sarah@exemple.fr",
        )
    filleul = FilleulFactory(user__email="sarah@exemple.fr")
    candidature = candidature_deposer(filleul=filleul, programme=programme)
    assert candidature.prescripteur == autre_membre.partenaire  # the earliest
    assert Prescription.objects.filter(filleul=filleul).count() == 2


def test_the_diagnostic_is_shown_to_its_partner_and_in_the_admin(
    client, membre, autre_membre, programme, commune
):
    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    page = lire(client.get(reverse("partenaires:prescription", args=[prescription.pk])))
    assert "Mobilité" in page and "Vise la logistique" in page
    client.force_login(autre_membre.user)
    assert (
        client.get(reverse("partenaires:prescription", args=[prescription.pk])).status_code == 404
    )
    # Staff read it on the application's page in the admin.
    candidature = Candidature.objects.get()
    connecter(client, gestionnaire())
    fiche = lire(client.get(reverse("admin:parrainages_candidature_change", args=[candidature.pk])))
    assert "Vise la logistique" in fiche and "Mobilité" in fiche and "(créditée)" in fiche


def test_an_unclaimed_account_is_erased_with_its_referral_and_codes(
    membre, programme, commune, client
):
    from parrainages.services.effacement import compte_effacer

    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    orientations.code_remettre(prescription_id=prescription.pk, par=membre.user, moyen="lettre")
    user = prescription.filleul.user
    export = orientations_exporter(filleul=prescription.filleul, user=user)
    assert export[0]["projet_et_atouts"].startswith("Vise la logistique")
    compte_effacer(user=user)
    prescription.refresh_from_db()
    assert (prescription.nom, prescription.diagnostic, prescription.freins) == (
        "anonymisée",
        "",
        [],
    )
    assert prescription.telephone == "" and not CodeReclamation.objects.exists()


def test_the_claim_page_is_limited_per_address(client, monkeypatch, membre, programme, commune):
    monkeypatch.setattr(orientations, "LIMITE_RECLAMATION_JOUR", 2)
    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    code = code_de(
        texte_pdf(
            orientations.code_remettre(
                prescription_id=prescription.pk, par=membre.user, moyen="lettre"
            )
        )
    )
    for _ in range(2):
        reclamer(client, "ZZZZ-ZZZZ")
    refus = reclamer(client, code)  # even the right code, once the day's attempts are spent
    assert refus.status_code == 400 and "Trop d'essais aujourd'hui" in lire(refus)
    assert not prescription.filleul.user.__class__.objects.get(
        pk=prescription.filleul.user_id
    ).has_usable_password()


def test_no_sms_offered_nor_sent_without_a_sender_in_production(
    client, membre, programme, commune, settings, capsys
):
    """The console sender prints the code: only with DEBUG or SMS_CONSOLE=1, never in
    production, where the SMS choice is not offered and refused if posted."""
    settings.DEBUG = False
    settings.SMS_CONSOLE = False
    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    page = reverse("partenaires:prescription", args=[prescription.pk])
    assert 'value="sms"' not in client.get(page).content.decode()
    reponse = client.post(
        reverse("partenaires:prescription_code", args=[prescription.pk]),
        {"moyen": "sms"},
        follow=True,
    )
    assert "L'envoi de SMS n'est pas disponible" in lire(reponse)
    assert not Envoi.objects.filter(canal=Envoi.Canal.SMS).exists()
    assert not CodeReclamation.objects.exists()
    assert "SMS pour" not in capsys.readouterr().out

    settings.DEBUG = True
    assert 'value="sms"' in client.get(page).content.decode()
    settings.DEBUG = False
    settings.SMS_CONSOLE = True
    assert 'value="sms"' in client.get(page).content.decode()


def _code_lettre(client, membre, prescription) -> str:
    client.force_login(membre.user)
    reponse = client.post(
        reverse("partenaires:prescription_code", args=[prescription.pk]), {"moyen": "lettre"}
    )
    assert reponse["Content-Type"] == "application/pdf", lire(reponse)
    return code_de(texte_pdf(reponse.content))


def test_a_claim_with_a_mistyped_address_can_be_started_again(client, membre, programme, commune):
    """Until the address is verified the account is still to claim: the counsellor issues a
    new code, the password chosen with the wrong address no longer opens it, nobody can
    reset it through that address, and the next claim with the right address works."""
    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    user = prescription.filleul.user
    code = _code_lettre(client, membre, prescription)
    assert reclamer(client, code, email="yasmine@exemple.fr.typo").status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password()
    prescription.refresh_from_db()
    assert prescription.a_reclamer

    # The owner of the mistyped address cannot take the account by resetting its password.
    mail.outbox.clear()
    client.logout()
    client.post(reverse("account_reset_password"), {"email": "yasmine@exemple.fr.typo"})
    assert not any("password/reset/key" in m.body for m in mail.outbox)

    nouveau = _code_lettre(client, membre, prescription)
    user.refresh_from_db()
    assert user.email is None and not user.has_usable_password()
    assert not user.emailaddress_set.exists()
    assert "déjà servi" in lire(reclamer(client, code, email="autre@exemple.fr"))

    mail.outbox.clear()
    bon = reclamer(client, nouveau)
    assert bon.status_code == 302
    user.refresh_from_db()
    assert user.email == "yasmine@exemple.fr"
    (verification,) = mail.outbox
    code_email = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", verification.body, re.MULTILINE).group(1)
    client.post(bon["Location"], {"code": code_email})
    prescription = Prescription.objects.get()
    assert not prescription.a_reclamer
    client.force_login(membre.user)
    refus = client.post(
        reverse("partenaires:prescription_code", args=[prescription.pk]),
        {"moyen": "lettre"},
        follow=True,
    )
    assert "a déjà activé son compte" in lire(refus)


def test_a_new_code_unlinks_the_identities_linked_meanwhile(client, membre, programme, commune):
    """A FranceConnect or ProConnect identity linked to the account before its claim (through
    the address typed at a claim, say) no longer opens it once a new code is issued."""
    from allauth.socialaccount.models import SocialAccount

    from mentorat.models import IdentiteCertifiee

    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    user = prescription.filleul.user
    SocialAccount.objects.create(user=user, provider="franceconnect", uid="fc-1")
    IdentiteCertifiee.objects.create(
        user=user,
        prenoms="Yasmine",
        nom="Benali",
        date_naissance=NAISSANCE,
        certifiee_le=timezone.now(),
    )

    _code_lettre(client, membre, prescription)

    assert not SocialAccount.objects.filter(user=user).exists()
    assert not IdentiteCertifiee.objects.filter(user=user).exists()


def test_a_code_is_refused_once_the_account_is_activated(client, membre, programme, commune):
    from allauth.account.models import EmailAddress

    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    code = _code_lettre(client, membre, prescription)
    # Activated meanwhile (through another code's claim, say): this one no longer serves.
    EmailAddress.objects.create(
        user=prescription.filleul.user, email="yasmine@exemple.fr", primary=True, verified=True
    )
    refus = reclamer(client, code, email="intrus@exemple.fr")
    assert "Ce compte est déjà activé" in lire(refus)
    user = prescription.filleul.user
    user.refresh_from_db()
    assert user.email is None and not user.has_usable_password()


def test_a_form_sent_twice_creates_one_account(client, membre, programme, commune):
    """A double click, or the same person typed again with other case or accents: the
    partner's existing account-mode referral is returned, no second account."""
    premiere = creer_compte(client, membre, programme, commune)
    seconde = creer_compte(
        client, membre, programme, commune, first_name="YASMINE", last_name="Haddâd"
    )
    assert Prescription.objects.count() == 1 and Filleul.objects.count() == 1
    assert seconde["Location"] == premiere["Location"]
    # Another birth date is another person.
    creer_compte(client, membre, programme, commune, date_naissance="2000-02-02")
    assert Prescription.objects.count() == 2


def test_a_file_sent_again_creates_nothing_new_and_says_so(client, membre, programme, commune):
    contenu = (
        ENTETE
        + "Awa;Diop;17/05/2001;Strasbourg (67000);oui;mission_locale;3;;\n"
        + "Karim;Benali;02/03/1999;67000;non;demandeur_emploi;4;;\n"
    )
    assert importer(client, membre, programme, contenu).status_code == 302
    encore = importer(client, membre, programme, contenu)
    assert "rien de nouveau n'a été créé" in lire(encore)
    assert Prescription.objects.count() == 2 and Filleul.objects.count() == 2
    plus_un = contenu.replace("Awa;Diop", "AWA;Diôp") + (
        "Lina;Weber;05/06/2000;Strasbourg (67000);oui;mission_locale;4;;\n"
    )
    reponse = importer(client, membre, programme, plus_un)
    assert reponse.status_code == 302
    assert Prescription.objects.count() == 3 and Filleul.objects.count() == 3
    assert "2 personne(s) du fichier, déjà orientée(s)" in lire(client.get(reponse["Location"]))


def test_a_read_only_member_neither_refers_nor_issues_codes_nor_prints_letters(
    client, membre, programme, commune
):
    lecteur = MembreFactory(partenaire=membre.partenaire, role=Membre.Role.LECTEUR)
    refus = creer_compte(client, lecteur, programme, commune)
    assert "lecture seule" in lire(refus)
    assert not Prescription.objects.exists()
    assert (
        importer(
            client,
            lecteur,
            programme,
            ENTETE + ("Awa;Diop;17/05/2001;Strasbourg (67000);oui;mission_locale;3;;\n"),
        ).status_code
        == 400
    )
    assert not Prescription.objects.exists()

    creer_compte(client, membre, programme, commune)
    prescription = Prescription.objects.get()
    client.force_login(lecteur.user)
    page = lire(client.get(reverse("partenaires:prescription", args=[prescription.pk])))
    assert "lecture seule" in page and 'value="lettre"' not in page
    refus = client.post(
        reverse("partenaires:prescription_code", args=[prescription.pk]),
        {"moyen": "lettre"},
        follow=True,
    )
    assert "lecture seule" in lire(refus)
    assert not CodeReclamation.objects.exists()
    with pytest.raises(ValidationError, match="lecture seule"):
        orientations.code_remettre(
            prescription_id=prescription.pk, par=lecteur.user, moyen="lettre"
        )


@pytest.mark.parametrize(
    "numero,attendu",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33 7 81 23 45 67", "+33781234567"),
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe, mobile
        ("0692 12 34 56", "+262692123456"),  # La Réunion, mobile
        ("01 23 45 67 89", ""),  # a landline
        ("08 99 12 34 56", ""),  # premium rate
        ("+44 7400 123456", ""),  # a foreign mobile
        ("+225 07 07 12 34 56", ""),
        ("n'importe quoi", ""),
    ],
)
def test_codes_go_by_sms_only_to_french_mobiles(numero, attendu):
    assert orientations.telephone_e164(numero) == attendu


def test_a_code_by_sms_to_a_landline_is_refused_in_french(
    client, membre, programme, commune, settings
):
    settings.SMS_CONSOLE = True
    creer_compte(client, membre, programme, commune, telephone="01 23 45 67 89")
    prescription = Prescription.objects.get()
    assert 'value="sms"' not in lire(
        client.get(reverse("partenaires:prescription", args=[prescription.pk]))
    )
    refus = client.post(
        reverse("partenaires:prescription_code", args=[prescription.pk]),
        {"moyen": "sms"},
        follow=True,
    )
    assert "numéro de téléphone mobile de France" in lire(refus)
    assert not Envoi.objects.filter(canal=Envoi.Canal.SMS).exists()


def test_the_portal_home_offers_to_refer_only_to_members_who_may(client, membre):
    lecteur = MembreFactory(role=Membre.Role.LECTEUR)
    boutons = [
        reverse("partenaires:prescrire"),
        reverse("partenaires:prescrire_compte"),
        reverse("partenaires:importer"),
    ]
    client.force_login(lecteur.user)
    page = lire(client.get(reverse("partenaires:accueil")))
    assert not any(f'href="{b}"' in page for b in boutons)
    client.force_login(membre.user)
    page = lire(client.get(reverse("partenaires:accueil")))
    assert all(f'href="{b}"' in page for b in boutons)
