"""Seed the demo: communes, the fixed part, then (once) the population; and say what is there."""

import io
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from mentorat.models import Partie
from parrainages.models import (
    AutorisationParentale,
    BilanImmersion,
    Candidature,
    Charte,
    Filleul,
    Immersion,
    MatchingRun,
    ObjectifBinome,
    Parrain,
    Parrainage,
    PointEtape,
    Rencontre,
    RepresentantLegal,
    SessionSelection,
    Sortie,
)
from partenaires.models import Convention, Membre, Objectif, Partenaire
from programmes.models import Commune, Etape, Evenement, Inscription, ModeleCharte, Programme

from .adresses import adresses_demo
from .choix_filleul import COMPTE as FILLEULE_AU_CHOIX
from .choix_filleul import choix_filleul_demo
from .immersions import immersions_demo
from .mineurs import mineurs_demo
from .orientations import orientations_demo
from .partenaires import produire_rapport_demo, rattacher_parrains
from .population import DOMAINE, Population, population_existe
from .qualite import qualite_demo
from .ressources import ressources_demo
from .selection import selection_demo
from .sms import sms_demo
from .socle import creer_comptes, creer_partenaires, creer_programmes
from .sorties_cohorte import sorties_cohorte_demo
from .structures import creer_structures
from .suivi import Suivi

User = get_user_model()

COMMUNES_CSV = settings.BASE_DIR / "programmes" / "data" / "communes_echantillon.csv"

MODELES = [
    ("Communes", Commune),
    ("Programmes", Programme),
    ("Étapes", Etape),
    ("Modèles de charte", ModeleCharte),
    ("Événements", Evenement),
    ("Inscriptions aux événements", Inscription),
    ("Partenaires", Partenaire),
    ("Membres de partenaires", Membre),
    ("Conventions", Convention),
    ("Objectifs de convention", Objectif),
    ("Parrains et marraines", Parrain),
    ("Filleuls et filleules", Filleul),
    ("Candidatures", Candidature),
    ("Parrainages", Parrainage),
    ("Rencontres", Rencontre),
    ("Immersions", Immersion),
    ("Bilans d'immersion", BilanImmersion),
    ("Sorties", Sortie),
    ("Représentants légaux", RepresentantLegal),
    ("Autorisations parentales", AutorisationParentale),
    ("Chartes", Charte),
    ("Parties signataires", Partie),
    ("Appariements", MatchingRun),
    ("Sessions de sélection", SessionSelection),
    ("Objectifs des binômes", ObjectifBinome),
    ("Points d'étape", PointEtape),
]

LOGINS = [
    ("Gestionnaire", "gestionnaire@demo.mentorat.fr", "/admin/"),
    ("Administrateur", "admin@demo.mentorat.fr", "/admin/"),
    ("NQT national", "nqt.national@demo.mentorat.fr", "/admin/"),
    ("NQT Île-de-France", "nqt.idf@demo.mentorat.fr", "/admin/"),
    ("NQT Auvergne-Rhône-Alpes", "nqt.aura@demo.mentorat.fr", "/admin/"),
    ("Animateur (Profession-emploi)", "animateur@demo.mentorat.fr", "/admin/"),
    ("Parrain", "parrain@demo.mentorat.fr", "/parrain/"),
    ("Filleul", "filleul@demo.mentorat.fr", "/filleul/"),
    ("Filleule qui choisit son parrain", FILLEULE_AU_CHOIX["email"], "/filleul/"),
    ("Partenaire", "partenaire@demo.mentorat.fr", "/partenaire/"),
]


@dataclass
class Resultat:
    population_creee: bool
    duree: float
    comptes: dict = field(default_factory=dict)


def importer_communes():
    """The sample communes (the import is an idempotent upsert)."""
    call_command("import_communes", str(COMMUNES_CSV), stdout=io.StringIO())


def seed_demo() -> Resultat:
    debut = time.monotonic()
    password_hash = make_password(settings.DEMO_PASSWORD)
    with transaction.atomic():
        importer_communes()
        comptes = creer_comptes(password_hash)
        # The printed password works for every demo account, even if it changed since.
        User.objects.filter(email__endswith="@" + DOMAINE).update(password=password_hash)
        programmes = creer_programmes(comptes)
        creer_structures(programmes, comptes)
        partenaires = creer_partenaires(programmes, password_hash)
        creee = not population_existe()
        if creee:
            population = Population(
                programmes=programmes,
                partenaires=partenaires,
                comptes=comptes,
                password_hash=password_hash,
            )
            population.generer()
            evenements = list(
                Evenement.objects.filter(programme__in=programmes.values())
                .select_related("programme")
                .order_by("programme__slug", "debut", "titre")
            )
            suivi = Suivi(population)
            suivi.choisir_hotes(evenements)
            population.enregistrer()
            suivi.generer(evenements)
            suivi.enregistrer()
            mineurs_demo()
            immersions_demo()
            adresses_demo(comptes["gestionnaire"])
            selection_demo()
            if pdf_disponible():
                produire_pdf_chartes()
                produire_pdf_immersions()
            rendez_vous_demain()
            appariement_demo(programmes, comptes["gestionnaire"])
        rattacher_parrains(partenaires)
        ressources_demo(programmes.values(), pdf=pdf_disponible())
        orientations_demo()
        choix_filleul_demo(password_hash, comptes["gestionnaire"])
        sms_demo()
        qualite_demo()
        sorties_cohorte_demo(comptes["gestionnaire"], rapport=pdf_disponible())
        if pdf_disponible():
            produire_rapport_demo(comptes["gestionnaire"])
    return Resultat(population_creee=creee, duree=time.monotonic() - debut, comptes=comptes)


PDF_DEMO = 12


def pdf_disponible() -> bool:
    """WeasyPrint needs Pango: without it the demo still runs, without its PDFs."""
    try:
        import weasyprint  # noqa: F401
    except (OSError, ImportError) as exc:
        logging.getLogger(__name__).warning(
            "PDF de démonstration non produits : WeasyPrint ne trouve pas ses bibliothèques "
            "(%s). Installez Pango (voir le README) puis lancez "
            "« python manage.py produire_chartes ».",
            exc,
        )
        return False
    return True


PROGRAMME_APPARIE = "100-chances-100-emplois"


def appariement_demo(programmes, gestionnaire):
    """One matching run, so that staff find proposals with their reasons waiting for review."""
    from parrainages.services.matching import appariement_executer, appariement_lancer

    programme = programmes.get(PROGRAMME_APPARIE)
    if programme is None:
        return
    run = appariement_lancer(programme=programme, par=gestionnaire, en_tache=False)
    appariement_executer(run_id=run.pk)


def rendez_vous_demain():
    """A meeting tomorrow evening for the demo mentor, so that the day's reminders include one."""
    import datetime as dt

    from django.utils import timezone

    from parrainages.models import Parrainage, Rencontre

    pair = (
        Parrainage.objects.filter(
            statut=Parrainage.Statut.ACTIF, parrain__user__email=f"parrain@{DOMAINE}"
        )
        .order_by("pk")
        .first()
    )
    if pair is None:
        return
    demain = timezone.localdate() + dt.timedelta(days=1)
    Rencontre.objects.create(
        parrainage=pair,
        debut=timezone.make_aware(dt.datetime.combine(demain, dt.time(18, 30))),
        duree_minutes=60,
        modalite=Rencontre.Modalite.VISIO,
        lien="https://visio.exemple.fr/mentorat-demo",
        sujet="Préparer l'entretien de la semaine prochaine",
    )


def produire_pdf_chartes():
    """Seal the PDF of a dozen signed charters, the demo accounts' first.

    Rendering and sealing take about half a second each: the other signed charters keep their
    PDF to be produced by `manage.py produire_chartes` (or the scheduled catch-up), which keeps
    the demo quick to start.
    """
    from django.db.models import Case, IntegerField, Value, When
    from django.utils import timezone

    from parrainages.models import Charte
    from parrainages.services import charte_produire_pdf

    certificat_demo()
    demo = [f"{role}@{DOMAINE}" for role in ("parrain", "filleul")]
    ids = (
        Charte.objects.filter(statut=Charte.Statut.SIGNEE, pdf="")
        .annotate(
            prioritaire=Case(
                When(parrainage__parrain__user__email__in=demo, then=Value(0)),
                When(parrainage__filleul__user__email__in=demo, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("prioritaire", "pk")
        .values_list("pk", flat=True)[:PDF_DEMO]
    )
    ids = list(ids)
    for charte_id in ids:
        charte_produire_pdf(charte_id=charte_id)
    # The parties of demo charters are not e-mailed.
    Charte.objects.filter(pk__in=ids).update(envoyee_le=timezone.now())


def certificat_demo():
    """The demo's sealing certificate, self-signed, made the first time."""
    from mentorat.scellement import creer_certificat_autosigne

    if not settings.SCEAU_CERTIFICAT.is_file():
        creer_certificat_autosigne(
            settings.SCEAU_CERTIFICAT,
            mot_de_passe=settings.SCEAU_MOT_DE_PASSE,
            nom="Mentorat — sceau de démonstration",
        )


def produire_pdf_immersions():
    """Seal the PDF of the demo's validated and finished conventions (a handful, half a
    second each). Their parties are not e-mailed: the PDF counts as sent when made, so that
    the task the validation started finds nothing left to do."""
    from django.db.models import F

    from parrainages.services.immersion import STATUTS_AVEC_PDF, immersion_produire_pdf

    certificat_demo()
    ids = list(
        Immersion.objects.filter(statut__in=STATUTS_AVEC_PDF, pdf="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for immersion_id in ids:
        immersion_produire_pdf(immersion_id=immersion_id)
    Immersion.objects.filter(pk__in=ids).exclude(pdf="").update(envoyee_le=F("pdf_produit_le"))


def compter() -> dict[str, int]:
    comptes = {"Utilisateurs": User.objects.count()}
    comptes.update({libelle: model.objects.count() for libelle, model in MODELES})
    return comptes


def resume(resultat: Resultat) -> str:
    lignes = []
    if resultat.population_creee:
        lignes.append(f"Données de démonstration créées en {resultat.duree:.1f} s.")
    else:
        lignes.append(
            "La population de démonstration existait déjà : programmes, partenaires et comptes "
            f"mis à jour, rien d'autre n'a été ajouté ({resultat.duree:.1f} s)."
        )
    lignes.append("")
    comptes = compter()
    largeur = max(len(x) for x in [*comptes, *Parrainage.Statut.labels])
    lignes += [f"  {libelle:<{largeur}}  {n:>6}" for libelle, n in comptes.items()]
    par_statut = dict(
        Parrainage.objects.values_list("statut").annotate(n=Count("pk")).order_by("statut")
    )
    lignes.append("")
    lignes.append("Parrainages par statut :")
    lignes += [
        f"  {statut.label:<{largeur}}  {par_statut.get(statut.value, 0):>6}"
        for statut in Parrainage.Statut
    ]
    site = settings.SITE_URL
    lignes += ["", f"Comptes de démonstration (mot de passe : {settings.DEMO_PASSWORD}) :"]
    largeur_role = max(len(role) for role, _email, _chemin in LOGINS)
    for role, email, chemin in LOGINS:
        lignes.append(f"  {role:<{largeur_role}} {email:<32} {site}{chemin}")
    lignes.append(
        "Le personnel ne voit que les programmes et les territoires de sa structure : la ville "
        "(gestionnaire), l'équipe nationale de NQT et ses équipes régionales, la Mission locale "
        "Haute-Garonne (animateur, Profession-emploi seulement) ; l'administrateur voit tout."
    )
    lignes.append(
        "L'équipe règle sa double authentification (application TOTP) à sa première visite "
        "de /admin/."
    )
    return "\n".join(lignes)
