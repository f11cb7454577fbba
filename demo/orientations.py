"""Referrals in the demo (issue #16): the Strasbourg programme "100 chances 100 emplois"
referred by its three prescribers (France Travail Strasbourg Hautepierre, the Mission locale
pour l'emploi de Strasbourg and the association), one person referred by two structures, one
person referred without an e-mail address whose account waits to be claimed, and one batch
imported from a CSV file. Everything through the services; a second run adds nothing."""

import datetime as dt
import io

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from mentorat.models import User
from parrainages.models import Filleul
from parrainages.services.filleul import candidature_deposer, filleul_enregistrer_profil
from partenaires import orientations
from partenaires.models import ImportPrescriptions, Membre, Prescription
from partenaires.services import prescription_creer, prescription_rattacher
from programmes.models import Commune, Programme, Situation

from .partenaires import ASSO_100_CHANCES, FT_HAUTEPIERRE, ML_STRASBOURG
from .population import DOMAINE
from .programmes import STRASBOURG

FICHIER = "reperage-hautepierre-novembre.csv"
DOUBLE = f"ines.amrani@{DOMAINE}"


def _membre(partenaire: str) -> Membre | None:
    return (
        Membre.objects.filter(partenaire__nom=partenaire, actif=True)
        .exclude(role=Membre.Role.LECTEUR)
        .select_related("user", "partenaire")
        .order_by("pk")
        .first()
    )


def _naissance(age: int, mois: int = 3, jour: int = 14) -> dt.date:
    return dt.date(timezone.localdate().year - age - 1, mois, jour)


def orientations_demo() -> None:
    programme = Programme.objects.filter(slug=STRASBOURG).first()
    strasbourg = Commune.objects.filter(code_insee="67482").order_by("code_postal").first()
    membres = {nom: _membre(nom) for nom in (FT_HAUTEPIERRE, ML_STRASBOURG, ASSO_100_CHANCES)}
    if programme is None or strasbourg is None or None in membres.values():
        return
    if ImportPrescriptions.objects.filter(nom_fichier=FICHIER).exists():
        return  # already there
    ft, ml, asso = (membres[n] for n in (FT_HAUTEPIERRE, ML_STRASBOURG, ASSO_100_CHANCES))

    # Each prescriber invites someone by e-mail.
    for membre, prenom, nom in (
        (ft, "Kevin", "Schaeffer"),
        (ml, "Manon", "Kieffer"),
        (asso, "Yanis", "Boukhari"),
    ):
        prescription_creer(
            par=membre.user,
            partenaire=membre.partenaire,
            programme=programme,
            prenom=prenom,
            nom=nom,
            email=f"{prenom.lower()}.{nom.lower()}@exemple.fr",
            message="Comme convenu lors de notre rendez-vous.",
            freins=["mobilite"],
            diagnostic="Projet dans la logistique ; motivé(e), disponible tout de suite.",
        )

    # One person referred by two structures: the Mission locale first, then France Travail;
    # she signs up through the Mission locale's link, which is credited. France Travail sees
    # its own referral and the application's status, never the Mission locale's.
    for membre in (ml, ft):
        prescription_creer(
            par=membre.user,
            partenaire=membre.partenaire,
            programme=programme,
            prenom="Inès",
            nom="Amrani",
            email=DOUBLE,
            freins=["garde_enfants"] if membre is ml else ["numerique"],
            diagnostic="Cheffe de famille ; vise l'aide-soignance."
            if membre is ml
            else "Souhaite un accompagnement vers la vente.",
        )
    user = User.objects.create(
        email=DOUBLE,
        first_name="Inès",
        last_name="Amrani",
        password=make_password(settings.DEMO_PASSWORD),
    )
    EmailAddress.objects.create(user=user, email=DOUBLE, primary=True, verified=True)
    filleul = filleul_enregistrer_profil(
        user=user,
        donnees={
            "first_name": "Inès",
            "last_name": "Amrani",
            "date_naissance": _naissance(24),
            "commune": strasbourg,
            "qpv": "oui",
            "situation": Situation.MISSION_LOCALE,
            "niveau_diplome": 4,
            "mobilite_km": 15,
            "source": Filleul.Source.MISSION_LOCALE,
            "consentement": True,
        },
    )
    lien_ml = Prescription.objects.get(email=DOUBLE, partenaire=ml.partenaire)
    prescription_rattacher(prescription_id=lien_ml.pk, filleul=filleul)
    candidature_deposer(filleul=filleul, programme=programme)

    # A person met without an e-mail address by the association: account and application
    # created with her, a claim code given (letter), not claimed yet.
    sans_email = orientations.prescription_compte_creer(
        par=asso.user,
        partenaire=asso.partenaire,
        programme=programme,
        donnees={
            "first_name": "Aminata",
            "last_name": "Koné",
            "date_naissance": _naissance(21, 9, 2),
            "telephone": "0611223344",
            "commune": strasbourg,
            "qpv": "oui",
            "situation": Situation.SANS_ACTIVITE,
            "niveau_diplome": 3,
        },
        freins=["numerique", "francais"],
        diagnostic="Sans adresse e-mail ; à l'aise à l'oral, cherche dans la restauration.",
    )
    # By SMS where a sender exists (the demo runs with DEBUG: the console one), else a letter.
    moyen = (
        orientations.Moyen.SMS
        if orientations.sms_possible(sans_email.telephone)
        else orientations.Moyen.LETTRE
    )
    orientations.code_remettre(prescription_id=sans_email.pk, par=asso.user, moyen=moyen)

    # A batch imported by France Travail Hautepierre: two without an address (accounts to
    # claim, letters to print), one with (an invitation).
    annee = timezone.localdate().year
    contenu = (
        "prenom;nom;date_naissance;commune;qpv;situation;niveau_diplome;telephone;email\n"
        f"Dylan;Meyer;05/06/{annee - 22};Strasbourg (67200);oui;demandeur_emploi;3;;\n"
        f"Sabrina;Haddouche;11/01/{annee - 26};Strasbourg (67200);oui;demandeur_emploi;4;"
        "06 98 76 54 32;\n"
        f"Hugo;Wagner;23/10/{annee - 20};Strasbourg (67100);oui;mission_locale;3;;"
        "hugo.wagner@exemple.fr\n"
    )
    lignes = orientations.lire_csv_prescriptions(io.BytesIO(contenu.encode()))
    orientations.prescriptions_importer(
        par=ft.user,
        partenaire=ft.partenaire,
        programme=programme,
        lignes=lignes,
        nom_fichier=FICHIER,
    )
