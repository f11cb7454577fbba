"""The fixed part of the demo, kept in step with the data on every run (``update_or_create``
on natural keys): logins, programmes with steps, charter and events, partners, conventions."""

import datetime as dt
import re

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE
from parrainages.models import add_months
from partenaires.models import (
    ActionConvention,
    Convention,
    Membre,
    Objectif,
    Partenaire,
    PartieConvention,
)
from programmes.models import Commune, Etape, Evenement, ModeleCharte, Programme

from .partenaires import CONVENTIONS, MEMBRES, PARTENAIRES
from .programmes import PROGRAMMES

User = get_user_model()

COMPTES = {
    "gestionnaire": {
        "email": "gestionnaire@demo.mentorat.fr",
        "first_name": "Camille",
        "last_name": "Rousseau",
        "is_staff": True,
        "groupe": GESTIONNAIRE,
    },
    "admin": {
        "email": "admin@demo.mentorat.fr",
        "first_name": "Marc",
        "last_name": "Lemaire",
        "is_staff": True,
        "is_superuser": True,
        "groupe": ADMINISTRATEUR,
    },
    "animateur": {
        "email": "animateur@demo.mentorat.fr",
        "first_name": "Thomas",
        "last_name": "Castaing",
        "is_staff": True,
        "groupe": GESTIONNAIRE,
    },
    # NQT's national team and two of its regional teams (demo/structures.py).
    "nqt_national": {
        "email": "nqt.national@demo.mentorat.fr",
        "first_name": "Sophie",
        "last_name": "Marchand",
        "is_staff": True,
        "groupe": GESTIONNAIRE,
    },
    "nqt_idf": {
        "email": "nqt.idf@demo.mentorat.fr",
        "first_name": "Karim",
        "last_name": "Haddad",
        "is_staff": True,
        "groupe": GESTIONNAIRE,
    },
    "nqt_aura": {
        "email": "nqt.aura@demo.mentorat.fr",
        "first_name": "Élodie",
        "last_name": "Perrin",
        "is_staff": True,
        "groupe": GESTIONNAIRE,
    },
    "parrain": {
        "email": "parrain@demo.mentorat.fr",
        "first_name": "Nathalie",
        "last_name": "Girard",
    },
    "filleul": {"email": "filleul@demo.mentorat.fr", "first_name": "Yanis", "last_name": "Benali"},
}


def premier_du_mois(jour: dt.date, decalage_mois: int) -> dt.date:
    return add_months(jour.replace(day=1), decalage_mois)


def creer_compte(
    *, email, first_name, last_name, password_hash, is_staff=False, is_superuser=False, groupe=None
):
    user, _ = User.objects.update_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "password": password_hash,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
            "is_active": True,
        },
    )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if groupe:
        user.groups.add(Group.objects.get_or_create(name=groupe)[0])
    return user


def creer_comptes(password_hash) -> dict:
    return {
        cle: creer_compte(password_hash=password_hash, **champs) for cle, champs in COMPTES.items()
    }


def commune(code_insee):
    return Commune.objects.filter(code_insee=code_insee).first() if code_insee else None


def creer_evenement(programme, spec, today):
    debut = timezone.make_aware(
        dt.datetime.combine(today + dt.timedelta(days=spec.jours), dt.time(spec.heure))
    )
    fin = debut + dt.timedelta(days=spec.duree_jours, hours=spec.duree_heures)
    statut = spec.statut or (
        Evenement.Statut.TERMINE if spec.jours < 0 else Evenement.Statut.PUBLIE
    )
    evenement, _ = Evenement.objects.update_or_create(
        programme=programme,
        titre=spec.titre,
        defaults={
            "type": spec.type,
            "description": spec.description,
            "debut": debut,
            "fin": fin,
            "lieu": spec.lieu or ("En ligne" if spec.en_ligne else ""),
            "commune": commune(spec.commune),
            "en_ligne": spec.en_ligne,
            "lien": f"https://visio.mentorat.example/{slugify(spec.titre)}"
            if spec.en_ligne
            else "",
            "places": spec.places,
            # Round tables are for the mentees and for the mentors, counsellors and company
            # managers who work with them.
            "publics": list(Evenement.Public.values)
            if spec.type == Evenement.Type.TABLE_RONDE
            else [Evenement.Public.FILLEULS],
            "statut": statut,
        },
    )
    return evenement


def creer_programmes(comptes) -> dict:
    today = timezone.localdate()
    programmes = {}
    for data in PROGRAMMES:
        debut = premier_du_mois(today, -data.debut_mois_avant)
        fin = add_months(debut, data.duree_mois) - dt.timedelta(days=1) if data.duree_mois else None
        programme, _ = Programme.objects.update_or_create(
            slug=data.slug,
            defaults=dict(
                **data.champs,
                date_debut=debut,
                date_fin=fin,
                coordinateur=comptes[data.coordinateur],
            ),
        )
        for ordre, (nom, description) in enumerate(data.etapes, start=1):
            Etape.objects.update_or_create(
                programme=programme, ordre=ordre, defaults={"nom": nom, "description": description}
            )
        # A charter version is never rewritten: signed charters refer to it.
        ModeleCharte.objects.get_or_create(
            programme=programme,
            version=1,
            defaults={
                "titre": data.charte_titre,
                "texte": data.charte,
                "created_by": comptes["gestionnaire"],
                "created_at": timezone.make_aware(dt.datetime.combine(debut, dt.time(9))),
            },
        )
        for spec in data.evenements:
            creer_evenement(programme, spec, today)
        programmes[data.slug] = programme
    return programmes


def creer_partenaires(programmes, password_hash) -> dict:
    today = timezone.localdate()
    partenaires = {}
    for data in PARTENAIRES:
        partenaire, _ = Partenaire.objects.update_or_create(
            nom=data.nom,
            type=data.type,
            defaults={
                "commune": commune(data.commune),
                "adresse": data.adresse,
                "email": data.email,
                "telephone": data.telephone,
                "site_web": data.site_web,
                "actif": True,
            },
        )
        partenaires[data.nom] = partenaire

    for data in CONVENTIONS:
        debut = premier_du_mois(today, data.debut_mois)
        signee = data.statut != Convention.Statut.BROUILLON
        convention, _ = Convention.objects.update_or_create(
            reference=data.reference,
            defaults={
                "partenaire": partenaires[data.partenaire],
                "titre": data.titre,
                "date_debut": debut,
                "date_fin": add_months(debut, data.duree_mois) - dt.timedelta(days=1),
                "statut": data.statut,
                # The action plan is a list of dated actions (below), no longer free text.
                "plan_action": "",
                "engagements_partenaire": data.engagements_partenaire,
                "engagements_ville": data.engagements_ville,
                "modalites_suivi": data.modalites_suivi,
                "criteres_evaluation": data.criteres_evaluation,
                "signataires": "\n".join(data.signataires),
                "signee_le": debut - dt.timedelta(days=15) if signee else None,
            },
        )
        convention.programmes.set([programmes[slug] for slug in data.programmes])
        actions_creer(convention, data.plan_action, today)
        for nom, role in data.extra.get("parties", ()):
            PartieConvention.objects.update_or_create(
                convention=convention, partenaire=partenaires[nom], defaults={"role": role}
            )
        for indicateur, cible, periode in data.objectifs:
            Objectif.objects.update_or_create(
                convention=convention,
                indicateur=indicateur,
                periode=periode,
                defaults={"valeur_cible": cible},
            )

    for data in MEMBRES:
        user = creer_compte(
            email=data.email,
            first_name=data.prenom,
            last_name=data.nom,
            password_hash=password_hash,
        )
        Membre.objects.update_or_create(
            partenaire=partenaires[data.partenaire],
            user=user,
            defaults={"role": data.role, "actif": True},
        )
    return partenaires


def actions_creer(convention, plan: str, today: dt.date) -> None:
    """Each line of a demo plan becomes an action of the lead partner, due one quarter after
    the other from the convention's start; done when its date has passed."""
    porteur = convention.parties.get(partenaire=convention.partenaire_id)
    lignes = [ligne.strip() for ligne in plan.splitlines() if ligne.strip()]
    for rang, ligne in enumerate(lignes):
        echeance = min(add_months(convention.date_debut, 3 * (rang + 1)), convention.date_fin)
        ActionConvention.objects.update_or_create(
            convention=convention,
            ordre=rang,
            defaults={
                "intitule": re.sub(r"^\d+\.\s*", "", ligne)[:250],
                "responsable": porteur,
                "echeance": echeance,
                "statut": (
                    ActionConvention.Statut.FAITE
                    if echeance < today
                    else ActionConvention.Statut.A_FAIRE
                ),
            },
        )
