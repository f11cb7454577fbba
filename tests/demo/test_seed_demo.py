"""``manage.py seed_demo``: the five programmes, a population in every state, the demo logins,
and a second run that changes nothing.

Seeding takes a few seconds, so it runs once for the module (twice, to check idempotency)
inside a transaction that is rolled back at the end; each test runs in a savepoint of it.
"""

import datetime as dt
import hashlib
import io
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi, Partie, User
from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE
from parrainages.models import (
    Candidature,
    Charte,
    Filleul,
    Immersion,
    Parrain,
    Parrainage,
    Rencontre,
    Sortie,
)
from partenaires.models import Convention, Membre
from programmes.models import (
    Evenement,
    NiveauDiplome,
    Programme,
    QuartierPrioritaire,
    Ressource,
    Situation,
)

LOGINS = [
    "gestionnaire@demo.mentorat.fr",
    "admin@demo.mentorat.fr",
    "parrain@demo.mentorat.fr",
    "filleul@demo.mentorat.fr",
    "partenaire@demo.mentorat.fr",
    "nqt.national@demo.mentorat.fr",
    "nqt.idf@demo.mentorat.fr",
    "nqt.aura@demo.mentorat.fr",
    "animateur@demo.mentorat.fr",
    "filleule.choix@demo.mentorat.fr",
]


def compter_tout():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture(scope="module")
def seed(django_db_setup, django_db_blocker, certificat_sceau, tmp_path_factory):
    from mentorat.scellement import _signataire

    fast = override_settings(
        # pytest-django, as Django's test runner, runs tests with DEBUG=False, which
        # seed_demo refuses: seeding is development.
        DEBUG=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SCEAU_CERTIFICAT=certificat_sceau[0],
        SCEAU_MOT_DE_PASSE="secret-de-test",
        STORAGES={
            **settings.STORAGES,
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path_factory.mktemp("prive"))},
            },
        },
    )
    _signataire.cache_clear()
    with django_db_blocker.unblock(), fast, transaction.atomic():
        premier, second = io.StringIO(), io.StringIO()
        call_command("seed_demo", stdout=premier)
        apres_premier = compter_tout()
        call_command("seed_demo", stdout=second)
        yield SimpleNamespace(
            premier=premier.getvalue(),
            second=second.getvalue(),
            apres_premier=apres_premier,
            apres_second=compter_tout(),
        )
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_refuses_to_run_without_debug(settings):
    """Fictitious people with a printed password never reach a production database."""
    settings.DEBUG = False
    comptes = User.objects.count()
    with pytest.raises(CommandError) as refus:
        call_command("seed_demo", stdout=io.StringIO())
    assert str(refus.value) == (
        "Les données de démonstration ne se créent qu'en développement (DEBUG=1) : elles "
        "ajoutent des personnes fictives et des comptes au mot de passe connu. Ne lancez "
        "jamais seed_demo sur une base de production."
    )
    assert User.objects.count() == comptes


def test_a_second_run_changes_no_count(seed):
    assert seed.apres_premier["parrainages.Parrainage"] > 300
    assert seed.apres_second == seed.apres_premier
    assert "existait déjà" in seed.second


def test_population_size(seed):
    assert 190 <= Parrain.objects.count() <= 220
    assert 580 <= User.objects.filter(filleul__isnull=False).count() <= 620
    assert Rencontre.objects.count() > 1000


def test_the_five_programmes_and_their_rules(seed):
    programmes = {p.slug: p for p in Programme.objects.prefetch_related("etapes")}
    assert set(programmes) == {
        "1000-parrains-1000-emplois",
        "100-chances-100-emplois",
        "nqt-1-jeune-1-mentor",
        "club-1000-entreprises-auvergne",
        "profession-emploi-haute-garonne",
    }
    paris = programmes["1000-parrains-1000-emplois"]
    assert (paris.offre_reguliere, paris.offre_ponctuelle, paris.offre_immersion) == (
        True,
        True,
        True,
    )
    assert paris.cible_binomes == 1000
    assert paris.departements == ["75"]

    strasbourg = programmes["100-chances-100-emplois"]
    assert (strasbourg.age_min, strasbourg.age_max, strasbourg.qpv_requis) == (18, 30, True)
    assert strasbourg.departements == ["67"]
    assert strasbourg.cible_binomes == 100
    assert strasbourg.signature_coordinateur
    assert strasbourg.coordinateur.email == "gestionnaire@demo.mentorat.fr"
    assert [e.nom for e in strasbourg.etapes.all()][1] == "Semaine de mobilisation et de sélection"
    assert strasbourg.evenements.filter(type=Evenement.Type.SEMAINE_SELECTION).exists()

    nqt = programmes["nqt-1-jeune-1-mentor"]
    assert nqt.niveau_diplome_min == NiveauDiplome.BAC_3
    assert (nqt.age_max, nqt.qpv_requis, nqt.departements) == (29, True, [])

    auvergne = programmes["club-1000-entreprises-auvergne"]
    assert auvergne.inscription_france_travail_min_mois == 12
    assert set(auvergne.situations_acceptees) == {
        Situation.DEMANDEUR_EMPLOI,
        Situation.ELEVE_3E_REP,
    }
    assert sorted(auvergne.departements) == ["03", "15", "43", "63"]

    haute_garonne = programmes["profession-emploi-haute-garonne"]
    assert (haute_garonne.age_min, haute_garonne.age_max) == (16, 25)
    assert haute_garonne.departements == ["31"]
    assert haute_garonne.evenements.filter(type=Evenement.Type.TABLE_RONDE).exists()
    # Round tables are open to the mentors and partner members too; other events to mentees.
    for e in haute_garonne.evenements.all():
        attendus = (
            set(Evenement.Public.values)
            if e.type == Evenement.Type.TABLE_RONDE
            else {Evenement.Public.FILLEULS}
        )
        assert set(e.publics) == attendus, e

    statuts = [p.statut for p in programmes.values()]
    assert statuts.count(Programme.Statut.EN_COURS) == 1
    assert statuts.count(Programme.Statut.OUVERT) == 4
    for programme in programmes.values():
        assert programme.etapes.count() >= 3
        modele = programme.modeles_charte.get(version=1)
        for variable in ("{parrain}", "{filleul}", "{programme}", "{date_debut}", "{date_fin}"):
            assert variable in modele.texte


def test_every_status_is_present(seed):
    def valeurs(model, champ="statut"):
        return set(model.objects.values_list(champ, flat=True).distinct())

    assert valeurs(Parrainage) == set(Parrainage.Statut.values)
    assert valeurs(Candidature) == set(Candidature.Statut.values)
    assert valeurs(Convention) == set(Convention.Statut.values)
    assert valeurs(Rencontre) == set(Rencontre.Statut.values)
    assert valeurs(Immersion) == set(Immersion.Statut.values)
    assert valeurs(Charte) == set(Charte.Statut.values)
    assert valeurs(Sortie, "type") == set(Sortie.Type.values)
    assert valeurs(Sortie, "moment") == set(Sortie.Moment.values)
    assert not Candidature.objects.filter(statut="refusee", motif_refus="").exists()
    assert not Parrainage.objects.filter(statut="decline", motif_declin="").exists()


def test_candidatures_carry_an_eligibility_snapshot(seed):
    assert Candidature.objects.filter(eligible=False).exists()
    for candidature in Candidature.objects.all():
        instantane = candidature.eligibilite
        assert instantane["eligible"] is candidature.eligible
        assert instantane["eligible"] == all(c["ok"] for c in instantane["criteres"])
        for critere in instantane["criteres"]:
            assert {"code", "libelle", "valeur", "exigence", "ok", "ligne"} <= set(critere)
    assert not Parrainage.objects.filter(candidature__eligible=False).exists()


def test_no_mentor_exceeds_capacity(seed):
    assert not Parrain.objects.avec_places().filter(places_restantes__lt=0).exists()


def _parties(chartes) -> dict[int, list]:
    parties = {}
    for p in Partie.objects.filter(
        document_type=ContentType.objects.get_for_model(Charte), document_id__in=chartes
    ).order_by("document_id", "ordre"):
        parties.setdefault(p.document_id, []).append(p)
    return parties


def test_charters_are_frozen_texts(seed):
    chartes = Charte.objects.filter(parrainage__programme__slug="1000-parrains-1000-emplois")
    assert chartes.filter(statut=Charte.Statut.SIGNEE).exists()
    parties = _parties(chartes.values("pk"))
    assert any(
        c.statut == Charte.Statut.A_SIGNER and any(p.signee_le for p in parties[c.pk])
        for c in chartes
    )
    for charte in chartes:
        assert "{" not in charte.texte
        assert charte.texte_sha256 == hashlib.sha256(charte.texte.encode()).hexdigest()
        assert [p.role for p in parties[charte.pk]] == ["parrain", "filleul"]
        assert all(p.user_id and p.nom and p.email for p in parties[charte.pk])
        if charte.statut == Charte.Statut.SIGNEE:
            assert all(p.texte_sha256 == charte.texte_sha256 for p in parties[charte.pk])
    strasbourg = Charte.objects.filter(
        parrainage__programme__slug="100-chances-100-emplois", statut=Charte.Statut.SIGNEE
    )
    assert strasbourg.exists()
    parties = _parties(strasbourg.values("pk"))
    assert all(parties[c.pk][-1].role == "coordinateur" for c in strasbourg)
    assert all(parties[c.pk][-1].signee_le for c in strasbourg)


def test_some_signed_charters_have_their_sealed_pdf(seed):
    with_pdf = Charte.objects.filter(statut=Charte.Statut.SIGNEE).exclude(pdf="")
    assert with_pdf.count() == 12
    assert with_pdf.filter(parrainage__parrain__user__email="parrain@demo.mentorat.fr").exists()
    for charte in with_pdf[:2]:
        with charte.pdf.open("rb") as fichier:
            contenu = fichier.read()
        assert contenu.startswith(b"%PDF-")
        assert hashlib.sha256(contenu).hexdigest() == charte.pdf_sha256
    assert not with_pdf.filter(envoyee_le__isnull=True).exists()


def test_demo_logins_can_log_in(seed, client):
    for email in LOGINS:
        user = User.objects.get(email=email)
        assert user.check_password(settings.DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True)
        assert client.login(email=email, password=settings.DEMO_PASSWORD)
        client.logout()
    gestionnaire = User.objects.get(email="gestionnaire@demo.mentorat.fr")
    assert gestionnaire.is_staff
    assert gestionnaire.groups.filter(name=GESTIONNAIRE).exists()
    admin = User.objects.get(email="admin@demo.mentorat.fr")
    assert admin.is_staff and admin.is_superuser
    assert admin.groups.filter(name=ADMINISTRATEUR).exists()


def test_demo_gestionnaire_sees_the_city_services_programmes(seed):
    from mentorat.perimetre import perimetre_de
    from programmes.models import Structure

    gestionnaire = User.objects.get(email="gestionnaire@demo.mentorat.fr")
    perimetre = perimetre_de(gestionnaire)
    assert not perimetre.tout
    ville = Structure.objects.get(operateur=True)
    assert perimetre.programmes() == set(ville.programmes.values_list("pk", flat=True))
    assert len(perimetre.programmes()) == Programme.objects.count() - 1
    # The city's service runs the platform: its staff see the people of no programme yet.
    assert perimetre.orphelins
    assert perimetre_de(User.objects.get(email="admin@demo.mentorat.fr")).tout


def test_demo_partner_refers_candidates(seed):
    membre = Membre.objects.get(user__email="partenaire@demo.mentorat.fr")
    assert membre.partenaire.nom == "Mission locale de Paris"
    assert membre.partenaire.candidatures_prescrites.count() > 20
    assert membre.partenaire.conventions.filter(statut=Convention.Statut.ACTIVE).exists()


def test_demo_mentor_has_something_to_do(seed):
    parrain = Parrain.objects.get(user__email="parrain@demo.mentorat.fr")
    pairs = parrain.parrainages.all()
    assert pairs.filter(statut=Parrainage.Statut.ACTIF).count() == 2
    assert pairs.filter(statut=Parrainage.Statut.ATTENTE_PARRAIN).count() >= 2
    assert pairs.filter(statut=Parrainage.Statut.TERMINE, sorties__isnull=False).exists()
    rencontres = Rencontre.objects.filter(parrainage__parrain=parrain, statut="prevue")
    assert rencontres.filter(debut__lt=timezone.now()).exists()
    assert rencontres.filter(debut__gt=timezone.now()).exists()
    filleul = User.objects.get(email="filleul@demo.mentorat.fr").filleul
    assert filleul.parrainages.get(statut=Parrainage.Statut.ACTIF).parrain == parrain


def test_a_demo_mentee_chooses_among_three_mentors(seed, client):
    from programmes.models import AvisFilleul

    filleul = Filleul.objects.get(user__email="filleule.choix@demo.mentorat.fr")
    options = filleul.parrainages.filter(statut=Parrainage.Statut.ATTENTE_FILLEUL)
    assert options.count() == 3
    (programme,) = {o.programme for o in options}
    assert programme.avis_filleul == AvisFilleul.CHOISIR
    assert all(o.option and o.raisons for o in options)
    # No mentor has heard of her yet; the other demo mentee's journeys are untouched.
    assert not Parrainage.objects.filter(filleul=filleul).vus_du_parrain().exists()
    client.force_login(filleul.user)
    page = client.get("/filleul/").content.decode()
    assert "3 parrains ou marraines vous sont proposés" in page


def test_demo_mentor_reads_the_resources_of_their_programmes(seed, client):
    parrain = Parrain.objects.get(user__email="parrain@demo.mentorat.fr")
    client.force_login(parrain.user)
    liste = client.get(reverse("parrain:ressources"))
    programme = parrain.parrainages.filter(statut=Parrainage.Statut.ACTIF).first().programme
    url = reverse("parrain:ressources_programme", kwargs={"slug": programme.slug})
    assert url in liste.content.decode()
    page = client.get(url).content.decode()
    assert "Guide du parrain et de la marraine" in page
    assert "(site externe)" in page
    assert "(brouillon)" not in page
    guide = Ressource.objects.get(programme=programme, titre__startswith="Guide du parrain")
    assert guide.fichier_format in ("pdf", "txt") and guide.fichier_taille > 0
    fichier = client.get(reverse("parrain:ressource_fichier", kwargs={"pk": guide.pk}))
    assert fichier.status_code == 200
    assert fichier["Content-Disposition"].startswith("attachment;")
    assert Ressource.objects.filter(publiee=False).count() == 5


def test_output_lists_the_logins(seed):
    for sortie in (seed.premier, seed.second):
        for email in LOGINS:
            assert email in sortie
        assert settings.DEMO_PASSWORD in sortie
        for chemin in ("/admin/", "/parrain/", "/filleul/", "/partenaire/"):
            assert chemin in sortie
    assert "Parrainages" in seed.premier


def test_reminders_are_due_today_across_the_rules(seed):
    from parrainages import relances

    now = timezone.now()
    dues = {nom: len(regle(now)) for nom, regle in relances.REGLES.items()}
    for nom in (
        "proposition_sans_reponse",
        "charte_a_signer",
        "rencontre_demain",
        "sans_rencontre",
        "enquete_fin",
        "enquete_six_mois",
        "fin_proche",
    ):
        assert dues[nom] > 0, nom


def test_minors_have_guardians_and_pupils_their_school(seed):
    from django.utils import timezone

    from mentorat.models import Partie
    from parrainages.models import AGE_MAJORITE, AutorisationParentale, Filleul
    from partenaires.models import Partenaire
    from programmes.models import Situation

    limite = timezone.localdate().replace(year=timezone.localdate().year - AGE_MAJORITE)
    mineurs = Filleul.objects.filter(date_naissance__gt=limite)
    assert mineurs.exists()
    assert not mineurs.filter(representants_legaux__isnull=True).exists()
    ecoles = Partenaire.objects.filter(type=Partenaire.Type.ETABLISSEMENT_SCOLAIRE)
    assert ecoles.exclude(uai="").exclude(education_prioritaire="").count() >= 2
    eleves = mineurs.filter(situation=Situation.ELEVE_3E_REP)
    assert eleves.exists()
    assert not eleves.filter(etablissement__isnull=True).exists()
    assert not eleves.filter(classe="").exists()
    # Every minor's application past the consent has it, signed by the guardian.
    avancees = Candidature.objects.filter(filleul__in=mineurs).exclude(
        statut=Candidature.Statut.ATTENTE_AUTORISATION
    )
    assert not avancees.filter(autorisation_parentale__isnull=True).exists()
    accordees = AutorisationParentale.objects.filter(statut="accordee")
    assert (
        not Partie.objects.du_modele(AutorisationParentale)
        .filter(document_id__in=accordees.values("pk"), signee_le__isnull=True)
        .exists()
    )
    attendue = AutorisationParentale.objects.get(statut="en_attente")
    assert attendue.candidature.statut == Candidature.Statut.ATTENTE_AUTORISATION
    # Mentors of the Club's pupils have their background check recorded.
    assert not Parrainage.objects.filter(
        filleul__in=mineurs,
        programme__controle_honorabilite_requis=True,
        parrain__honorabilite_verifiee_le__isnull=True,
    ).exists()


def test_immersion_conventions_in_every_state(seed):
    """Paris has a PMSMP in each state, made through the services: its parties, its frozen
    text, and signatures that carry that text's fingerprint; the Club has a pupil's
    observation sequence signed by every party, a guardian among them."""
    from mentorat.signatures import parties_de
    from parrainages.models import BilanImmersion
    from parrainages.services.immersion import immersion_texte

    S = Immersion.Statut
    paris = {
        i.statut: i
        for i in Immersion.objects.filter(
            parrainage__programme__slug="1000-parrains-1000-emplois"
        ).order_by("pk")
    }
    assert set(paris) == set(S.values)
    for statut, immersion in paris.items():
        assert immersion.nature == Immersion.Nature.PMSMP
        assert immersion.date_debut >= immersion.parrainage.date_debut
        parties = list(parties_de(immersion))
        if statut == S.BROUILLON:
            assert not parties and not immersion.texte
            continue
        # The text signed is the convention as it stands.
        assert immersion.texte == immersion_texte(immersion)
        assert immersion.texte_sha256 == hashlib.sha256(immersion.texte.encode()).hexdigest()
        assert [p.role for p in parties] == ["beneficiaire", "entreprise", "tuteur", "prescripteur"]
        signees = [p for p in parties if p.signee_le]
        for partie in signees:
            assert partie.texte_sha256 == immersion.texte_sha256
            assert partie.methode == Partie.Methode.CODE_EMAIL
            assert partie.adresse_ip and partie.user_agent
            assert partie.codes.filter(utilise_le=partie.signee_le).count() == 1
        assert all(p.texte_sha256 == "" for p in parties if not p.signee_le)
        if statut == S.A_SIGNER:
            assert not signees
        elif statut == S.PARTIELLEMENT_SIGNEE:
            assert 0 < len(signees) < len(parties)
        elif statut in (S.A_VALIDER, S.VALIDEE, S.TERMINEE):
            assert len(signees) == len(parties)
            assert immersion.signee_le == max(p.signee_le for p in parties)
        if statut in (S.VALIDEE, S.TERMINEE):
            assert immersion.valide_le > immersion.signee_le
            assert immersion.valide_le.date() < immersion.date_debut
            assert immersion.pdf and immersion.pdf_sha256 and immersion.envoyee_le
        if statut == S.REFUSEE:
            (refus,) = [p for p in parties if p.refusee_le]
            assert refus.motif_refus and immersion.motif_refus == refus.motif_refus
        if statut == S.ANNULEE:
            assert immersion.motif_annulation and not any(p.jeton_hash for p in parties)
    # The demo logins have something to sign: the mentor one convention, the mentee another.
    assert paris[S.A_SIGNER].parrainage.parrain.user.email == "parrain@demo.mentorat.fr"
    a_signer = Partie.objects.du_modele(Immersion).a_signer()
    assert a_signer.filter(
        user__email="parrain@demo.mentorat.fr", document_id=paris[S.A_SIGNER].pk
    ).exists()
    assert a_signer.filter(
        user__email="filleul@demo.mentorat.fr", document_id=paris[S.PARTIELLEMENT_SIGNEE].pk
    ).exists()
    # Finished ones are past, each with its tutor's assessment; one leads to a hire.
    terminees = Immersion.objects.filter(
        parrainage__programme__slug="1000-parrains-1000-emplois", statut=S.TERMINEE
    )
    assert terminees.count() >= 2
    for immersion in terminees:
        assert immersion.date_fin < timezone.localdate()
        assert immersion.bilan.created_at.date() > immersion.date_fin
        assert immersion.bilan_demande_le is not None
    assert terminees.filter(bilan__issue=BilanImmersion.Issue.EMBAUCHE).exists()
    # No e-mail of theirs waits to go out (the demo's parties are not e-mailed).
    assert not Envoi.objects.filter(regle__startswith="immersion").exclude(statut="envoye")

    (observation,) = Immersion.objects.filter(
        parrainage__programme__slug="club-1000-entreprises-auvergne",
        nature=Immersion.Nature.OBSERVATION,
    )
    assert observation.statut == S.VALIDEE
    eleve = observation.parrainage.filleul
    assert eleve.etablissement_id == observation.prescripteur_id
    assert observation.parrainage.parrain.honorabilite_verifiee_le is not None
    parties = list(parties_de(observation))
    roles = [p.role for p in parties]
    assert roles[0] == "beneficiaire" and roles[-4:] == [
        "etablissement",
        "enseignant",
        "entreprise",
        "tuteur",
    ]
    guardians = [p for p in parties if p.role.startswith("representant_legal_")]
    assert guardians and {p.email for p in guardians} <= set(
        eleve.representants_legaux.values_list("email", flat=True)
    )
    assert all(p.texte_sha256 == observation.texte_sha256 for p in parties)
    assert observation.pdf and observation.texte == immersion_texte(observation)


def test_addresses_in_and_out_of_a_qpv(seed):
    assert QuartierPrioritaire.objects.filter(code="QN06710I", nom="Hautepierre").exists()
    strasbourg = Filleul.objects.filter(commune__code_insee="67482").exclude(adresse="")
    resultats = {f.adresse: (f.qpv_resultat, f.qpv_code, f.qpv_origine) for f in strasbourg}
    assert resultats["12 Boulevard Balzac"] == ("dans", "QN06710I", "adresse")
    assert resultats["30 Route d'Altenheim"] == ("dans", "QN06715M", "adresse")
    assert resultats["1 Place Kléber"] == ("hors", "", "adresse")
    assert resultats["14 Rue des Tanneurs"] == ("indetermine", "", "adresse")
    assert resultats["Quartier de la Gare"] == ("hors", "", "equipe")
    decide = strasbourg.get(adresse="Quartier de la Gare")
    assert decide.qpv_motif.startswith("Adresse trop imprécise")
    compte = Filleul.objects.get(user__email="filleul@demo.mentorat.fr")
    assert (compte.qpv_resultat, compte.qpv_code) == ("dans", "QN07513M")


def test_referrals_of_the_strasbourg_programme(seed):
    from partenaires.models import CodeReclamation, ImportPrescriptions, Prescription

    strasbourg = Prescription.objects.filter(programme__slug="100-chances-100-emplois")
    assert set(strasbourg.values_list("partenaire__nom", flat=True)) >= {
        "France Travail Strasbourg Hautepierre",
        "Mission locale pour l'emploi de Strasbourg",
        "Association 100 chances 100 emplois",
    }
    # One person referred by two structures, credited to the one whose link she used.
    double = strasbourg.filter(email="ines.amrani@demo.mentorat.fr")
    assert double.count() == 2 and double.filter(filleul__isnull=False).count() == 2
    candidature = Candidature.objects.get(filleul__user__email="ines.amrani@demo.mentorat.fr")
    assert candidature.prescripteur.nom == "Mission locale pour l'emploi de Strasbourg"
    # One account created without an address, with a claim code not used yet.
    sans_email = strasbourg.get(prenom="Aminata")
    assert sans_email.a_reclamer and sans_email.filleul.user.email is None
    assert CodeReclamation.objects.filter(
        prescription=sans_email, utilise_le__isnull=True, remplace_le__isnull=True
    ).exists()
    # One imported batch.
    lot = ImportPrescriptions.objects.get(nom_fichier="reperage-hautepierre-novembre.csv")
    assert lot.prescriptions.count() == 3


def test_the_strasbourg_selection_weeks(seed):
    """A cohort mid-week (attendance of the half-days gone by, grids half-filled by the
    association and two managers, nothing decided) and an earlier one closed, its decisions
    told."""
    from parrainages.models import (
        CritereEvaluation,
        Evaluation,
        EvenementCandidature,
        Presence,
        SessionSelection,
    )

    programme = Programme.objects.get(slug="100-chances-100-emplois")
    assert list(
        CritereEvaluation.objects.filter(programme=programme).values_list("libelle", flat=True)
    ) == ["Motivation", "Savoir-être", "Projet professionnel", "Présentation orale"]
    close, en_cours = SessionSelection.objects.filter(programme=programme).order_by("date_debut")
    assert en_cours.statut == SessionSelection.Statut.EN_COURS
    assert en_cours.date_debut == timezone.localdate() - dt.timedelta(days=2)
    assert en_cours.participations.count() >= 4
    assert not en_cours.participations.exclude(decision="").exists()
    presences = Presence.objects.filter(participation__session=en_cours)
    assert presences.exists()
    assert not presences.filter(demi_journee__date__gt=timezone.localdate()).exists()
    qualites = set(
        Evaluation.objects.filter(participation__session=en_cours).values_list("qualite", flat=True)
    )
    assert qualites == {Evaluation.Qualite.ANIMATEUR, Evaluation.Qualite.MANAGER}
    assert en_cours.evaluateurs_invites.count() == 2
    assert close.statut == SessionSelection.Statut.CLOSE
    assert set(close.participations.values_list("decision", flat=True)) == {
        "retenue",
        "non_retenue",
        "liste_attente",
    }
    # Each decision was told: the applications' history has it.
    for membre in close.participations.all():
        assert EvenementCandidature.objects.filter(
            candidature=membre.candidature_id, statut=membre.candidature.statut
        ).exists()


def test_the_strasbourg_cohort_has_outcomes_without_pairs(seed):
    from parrainages.relances import candidatures_sans_binome
    from partenaires import indicateurs
    from partenaires.models import Rapport

    programme = Programme.objects.get(slug="100-chances-100-emplois")
    assert programme.sorties_sur_la_cohorte
    sorties = Sortie.objects.filter(candidature__programme=programme)
    # Retained never paired, not retained, waiting list, withdrawn: each after the week.
    statuts = set(sorties.values_list("candidature__statut", flat=True))
    assert statuts == {"retenue", "refusee", "liste_attente", "desistee"}
    assert set(sorties.values_list("moment", flat=True)) == {"fin", "six_mois"}
    assert set(sorties.values_list("source", flat=True)) == {"equipe", "filleul"}
    sans_binome = candidatures_sans_binome().filter(pk__in=sorties.values("candidature"))
    assert sans_binome.count() == sorties.values("candidature").distinct().count() == 7
    convention = Convention.objects.get(reference="CONV-67-MLPE")
    cohorte = indicateurs.cohorte_compter(convention, timezone.localdate())
    assert cohorte.membres >= 1 and cohorte.positives_six_mois >= 1
    # The Mission locale's report since its convention's start shows the cohort.
    assert Rapport.objects.filter(convention=convention, periode_debut=convention.date_debut)


def test_scoped_staff_see_their_structures_programmes_and_regions(seed):
    """NQT's national team sees all of NQT, each regional team its region's people only, the
    Mission locale's animateur Profession-emploi only; every regional view has people in it."""
    from mentorat.perimetre import perimetre_de
    from mentorat.territoires import DEPARTEMENTS_DE_REGION
    from parrainages.admin import CandidatureAdmin
    from parrainages.selectors import chiffres_par_region

    def candidatures(email):
        return perimetre_de(User.objects.get(email=email)).filtrer(
            Candidature.objects.all(), CandidatureAdmin.portee
        )

    nqt = Programme.objects.get(slug="nqt-1-jeune-1-mentor")
    profession = Programme.objects.get(slug="profession-emploi-haute-garonne")
    national = candidatures("nqt.national@demo.mentorat.fr")
    assert set(national.values_list("programme", flat=True)) == {nqt.pk}
    assert national.count() == Candidature.objects.filter(programme=nqt).count()
    regions = set()
    for email, region in (("nqt.idf@demo.mentorat.fr", "11"), ("nqt.aura@demo.mentorat.fr", "84")):
        vues = candidatures(email)
        assert vues.exists(), email
        assert set(vues.values_list("programme", flat=True)) == {nqt.pk}
        deps = set(vues.values_list("filleul__commune__departement", flat=True))
        assert deps <= set(DEPARTEMENTS_DE_REGION[region])
        regions.add(region)
    assert (
        0
        < sum(candidatures(f"nqt.{r}@demo.mentorat.fr").count() for r in ("idf", "aura"))
        < (national.count())
    )
    # NQT's national figures span more than the two regional teams' regions.
    figures = chiffres_par_region(
        nqt, perimetre_de(User.objects.get(email="nqt.national@demo.mentorat.fr"))
    )
    assert len(figures["lignes"]) > 2 and figures["total"]["candidatures"] == national.count()

    animateur = candidatures("animateur@demo.mentorat.fr")
    assert animateur.exists()
    assert set(animateur.values_list("programme", flat=True)) == {profession.pk}
    assert set(animateur.values_list("filleul__commune__departement", flat=True)) == {"31"}
    # The city's gestionnaire works on the city's programmes, not on the Mission locale's.
    ville = candidatures("gestionnaire@demo.mentorat.fr")
    assert ville.exists() and not ville.filter(programme=profession).exists()


class _Liens(HTMLParser):
    def __init__(self):
        super().__init__()
        self.liens = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # A file to download is not a page.
        if tag == "a" and attrs.get("href") and "download" not in attrs:
            self.liens.append(attrs["href"])


# What the crawl below does not open: leaving, erasing, files, and the same list again.
NON_HTML = re.compile(
    r"(logout|supprimer|/delete/|\.(pdf|ics|csv|xlsx|json)\b|/pdf/|/fichier|/export|telecharger|/jsi18n/"
    r"|/static/|/media/|/admin/r/|/password/|/mfa/|[?&](o|p|page|e)=)"
)
# Each space from its home page, with the pages it links to (at most this many per login).
ESPACES = {
    "filleul@demo.mentorat.fr": ("/filleul/", ("/filleul/", "/charte/", "/programmes/")),
    # The mentee on SMS only: her preferences (channels per kind) and her number's page.
    "filleule.sms@demo.mentorat.fr": (
        "/filleul/",
        ("/filleul/", "/charte/", "/comptes/preferences/", "/comptes/telephone/"),
    ),
    "parrain@demo.mentorat.fr": ("/parrain/", ("/parrain/", "/charte/", "/immersion/")),
    "partenaire@demo.mentorat.fr": ("/partenaire/", ("/partenaire/",)),
    "gestionnaire@demo.mentorat.fr": ("/admin/", ("/admin/",)),
    "nqt.idf@demo.mentorat.fr": ("/admin/", ("/admin/",)),
    None: ("/", ("/programmes/", "/comptes/", "/confidentialite/", "/activer")),
}
PAGES_PAR_ESPACE = 60


@pytest.mark.parametrize("email", ESPACES, ids=lambda e: (e or "public").split("@")[0])
def test_every_page_of_the_demo_is_valid_html(seed, client, nu_checker, email):
    """Every HTML page each demo login reaches by following links from its home (breadth
    first, GET only): the W3C Nu checker finds no error. The browser tests check their
    journeys' pages the same way, with axe-core too."""
    from conftest import nu_erreurs
    from tests.mentorat.factories import session_mfa

    debut, prefixes = ESPACES[email]
    if email:
        user = User.objects.get(email=email)
        client.force_login(user)
        if user.is_staff:
            session = client.session
            session_mfa(session, user)
            session.save()
    a_voir, vus, erreurs, valides = [debut], set(), [], 0
    while a_voir and valides < PAGES_PAR_ESPACE:
        url = a_voir.pop(0)
        if url in vus:
            continue
        vus.add(url)
        reponse = client.get(url)
        if reponse.status_code != 200 or "text/html" not in reponse.get("Content-Type", ""):
            continue
        valides += 1
        erreurs += [
            f"{url} ligne {m.get('lastLine')} : {m['message']}"
            for m in nu_erreurs(nu_checker, reponse.content)
        ]
        liens = _Liens()
        liens.feed(reponse.content.decode())
        a_voir += [
            h.split("#")[0]
            for h in liens.liens
            if h.startswith(prefixes) and not NON_HTML.search(h)
        ]
    assert valides >= min(PAGES_PAR_ESPACE, 8), valides
    assert not erreurs, "\n".join(erreurs[:20])


def test_a_mentee_on_sms_only(seed):
    """Her meeting's invitation and its day-before reminder were written as SMS (the demo's
    console shows them); nothing of the kinds she chose went by e-mail."""

    filleule = User.objects.get(email="filleule.sms@demo.mentorat.fr")
    assert filleule.telephone.startswith("+336") and filleule.telephone_verifie_le
    assert set(filleule.canaux.values()) == {"sms"}
    lignes = Envoi.objects.filter(destinataire=filleule, regle__startswith="rencontre_")
    assert sorted(lignes.values_list("regle", "canal")) == [
        ("rencontre_demain", "sms"),
        ("rencontre_invitation", "sms"),
    ]


def test_a_pair_with_goals_two_check_ins_and_a_low_score_in_the_queue(seed, client):
    """docs/suivi-qualite.md: each programme's goals; a Paris pair with goals ticked at its
    meetings and two rounds of check-ins, the mentee's second a low score that waits in the
    demo coordinator's work queue."""
    from django.urls import reverse

    from parrainages.models import AvancementObjectif, ObjectifBinome, PointEtape
    from programmes.models import ObjectifSuggere
    from tests.mentorat.factories import connecter

    for programme in Programme.objects.all():
        assert ObjectifSuggere.objects.filter(programme=programme).count() == 5, programme
    (pair,) = {o.parrainage for o in ObjectifBinome.objects.select_related("parrainage")}
    assert pair.programme.slug == "1000-parrains-1000-emplois"
    assert pair.objectifs_binome.count() == 3
    assert AvancementObjectif.objects.filter(objectif__parrainage=pair).exists()
    assert set(pair.points_etape.values_list("tour", "role")) == {
        (1, "parrain"),
        (1, "filleul"),
        (2, "parrain"),
        (2, "filleul"),
    }
    (alerte,) = PointEtape.objects.a_traiter()
    assert (alerte.parrainage, alerte.role, alerte.tour) == (pair, "filleul", 2)
    connecter(client, User.objects.get(email="gestionnaire@demo.mentorat.fr"))
    lignes = client.get(reverse("admin:index")).context["file_de_travail"]
    (ligne,) = [ligne for ligne in lignes if ligne.programme == pair.programme]
    (tache,) = [t for t in ligne.taches if t.libelle.startswith("Points d'étape")]
    assert tache.nombre == 1
    assert client.get(tache.url).context["cl"].result_count == 1
