"""Issue #16 as its users live it, on a phone and with the keyboard, axe-core on every page:
a counsellor refers a person without e-mail who then claims the account, the facilitator
fills the attendance grid of a selection week, a company manager fills a grid from their
personal link, the mentee reads the invitation and the QPV result in their space."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from parrainages.models import Candidature, Evaluation, Presence
from parrainages.services import filleul_adresse_enregistrer
from parrainages.services.selection import evaluateur_lien_emettre
from partenaires.models import Partenaire, Prescription
from tests.mentorat.factories import EmailAddressFactory, UserFactory
from tests.parrainages.factories import (
    CritereEvaluationFactory,
    EvaluateurInviteFactory,
    FilleulFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import ProgrammeFactory, qpv_echantillon_importer, strasbourg

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

MOT_DE_PASSE = "motdepasse-de-test"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def monde():
    """The Strasbourg programme, its commune and the shipped QPV perimeters."""
    qpv_echantillon_importer()
    return {
        "commune": strasbourg(),
        "programme": ProgrammeFactory(nom="100 chances 100 emplois", slug="cent-chances"),
    }


@pytest.fixture
def telephone(browser):
    """Open a new phone (a browser context of its own); every one is closed after the test,
    failed or not."""
    contextes = []

    def ouvrir(**options):
        contexte = browser.new_context(
            viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True, **options
        )
        contextes.append(contexte)
        return contexte.new_page()

    yield ouvrir
    for contexte in contextes:
        contexte.close()


def se_connecter(page, live_server, email, suite):
    page.goto(f"{live_server.url}/comptes/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(suite))


def membre_de(partenaire_nom, email, **champs):
    membre = MembreFactory(partenaire__nom=partenaire_nom, user=UserFactory(email=email, **champs))
    EmailAddressFactory(user=membre.user)
    return membre


def tabuler_vers(page, cible, *, maximum=120):
    """Press Tab until ``cible`` has the focus, as a keyboard user moves through the page;
    fails when it is never reached (out of the tab order)."""
    for _ in range(maximum):
        if cible.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{cible} n'est jamais atteint avec la touche Tab")


def taper(page, cible, texte):
    tabuler_vers(page, cible)
    page.keyboard.press("Control+A")
    page.keyboard.type(texte)


def taper_date(page, champ, jour):
    """Type a date in a date field's segments, in the order the browser shows them (its own
    UI language decides: jj/mm/aaaa in French, mm/dd/yyyy in the English system Chromium)."""
    tabuler_vers(page, champ)
    page.keyboard.type("01022001")
    jour_d_abord = champ.input_value() == "2001-02-01"
    page.keyboard.press("Shift+Tab")  # Tab and Shift+Tab move between the segments
    page.keyboard.press("Shift+Tab")
    premier, second = (jour.day, jour.month) if jour_d_abord else (jour.month, jour.day)
    page.keyboard.type(f"{premier:02d}{second:02d}{jour.year}")


def page_sans_debordement(page):
    """The page itself does not scroll sideways at phone width (a table region may)."""
    largeur = page.evaluate("document.documentElement.scrollWidth")
    assert largeur <= page.viewport_size["width"], f"{page.url} déborde : {largeur} px"


def erreur_du_champ(page, champ):
    """The error a screen reader reads with ``champ``: aria-invalid, and the text of the
    elements its aria-describedby names."""
    assert champ.get_attribute("aria-invalid") == "true"
    ids = (champ.get_attribute("aria-describedby") or "").split()
    assert ids, "le champ en erreur ne désigne aucune description"
    return " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids)


def texte_pdf(chemin) -> str:
    with open(chemin, "rb") as contenu:
        lecteur = PdfReader(io.BytesIO(contenu.read()))
    texte = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in lecteur.pages))
    return texte.replace("- ", "-").replace("/ ", "/")  # a long address wraps


# --- 1. A referral without e-mail, claimed by the person -----------------------------------


def test_a_counsellor_refers_with_the_keyboard_and_the_person_claims_on_a_phone(
    live_server, telephone, axe, monde
):
    conseillere = membre_de("Mission locale pour l'emploi de Strasbourg", "conseillere@exemple.fr")
    Partenaire.objects.filter(pk=conseillere.partenaire_id).update(
        type=Partenaire.Type.MISSION_LOCALE
    )
    page = telephone(accept_downloads=True)
    se_connecter(page, live_server, "conseillere@exemple.fr", "/partenaire/$")
    axe(page)
    lien = page.get_by_role("link", name="Orienter une personne sans adresse e-mail")
    tabuler_vers(page, lien)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/partenaire/prescrire/avec-la-personne/$"))
    axe(page)
    page_sans_debordement(page)

    # The whole profile, field after field with the keyboard.
    programme = page.get_by_label("Programme proposé")
    tabuler_vers(page, programme)
    page.keyboard.type("100 chances")  # a closed list picks by its first letters
    assert programme.input_value() == str(monde["programme"].pk)
    taper(page, page.get_by_label(re.compile(r"^Prénom\s*:?$")), "Yasmine")
    taper(page, page.get_by_label(re.compile(r"^Nom\s*:?$")), "Haddad")
    naissance = page.get_by_label("Date de naissance")
    taper_date(page, naissance, dt.date(2001, 5, 17))
    assert naissance.input_value() == "2001-05-17"
    taper(page, page.get_by_label("Téléphone mobile (facultatif)"), "06 12 34 56 78")
    taper(page, page.get_by_label("Adresse (numéro et voie)"), "12 boulevard Balzac")
    # A postcode that is not Strasbourg's.
    taper(page, page.get_by_label("Code postal"), "75018")
    # The commune: suggestions while typing, then the exact label.
    commune = page.get_by_label("Commune de résidence")
    taper(page, commune, "Strasbourg")
    page.locator("#id_commune-suggestions option[value='Strasbourg (67000)']").wait_for(
        state="attached"
    )
    page.keyboard.type(" (67000)")
    # Radio buttons: Tab enters the group, Space picks the focused one.
    oui = page.get_by_role("radio", name="Oui")
    tabuler_vers(page, oui)
    page.keyboard.press("Space")
    assert oui.is_checked()
    situation = page.get_by_label("Sa situation aujourd'hui")
    tabuler_vers(page, situation)
    situation.select_option("mission_locale")  # a native list: the keyboard opens it
    diplome = page.get_by_label("Son diplôme le plus élevé")
    tabuler_vers(page, diplome)
    diplome.select_option("3")
    mobilite = page.get_by_role("checkbox", name=re.compile("obilité"))
    tabuler_vers(page, mobilite)
    page.keyboard.press("Space")
    taper(page, page.get_by_label("Son projet et ses atouts (facultatif)"), "Vise la logistique.")
    accord = page.get_by_role("checkbox", name=re.compile("^La personne a lu"))
    tabuler_vers(page, accord)
    page.keyboard.press("Space")
    bouton = page.get_by_role("button", name="Créer le compte et la candidature")
    tabuler_vers(page, bouton)
    page.keyboard.press("Enter")

    # Refused: the summary is announced at the top, the field tells why.
    resume = page.get_by_role("alert")
    resume.wait_for()
    axe(page)
    assert "Rien n'a été enregistré" in resume.inner_text()
    assert "n'est pas celui de Strasbourg" in resume.inner_text()
    code_postal = page.get_by_label("Code postal")
    assert "n'est pas celui de Strasbourg (67000, 67100, 67200)" in erreur_du_champ(
        page, code_postal
    )
    assert not Prescription.objects.exists()
    # The summary's link leads to the field.
    page.get_by_role("link", name="Code postal").click()
    assert code_postal.evaluate("e => e === document.activeElement")
    page.keyboard.press("Control+A")
    page.keyboard.type("67200")
    # What was typed is still there: only the consent is asked again.
    assert page.get_by_label(re.compile(r"^Prénom\s*:?$")).input_value() == "Yasmine"
    accord = page.get_by_role("checkbox", name=re.compile("^La personne a lu"))
    if not accord.is_checked():
        tabuler_vers(page, accord)
        page.keyboard.press("Space")
    tabuler_vers(page, bouton)
    page.keyboard.press("Enter")

    # (the summary's link left its #fragment in the address: the redirect keeps it)
    page.wait_for_url(re.compile(r"/partenaire/prescriptions/\d+/(#.*)?$"))
    axe(page)
    page_sans_debordement(page)
    assert page.get_by_role("status").get_by_text(re.compile("Le compte de Yasmine Haddad")).count()
    prescription = Prescription.objects.get()
    candidature = Candidature.objects.get(filleul=prescription.filleul)
    assert candidature.prescripteur_id == conseillere.partenaire_id
    assert prescription.filleul.qpv_nom == "Hautepierre"

    # The letter: the radio is the first choice, Enter on the button downloads the PDF.
    assert page.get_by_role("radio", name="Lettre à imprimer (PDF)").is_checked()
    emettre = page.get_by_role("button", name="Émettre un nouveau code")
    with page.expect_download() as telechargement:
        tabuler_vers(page, emettre)
        page.keyboard.press("Enter")
    lettre = telechargement.value
    assert lettre.suggested_filename == f"activation-compte-{prescription.pk}.pdf"
    texte = texte_pdf(lettre.path())
    assert "/activer-mon-compte/" in texte, texte
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", texte)[1]

    # The person, on their own phone, with the letter.
    page = telephone()
    page.goto(f"{live_server.url}/activer-mon-compte/")
    axe(page)
    page_sans_debordement(page)
    # A wrong birth date first: a French message, nothing claimed.
    page.get_by_label("Code d'activation").fill(code)
    page.get_by_label("Votre date de naissance").fill("2000-01-01")
    page.get_by_label("Votre adresse e-mail").fill("yasmine@exemple.fr")
    page.get_by_label("Choisissez un mot de passe").fill("un-mot-de-passe-solide-42")
    page.get_by_label("Le même mot de passe, une seconde fois").fill("un-mot-de-passe-solide-42")
    page.get_by_role("button", name="Activer mon compte").click()
    page.get_by_role("alert").wait_for()
    axe(page)
    assert "ne correspond pas à ce code" in page.get_by_role("alert").inner_text()
    assert "ne correspond pas à ce code" in erreur_du_champ(
        page, page.get_by_label("Votre date de naissance")
    )
    page.get_by_label("Votre date de naissance").fill("2001-05-17")
    page.get_by_label("Choisissez un mot de passe").fill("un-mot-de-passe-solide-42")
    page.get_by_label("Le même mot de passe, une seconde fois").fill("un-mot-de-passe-solide-42")
    page.get_by_role("button", name="Activer mon compte").click()

    # allauth verifies the address with its code, then the person is in their space.
    page.wait_for_url(re.compile("/comptes/"))
    axe(page)
    verification = next(m for m in mail.outbox if m.to == ["yasmine@exemple.fr"])
    code_email = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", verification.body, re.MULTILINE)[1]
    page.get_by_label("Code").fill(code_email)
    page.get_by_role("button", name=re.compile("Confirm", re.IGNORECASE)).click()
    page.wait_for_url(re.compile("/filleul/$"))
    axe(page)
    page_sans_debordement(page)
    assert page.get_by_text("Bonjour Yasmine").is_visible()
    assert page.get_by_text(re.compile("quartier prioritaire « Hautepierre »")).is_visible()


# --- 2. The facilitator's attendance grid -------------------------------------------------


def test_the_facilitator_fills_the_attendance_grid_with_the_keyboard_on_a_phone(
    live_server, phone_page, axe, monde
):
    animatrice = membre_de("FACE Alsace", "animatrice@exemple.fr")
    session = session_selection(programme=monde["programme"], animateur=animatrice.partenaire)
    noms = [("Inès", "Benali"), ("Karim", "Ziani"), ("Léa", "Muller")]
    membres = [
        candidature_invitee(
            session, filleul=FilleulFactory(user=UserFactory(first_name=p, last_name=n))
        )
        for p, n in noms
    ]
    page = phone_page
    se_connecter(page, live_server, "animatrice@exemple.fr", "/partenaire/$")
    axe(page)
    page.get_by_role("link", name="Semaines de sélection").click()
    axe(page)
    page_sans_debordement(page)
    page.get_by_role("link", name=session.titre).click()
    axe(page)
    page_sans_debordement(page)
    lien = page.get_by_role("link", name="Saisir les présences par demi-journée")
    tabuler_vers(page, lien)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/presences/$"))
    axe(page)

    # The page does not scroll sideways; the grid scrolls in a named, focusable region.
    page_sans_debordement(page)
    region = page.get_by_role("region", name=re.compile("^Présences par demi-journée"))
    assert region.get_attribute("tabindex") == "0"
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    # Each cell is named by its row and column: the person and the half-day.
    matin, apres_midi = session.demi_journees.all()[:2]
    assert page.get_by_role("combobox", name=re.compile("^Inès Benali ")).count() == (
        session.demi_journees.count()
    )

    def cellule(membre, demi_journee):
        return page.locator(f"select[name='p-{membre.pk}-{demi_journee.pk}']")

    # The keyboard: Tab to a cell, arrows to pick a state (non saisi → présent → absent → excusé).
    for membre, fleches in ((membres[0], 1), (membres[1], 2), (membres[2], 3)):
        tabuler_vers(page, cellule(membre, matin))
        for _ in range(fleches):
            page.keyboard.press("ArrowDown")
    tabuler_vers(page, cellule(membres[0], apres_midi))
    page.keyboard.press("ArrowDown")
    assert cellule(membres[2], matin).input_value() == "excuse"
    bouton = page.get_by_role("button", name="Enregistrer toute la grille")
    tabuler_vers(page, bouton)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/presences/$"))
    page.get_by_role("status").wait_for()
    axe(page)
    assert "Grille enregistrée (4 case(s) modifiée(s))." in page.get_by_role("status").inner_text()
    assert cellule(membres[1], matin).input_value() == "absent"
    assert sorted(Presence.objects.values_list("etat", flat=True)) == [
        "absent",
        "excuse",
        "present",
        "present",
    ]


# --- 3. A company manager's grid ----------------------------------------------------------


def test_a_manager_fills_a_grid_from_the_personal_link_and_fixes_an_out_of_scale_score(
    live_server, phone_page, axe, monde
):
    session = session_selection(programme=monde["programme"])
    motivation = CritereEvaluationFactory(programme=session.programme, libelle="Motivation")
    CritereEvaluationFactory(programme=session.programme, libelle="Présentation orale")
    membre = candidature_invitee(
        session, filleul=FilleulFactory(user=UserFactory(first_name="Karim", last_name="Ziani"))
    )
    manager = EvaluateurInviteFactory(session=session, prenom="Paul", entreprise="Adidas")
    chemin = re.search(r"(/selection/evaluation/[^/]+/)", evaluateur_lien_emettre(manager))[1]

    page = phone_page
    page.goto(f"{live_server.url}{chemin}")
    axe(page)
    page_sans_debordement(page)
    assert page.get_by_text(re.compile("Paul .* \\(Adidas\\)")).is_visible()
    lien = page.get_by_role("link", name="Karim Ziani")
    tabuler_vers(page, lien)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"{chemin}{membre.pk}/$"))
    axe(page)
    page_sans_debordement(page)

    # A score out of the scale (1 to 4), the other left blank (allowed: not scored yet).
    note = page.get_by_label("Motivation (de 1 à 4)")
    taper(page, note, "7")
    taper(page, page.get_by_label("Commentaire : Motivation"), "Très motivé, projet clair.")
    bouton = page.get_by_role("button", name="Enregistrer ma grille")
    tabuler_vers(page, bouton)
    page.keyboard.press("Enter")
    page.get_by_role("alert").wait_for()
    axe(page)
    note = page.get_by_label("Motivation (de 1 à 4)")
    assert "La note doit être comprise entre 1 et 4." in erreur_du_champ(page, note)
    assert "Motivation" in page.get_by_role("alert").inner_text()
    assert not Evaluation.objects.exists()
    assert page.get_by_label("Commentaire : Motivation").input_value() == (
        "Très motivé, projet clair."
    )

    taper(page, note, "3")
    tabuler_vers(page, page.get_by_role("button", name="Enregistrer ma grille"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"{chemin}$"))
    axe(page)
    assert "Votre grille pour Karim Ziani est enregistrée." in (
        page.get_by_role("status").inner_text()
    )
    assert (
        page.get_by_role("listitem")
        .filter(has_text="Karim Ziani")
        .get_by_text(re.compile("grille remplie"))
        .is_visible()
    )
    evaluation = Evaluation.objects.get()
    assert evaluation.evaluateur_invite == manager
    assert {n.critere_id: n.valeur for n in evaluation.notes.all()} == {motivation.pk: 3}


# --- 4. The mentee's space ----------------------------------------------------------------


def test_the_mentee_reads_the_selection_week_and_the_qpv_result_on_a_phone(
    live_server, phone_page, axe, monde
):
    user = UserFactory(email="ines@exemple.fr", first_name="Inès", last_name="Benali")
    EmailAddressFactory(user=user)
    filleul = FilleulFactory(user=user, commune=monde["commune"])
    filleul_adresse_enregistrer(filleul=filleul, adresse="12 boulevard Balzac", code_postal="67200")
    debut = timezone.localdate() + dt.timedelta(days=10)
    session = session_selection(
        programme=monde["programme"], titre="Semaine de mobilisation de mars", date_debut=debut
    )
    candidature_invitee(session, filleul=filleul)

    page = phone_page
    se_connecter(page, live_server, "ines@exemple.fr", "/filleul/$")
    axe(page)
    page_sans_debordement(page)
    candidatures = page.get_by_role("region", name="Mes candidatures")
    assert candidatures.get_by_text(
        "Invitée à la semaine de sélection", exact=True
    ).first.is_visible()
    assert candidatures.get_by_text(
        re.compile("Votre semaine de sélection : « Semaine de mobilisation de mars »")
    ).is_visible()
    quartier = page.get_by_role("region", name="Mon adresse et le quartier prioritaire")
    assert quartier.get_by_text("12 boulevard Balzac", exact=False).is_visible()
    assert quartier.get_by_text(
        "Votre adresse est dans le quartier prioritaire « Hautepierre » (QN06710I)."
    ).is_visible()
    # The history, opened with the keyboard.
    historique = page.get_by_text("Historique de la candidature")
    tabuler_vers(page, historique)
    page.keyboard.press("Enter")
    assert (
        page.get_by_role("listitem")
        .filter(has_text=re.compile("Invitée à la semaine de sélection"))
        .count()
    )
    axe(page)
