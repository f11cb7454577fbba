"""A mentee's address and priority neighbourhood: computed when the address is saved (at once
offline, by a task after the commit with the national address base), shown to the person and
to staff, used by eligibility, decided by staff with a reason (audited). See docs/qpv.md."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from parrainages.eligibilite import eligibility
from parrainages.models import Filleul
from parrainages.services import (
    filleul_adresse_enregistrer,
    filleul_enregistrer_profil,
    filleul_qpv_decider,
    filleul_qpv_determiner,
)
from programmes.geocodage import Geocodage
from programmes.models import Programme, Situation
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import FilleulFactory
from tests.programmes.factories import ProgrammeFactory, qpv_echantillon_importer, strasbourg

pytestmark = pytest.mark.django_db

R = Filleul.ResultatQPV


@pytest.fixture
def perimetres():
    return qpv_echantillon_importer()


@pytest.fixture
def filleul(perimetres):
    return FilleulFactory(commune=strasbourg(), qpv=Filleul.StatutQPV.DECLARE)


def _adresse(filleul, adresse, code_postal):
    return filleul_adresse_enregistrer(filleul=filleul, adresse=adresse, code_postal=code_postal)


def test_une_adresse_dans_un_qpv(filleul):
    filleul = _adresse(filleul, "12 boulevard Balzac", "67200")
    assert filleul.qpv_resultat == R.DANS
    assert (filleul.qpv_code, filleul.qpv_nom) == ("QN06710I", "Hautepierre")
    assert filleul.qpv_origine == Filleul.OrigineQPV.ADRESSE
    assert filleul.qpv_determine_le is not None
    assert "échantillon d'adresses géocodées" in filleul.qpv_source
    assert "périmètres QPV 2024 importés le" in filleul.qpv_source
    assert filleul.qpv_message == (
        "Votre adresse est dans le quartier prioritaire « Hautepierre » (QN06710I)."
    )


def test_une_adresse_hors_qpv(filleul):
    filleul = _adresse(filleul, "1 place Kléber", "67000")
    assert filleul.qpv_resultat == R.HORS and filleul.qpv_code == ""
    assert "n'est pas dans un quartier prioritaire" in filleul.qpv_message


def test_une_adresse_introuvable_est_indeterminee_et_sera_verifiee(filleul):
    filleul = _adresse(filleul, "99 rue Inconnue", "67200")
    assert filleul.qpv_resultat == R.INDETERMINE
    assert "Adresse absente de l'échantillon" in filleul.qpv_source
    assert "sera vérifiée par l'équipe" in filleul.qpv_message


def test_sans_perimetres_importes_le_resultat_est_indetermine():
    filleul = FilleulFactory(commune=strasbourg())
    filleul = _adresse(filleul, "12 boulevard Balzac", "67200")
    assert filleul.qpv_resultat == R.INDETERMINE
    assert "aucun périmètre QPV importé" in filleul.qpv_source


def test_un_code_postal_d_une_autre_commune_est_refuse_rien_n_est_change(filleul):
    with pytest.raises(ValidationError) as erreur:
        _adresse(filleul, "12 boulevard Balzac", "75018")
    assert "Ce code postal n'est pas celui de Strasbourg" in str(erreur.value)
    filleul.refresh_from_db()
    assert filleul.adresse == "" and filleul.qpv_resultat == R.INDETERMINE


def test_avec_la_ban_le_calcul_attend_la_validation_puis_la_tache_l_ecrit(
    filleul, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.GEOCODAGE = "ban"
    point = Geocodage("ban", longitude=7.753657, latitude=48.5487, score=0.9, libelle="Neuhof")
    monkeypatch.setattr("parrainages.services.qpv.geocoder", lambda **kwargs: point)
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        filleul = _adresse(filleul, "30 route d'Altenheim", "67100")
    assert filleul.qpv_resultat == R.EN_COURS
    assert "Nous vérifions" in filleul.qpv_message
    assert len(rappels) == 1
    rappels[0]()  # the commit: the eager Celery task runs
    filleul.refresh_from_db()
    assert (filleul.qpv_resultat, filleul.qpv_code) == (R.DANS, "QN06715M")
    assert filleul.qpv_source.startswith("Base adresse nationale (Géoplateforme IGN), ")


def test_la_tache_n_ecrase_ni_une_nouvelle_adresse_ni_la_decision_de_l_equipe(filleul, admin_user):
    filleul = _adresse(filleul, "12 boulevard Balzac", "67200")
    filleul_qpv_decider(filleul=filleul, resultat=R.HORS, motif="Déménagée, justificatif vu.")
    assert filleul_qpv_determiner(filleul_id=filleul.pk) is None
    filleul.refresh_from_db()
    assert filleul.qpv_resultat == R.HORS and filleul.qpv_origine == "equipe"


def test_la_decision_de_l_equipe_exige_un_motif_est_journalisee_et_tient_jusqu_au_changement_d_adresse(  # noqa: E501
    filleul, admin_user
):
    filleul = _adresse(filleul, "99 rue Inconnue", "67200")
    with pytest.raises(ValidationError, match="Indiquez le motif"):
        filleul_qpv_decider(filleul=filleul, resultat=R.DANS, motif="  ", par=admin_user)
    filleul.refresh_from_db()
    assert filleul.qpv_resultat == R.INDETERMINE

    filleul = filleul_qpv_decider(
        filleul=filleul,
        resultat=R.DANS,
        motif="Attestation de domicile : rue dans le périmètre de Hautepierre.",
        par=admin_user,
    )
    assert filleul.qpv_resultat == R.DANS and filleul.qpv_origine == "equipe"
    assert filleul.qpv_source == f"équipe du programme, le {timezone.localdate():%d/%m/%Y}"
    # Staff's name is not in what the person reads (it stays in the audit trail).
    assert admin_user.email not in filleul.qpv_source
    assert filleul.qpv_motif.startswith("Attestation de domicile")
    entree = LogEntry.objects.get_for_object(filleul).order_by("-timestamp").first()
    assert "qpv_motif" in entree.changes_dict and "qpv_origine" in entree.changes_dict

    # The same address saved again: the decision stays. A new address: computed again.
    filleul = _adresse(filleul, "99  rue Inconnue", "67200")
    assert filleul.qpv_origine == "equipe"
    filleul = _adresse(filleul, "1 place Kléber", "67000")
    assert filleul.qpv_resultat == R.HORS and filleul.qpv_origine == "adresse"
    assert filleul.qpv_motif == ""


# --- Eligibility -----------------------------------------------------------------------------


def _critere_qpv(filleul):
    programme = Programme(nom="QPV", statut=Programme.Statut.OUVERT, qpv_requis=True)
    return next(c for c in eligibility(programme, filleul).criteres if c.code == "qpv")


@pytest.mark.parametrize(
    "champs, ok, valeur",
    [
        ({"qpv_resultat": "dans", "qpv_code": "QN06710I", "qpv_nom": "Hautepierre"}, True,
         "oui : Hautepierre (QN06710I), selon l'adresse"),
        ({"qpv_resultat": "hors", "qpv": "declare"}, False,
         "non, l'adresse n'est dans aucun quartier prioritaire"),
        ({"qpv_resultat": "hors", "qpv_origine": "equipe"}, False, "non, décision de l'équipe"),
        ({"qpv_resultat": "indetermine", "qpv": "declare"}, True,
         "oui, déclaré (à vérifier : adresse non localisée)"),
        ({"qpv_resultat": "indetermine", "qpv": "non"}, False, "non déclaré"),
        ({"qpv_resultat": "en_cours", "qpv": "declare"}, True,
         "oui, déclaré (à vérifier : adresse non localisée)"),
    ],
)  # fmt: skip
def test_l_eligibilite_lit_le_resultat_puis_la_declaration(champs, ok, valeur):
    filleul = Filleul(
        date_naissance=dt.date(2001, 1, 1), situation=Situation.DEMANDEUR_EMPLOI, **champs
    )
    critere = _critere_qpv(filleul)
    assert (critere.ok, critere.valeur) == (ok, valeur)


# --- What the person and staff see -------------------------------------------------------------


def test_l_espace_de_la_personne_dit_le_resultat(client, filleul):
    filleul = _adresse(filleul, "12 boulevard Balzac", "67200")
    client.force_login(filleul.user)
    page = client.get(reverse("filleul:tableau_de_bord")).content.decode()
    assert "12 boulevard Balzac, 67200 Strasbourg" in page
    assert "Votre adresse est dans le quartier prioritaire « Hautepierre » (QN06710I)." in page


def test_une_adresse_non_geocodable_dans_le_profil_la_personne_est_prevenue(client, perimetres):
    filleul = FilleulFactory(commune=strasbourg())
    client.force_login(filleul.user)
    reponse = client.post(
        reverse("filleul:profil", kwargs={"etape": 2}),
        {"adresse": "3 impasse Introuvable", "code_postal": "67200", "commune": "67200",
         "qpv": "oui"},
    )  # fmt: skip
    assert reponse.status_code == 302
    donnees = {
        "first_name": "Inès", "last_name": "Benali", "date_naissance": "2003-04-12",
        "adresse": "3 impasse Introuvable", "adresse_complement": "", "code_postal": "67200",
        "commune": filleul.commune, "qpv": "oui", "situation": filleul.situation,
        "niveau_diplome": 4, "mobilite_km": 10,
    }  # fmt: skip
    filleul = filleul_enregistrer_profil(user=filleul.user, donnees=donnees)
    assert filleul.qpv_resultat == R.INDETERMINE and filleul.qpv == Filleul.StatutQPV.DECLARE
    page = client.get(reverse("filleul:tableau_de_bord")).content.decode()
    assert "Votre adresse n&#x27;a pas pu être localisée" in page
    assert "sera vérifiée par l&#x27;équipe" in page


def test_le_formulaire_refuse_une_adresse_incomplete_ou_d_une_autre_commune(client, filleul):
    client.force_login(filleul.user)
    url = reverse("filleul:profil", kwargs={"etape": 2})
    page = client.post(url, {"adresse": "12 boulevard Balzac", "commune": "67200", "qpv": "oui"})
    assert "Indiquez le code postal de votre adresse." in page.content.decode()
    page = client.post(
        url, {"adresse": "12 boulevard Balzac", "code_postal": "31000", "commune": "67200",
              "qpv": "oui"},
    )  # fmt: skip
    assert "Ce code postal n&#x27;est pas celui de Strasbourg" in page.content.decode()
    page = client.get(url).content.decode()
    assert 'autocomplete="address-line1"' in page and 'autocomplete="postal-code"' in page


def test_l_admin_montre_le_resultat_et_enregistre_la_decision_avec_motif(admin_client, filleul):
    filleul = _adresse(filleul, "99 rue Inconnue", "67200")
    url = reverse("admin:parrainages_filleul_change", args=[filleul.pk])
    page = admin_client.get(url)
    assert "Indéterminé (à vérifier)" in page.content.decode()

    donnees = form_data(page)
    donnees.update({"qpv_decision": "dans", "qpv_decision_code": "QN06710I"})
    refus = admin_client.post(url, donnees)
    assert refus.status_code == 200
    assert "Indiquez le motif de la décision (obligatoire)." in refus.content.decode()
    filleul.refresh_from_db()
    assert filleul.qpv_resultat == R.INDETERMINE

    donnees["qpv_decision_code"] = "QN99999Z"
    donnees["qpv_decision_motif"] = "Justificatif de domicile vu en entretien."
    refus = admin_client.post(url, donnees)
    assert "Aucun quartier prioritaire importé n&#x27;a le code QN99999Z." in refus.content.decode()

    donnees["qpv_decision_code"] = "qn06710i"
    assert admin_client.post(url, donnees).status_code == 302
    filleul.refresh_from_db()
    assert (filleul.qpv_resultat, filleul.qpv_code, filleul.qpv_origine) == (
        R.DANS,
        "QN06710I",
        "equipe",
    )
    assert filleul.qpv_motif == "Justificatif de domicile vu en entretien."
    assert "équipe du programme, le " in admin_client.get(url).content.decode()


def test_l_action_de_l_admin_recalcule_depuis_l_adresse(admin_client, filleul):
    filleul = _adresse(filleul, "12 boulevard Balzac", "67200")
    filleul_qpv_decider(filleul=filleul, resultat=R.HORS, motif="Erreur de saisie supposée.")
    admin_client.post(
        reverse("admin:parrainages_filleul_changelist"),
        {"action": "recalculer_qpv", "_selected_action": [filleul.pk]},
    )
    filleul.refresh_from_db()
    assert (filleul.qpv_resultat, filleul.qpv_origine) == (R.DANS, "adresse")


def test_l_export_et_la_liste_de_l_admin(admin_client, filleul):
    from parrainages.services import filleul_exporter

    filleul = _adresse(filleul, "12 boulevard Balzac", "67200")
    export = filleul_exporter(filleul=filleul)
    assert export["profil"]["adresse"] == "12 boulevard Balzac"
    assert export["profil"]["quartier_prioritaire_selon_l_adresse"]["quartier"] == (
        "Hautepierre (QN06710I)"
    )
    page = admin_client.get(reverse("admin:parrainages_filleul_changelist") + "?qpv_resultat=dans")
    assert "Dans un quartier prioritaire" in page.content.decode()


def test_programme_qpv_requis_candidature_selon_l_adresse(filleul):
    from parrainages.services import candidature_deposer

    programme = ProgrammeFactory(qpv_requis=True)
    filleul = _adresse(filleul, "1 place Kléber", "67000")
    with pytest.raises(ValidationError, match="Résidence en quartier prioritaire"):
        candidature_deposer(filleul=filleul, programme=programme)


def test_une_verification_reprise_sans_date_tient_tant_que_l_adresse_ne_change_pas(perimetres):
    # As the data migration left staff's earlier « confirmé »: a decision with no date.
    filleul = FilleulFactory(
        commune=strasbourg(),
        qpv=Filleul.StatutQPV.CONFIRME,
        qpv_resultat=R.DANS,
        qpv_origine="equipe",
        qpv_motif="Vérification faite par l'équipe avant le calcul par l'adresse.",
    )
    filleul = _adresse(filleul, "", "")
    assert (filleul.qpv_resultat, filleul.qpv_origine) == (R.DANS, "equipe")
    filleul = _adresse(filleul, "1 place Kléber", "67000")
    assert (filleul.qpv_resultat, filleul.qpv_origine) == (R.HORS, "adresse")
