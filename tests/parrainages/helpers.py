"""What several test modules of the parrainages app share: a city to match people in, and a
mentee's profile filled in step by step."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from parrainages.services.matching import appariement_executer, appariement_lancer
from tests.parrainages.factories import CandidatureFactory, FilleulFactory, ParrainFactory
from tests.programmes.factories import CommuneFactory, ProgrammeFactory, secteur

# --- Matching -------------------------------------------------------------------------------

STRASBOURG = {"latitude": 48.5734, "longitude": 7.7521, "departement": "67"}
SCHILTIGHEIM = {"latitude": 48.6076, "longitude": 7.7499, "departement": "67"}
LYON = {"latitude": 45.764, "longitude": 4.8357, "departement": "69"}


def commune(coords, n=[0]):  # noqa: B006 - a counter for distinct INSEE codes
    n[0] += 1
    return CommuneFactory(code_insee=f"{coords['departement']}{900 + n[0] % 100:03d}", **coords)


def programme_de_ville():
    """A programme of one city (Strasbourg): 30 km at most, the Bas-Rhin only, regular pairs."""
    return ProgrammeFactory(
        slug="ville", distance_max_km=30, departements=["67"], offre_reguliere=True
    )


def retenu(programme, coords=STRASBOURG, secteurs=("G",), dispo=("mar_soir",), jours=10):
    filleul = FilleulFactory(commune=commune(coords), disponibilites=list(dispo))
    filleul.secteurs_souhaites.set([secteur(code) for code in secteurs])
    return CandidatureFactory(
        filleul=filleul,
        programme=programme,
        retenue=True,
        decidee_le=il_y_a_jours_a_midi(jours),
    )


def il_y_a_jours_a_midi(jours):
    """Noon, local time, `jours` calendar days ago: a decision that far back whatever the hour
    of the run and the summer-time changes between then and now."""
    jour = timezone.localdate() - dt.timedelta(days=jours)
    return timezone.make_aware(dt.datetime.combine(jour, dt.time(12)))


def parrain(
    programme, coords=STRASBOURG, secteurs=("G",), dispo=("mar_soir",), capacite=1, distance=True
):
    p = ParrainFactory(
        commune=commune(coords),
        capacite=capacite,
        disponibilites=list(dispo),
        distanciel_accepte=distance,
    )
    p.secteurs.set([secteur(code) for code in secteurs])
    p.programmes.add(programme)
    return p


def lancer(programme, **kwargs):
    run = appariement_lancer(programme=programme, en_tache=False, **kwargs)
    return appariement_executer(run_id=run.pk)


# --- A mentee's profile -----------------------------------------------------------------------

STEPS = {
    1: {
        "first_name": "Inès",
        "last_name": "Benali",
        "date_naissance": "2003-04-12",
        "telephone": "06 12 34 56 78",
    },
    2: {"commune": "Toulouse (31000)", "qpv": "oui"},
    3: {
        "situation": "mission_locale",
        "inscrit_france_travail_depuis": "",
        "identifiant_france_travail": "1234567a",
        "niveau_diplome": "4",
    },
    4: {
        "secteurs_souhaites": [],
        "disponibilites": ["mar_soir"],
        "mobilite_km": "15",
        "source": "",
    },
    5: {"consentement": "on"},
}


def walk_profile(client, steps=STEPS):
    response = None
    for etape, data in steps.items():
        response = client.post(reverse("filleul:profil", kwargs={"etape": etape}), data)
    return response


# --- Immersion conventions ------------------------------------------------------------------


def horaires_post(semaine: dict) -> dict:
    """The hours' grid of the convention's form, posted: ``{"lundi": [["09:00", "12:00"],
    ["13:30", "17:00"]], …}`` → ``horaires-lundi_matin_debut`` and so on."""
    donnees = {}
    for jour, plages in semaine.items():
        for cle, plage in zip(("matin", "apres_midi"), plages, strict=False):
            donnees[f"horaires-{jour}_{cle}_debut"] = plage[0]
            donnees[f"horaires-{jour}_{cle}_fin"] = plage[1]
    return donnees


SEMAINE_35H = {
    j: [["09:00", "12:30"], ["13:30", "17:00"]]
    for j in ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
}


def immersion_post(*, prescripteur_id, debut=None, jours=14, **autres) -> dict:
    """A PMSMP proposal as the mentor's portal posts it: complete and within every limit (the
    mentor represents the host company)."""
    debut = debut or timezone.localdate() + dt.timedelta(days=10)
    donnees = {
        "date_debut": f"{debut:%Y-%m-%d}",
        "date_fin": f"{debut + dt.timedelta(days=jours):%Y-%m-%d}",
        "objet": "confirmer",
        "objectifs": "Confirmer le projet de gestionnaire de paie.",
        "metier_code": "M1501",
        "metier_libelle": "Gestionnaire de paie",
        "entreprise_nom": "Paie & Cie",
        "entreprise_siret": "732 829 320 00074",
        "entreprise_adresse": "10 rue de Rivoli, 75004 Paris",
        "lieu": "Siège, 10 rue de Rivoli, Paris",
        "representant_est_parrain": "on",
        "tuteur_prenom": "Marc",
        "tuteur_nom": "Martin",
        "tuteur_fonction": "Responsable paie",
        "tuteur_email": "marc.martin@paie.example",
        "tuteur_telephone": "0601020304",
        "prescripteur": str(prescripteur_id),
        "conseiller_prenom": "Sonia",
        "conseiller_nom": "Lefèvre",
        "conseiller_fonction": "Conseillère",
        "conseiller_email": "sonia.lefevre@francetravail.example",
        "activites": "Saisie des variables de paie et contrôle des bulletins.",
        "competences": "Saisir les variables de paie\nContrôler un bulletin",
        "risques": "Travail sur écran.",
        "urgence_nom": "Nadia Benali",
        "urgence_telephone": "0611223344",
        **horaires_post(SEMAINE_35H),
    }
    donnees.update(autres)
    return donnees
