"""Bulk synthetic data for benchmarks (``manage.py seed_scale``).

Every synthetic person has an account whose e-mail ends with ``@synthetique.mentorat.test``:
that suffix is the one mark of synthetic data, and ``synthetic_data_delete`` removes exactly
what hangs from those accounts. Each call to ``synthetic_data_create`` adds a new batch ("lot")
numbered after the existing ones; the same seed on the same lot number gives the same data.

Rows are streamed from generators and written in batches: ``COPY … FROM STDIN`` through
psycopg 3 on PostgreSQL, ``bulk_create`` elsewhere (SQLite). Only small per-person arrays and
the plan of the pairs are held in memory, never the meetings.
"""

import datetime as dt
import itertools
import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from mentorat.territoires import DEPARTEMENT_NOMS, REGION_DE_DEPARTEMENT, REGION_NOMS
from parrainages.models import (
    Candidature,
    Filleul,
    Parrain,
    Parrainage,
    Rencontre,
    Sortie,
    Theme,
    add_months,
)
from programmes.models import (
    Commune,
    Disponibilite,
    Forme,
    NiveauDiplome,
    Programme,
    Secteur,
    Situation,
    Structure,
)

DOMAINE = "synthetique.mentorat.test"
SUFFIXE_EMAIL = f"@{DOMAINE}"
PROGRAMME_SLUG = "national-echelle"
PROGRAMME_NOM = "Programme national (données synthétiques)"

# Big-city centres: (name, département, latitude, longitude, weight ≈ size of the job market).
CENTRES = [
    ("Paris", "75", 48.857, 2.352, 10.0),
    ("Saint-Denis", "93", 48.936, 2.357, 3.0),
    ("Nanterre", "92", 48.892, 2.207, 3.0),
    ("Créteil", "94", 48.790, 2.455, 2.5),
    ("Versailles", "78", 48.805, 2.120, 2.0),
    ("Évry-Courcouronnes", "91", 48.629, 2.441, 1.5),
    ("Cergy", "95", 49.036, 2.076, 1.5),
    ("Lyon", "69", 45.764, 4.836, 4.0),
    ("Marseille", "13", 43.296, 5.370, 3.5),
    ("Aix-en-Provence", "13", 43.529, 5.447, 1.0),
    ("Toulouse", "31", 43.605, 1.444, 3.0),
    ("Nice", "06", 43.710, 7.262, 2.0),
    ("Nantes", "44", 47.218, -1.554, 2.5),
    ("Montpellier", "34", 43.611, 3.877, 2.0),
    ("Strasbourg", "67", 48.573, 7.752, 2.0),
    ("Bordeaux", "33", 44.838, -0.579, 2.5),
    ("Lille", "59", 50.629, 3.057, 3.0),
    ("Rennes", "35", 48.117, -1.678, 1.8),
    ("Reims", "51", 49.258, 4.032, 1.0),
    ("Toulon", "83", 43.124, 5.928, 1.2),
    ("Saint-Étienne", "42", 45.440, 4.387, 1.0),
    ("Le Havre", "76", 49.494, 0.108, 0.8),
    ("Rouen", "76", 49.443, 1.099, 1.2),
    ("Grenoble", "38", 45.188, 5.724, 1.5),
    ("Dijon", "21", 47.322, 5.041, 1.0),
    ("Angers", "49", 47.478, -0.563, 1.0),
    ("Nîmes", "30", 43.837, 4.360, 0.8),
    ("Clermont-Ferrand", "63", 45.778, 3.087, 1.2),
    ("Le Mans", "72", 48.006, 0.199, 0.8),
    ("Brest", "29", 48.390, -4.486, 0.8),
    ("Tours", "37", 47.394, 0.685, 1.0),
    ("Amiens", "80", 49.894, 2.296, 0.8),
    ("Limoges", "87", 45.834, 1.261, 0.7),
    ("Perpignan", "66", 42.699, 2.895, 0.7),
    ("Metz", "57", 49.120, 6.176, 1.0),
    ("Besançon", "25", 47.238, 6.024, 0.7),
    ("Orléans", "45", 47.903, 1.909, 0.9),
    ("Caen", "14", 49.182, -0.370, 0.9),
]
# The other metropolitan départements' préfectures, smaller job markets: with the big cities,
# the synthetic communes cover the 96 départements of the 13 metropolitan regions, so that a
# national programme's regional teams each have their share (mentorat/territoires.py).
PREFECTURES = [
    ("Bourg-en-Bresse", "01", 46.205, 5.226),
    ("Laon", "02", 49.564, 3.620),
    ("Moulins", "03", 46.566, 3.333),
    ("Digne-les-Bains", "04", 44.092, 6.236),
    ("Gap", "05", 44.559, 6.079),
    ("Privas", "07", 44.735, 4.599),
    ("Charleville-Mézières", "08", 49.773, 4.720),
    ("Foix", "09", 42.965, 1.607),
    ("Troyes", "10", 48.297, 4.074),
    ("Carcassonne", "11", 43.213, 2.351),
    ("Rodez", "12", 44.350, 2.575),
    ("Aurillac", "15", 44.927, 2.440),
    ("Angoulême", "16", 45.649, 0.156),
    ("La Rochelle", "17", 46.160, -1.151),
    ("Bourges", "18", 47.081, 2.399),
    ("Tulle", "19", 45.267, 1.771),
    ("Ajaccio", "2A", 41.919, 8.738),
    ("Bastia", "2B", 42.697, 9.451),
    ("Saint-Brieuc", "22", 48.514, -2.765),
    ("Guéret", "23", 46.171, 1.871),
    ("Périgueux", "24", 45.184, 0.721),
    ("Valence", "26", 44.933, 4.892),
    ("Évreux", "27", 49.024, 1.151),
    ("Chartres", "28", 48.446, 1.489),
    ("Auch", "32", 43.646, 0.586),
    ("Châteauroux", "36", 46.811, 1.691),
    ("Lons-le-Saunier", "39", 46.675, 5.555),
    ("Mont-de-Marsan", "40", 43.890, -0.500),
    ("Blois", "41", 47.586, 1.335),
    ("Le Puy-en-Velay", "43", 45.043, 3.885),
    ("Cahors", "46", 44.448, 1.441),
    ("Agen", "47", 44.203, 0.616),
    ("Mende", "48", 44.518, 3.500),
    ("Saint-Lô", "50", 49.116, -1.091),
    ("Chaumont", "52", 48.111, 5.139),
    ("Laval", "53", 48.073, -0.770),
    ("Nancy", "54", 48.692, 6.184),
    ("Bar-le-Duc", "55", 48.773, 5.160),
    ("Vannes", "56", 47.658, -2.760),
    ("Nevers", "58", 46.990, 3.159),
    ("Beauvais", "60", 49.430, 2.081),
    ("Alençon", "61", 48.432, 0.091),
    ("Arras", "62", 50.291, 2.777),
    ("Pau", "64", 43.295, -0.371),
    ("Tarbes", "65", 43.233, 0.078),
    ("Colmar", "68", 48.079, 7.358),
    ("Vesoul", "70", 47.620, 6.155),
    ("Mâcon", "71", 46.307, 4.828),
    ("Chambéry", "73", 45.564, 5.918),
    ("Annecy", "74", 45.899, 6.129),
    ("Melun", "77", 48.540, 2.660),
    ("Niort", "79", 46.323, -0.464),
    ("Albi", "81", 43.929, 2.148),
    ("Montauban", "82", 44.018, 1.355),
    ("Avignon", "84", 43.949, 4.806),
    ("La Roche-sur-Yon", "85", 46.670, -1.426),
    ("Poitiers", "86", 46.580, 0.340),
    ("Épinal", "88", 48.172, 6.449),
    ("Auxerre", "89", 47.798, 3.567),
    ("Belfort", "90", 47.638, 6.863),
]
POIDS_PREFECTURE = 0.4
CENTRES += [(nom, dep, lat, lon, POIDS_PREFECTURE) for nom, dep, lat, lon in PREFECTURES]
DEPARTEMENTS_PREFECTURES = frozenset(dep for _nom, dep, _lat, _lon in PREFECTURES)
REGIONS_METROPOLITAINES = sorted({REGION_DE_DEPARTEMENT[dep] for _n, dep, *_ in CENTRES})
COMMUNES_DENSES_PAR_CENTRE = 12
COMMUNES_RURALES_PAR_CENTRE = 12
# A préfecture's area: fewer communes than a big city's.
COMMUNES_PAR_PREFECTURE = 8

# Share of each status among the pairs; ``actif`` takes the rest.
PARTS_STATUTS = [
    (Parrainage.Statut.TERMINE, 0.14),
    (Parrainage.Statut.INTERROMPU, 0.03),
    (Parrainage.Statut.PROPOSITION, 0.03),
    (Parrainage.Statut.ATTENTE_PARRAIN, 0.04),
    (Parrainage.Statut.DECLINE, 0.04),
    (Parrainage.Statut.EXPIRE, 0.01),
]
STATUTS_OUVERTS = frozenset(Parrainage.STATUTS_OUVERTS)
STATUTS_FORMES = frozenset(Parrainage.STATUTS_FORMES)

PRENOMS = (  # noqa: SIM905 - a compact word list reads better than 52 lines
    "Camille Léa Manon Chloé Inès Sarah Emma Jade Louise Lina Aïcha Fatou Mariam Yasmine "
    "Nadia Sophie Julie Claire Nathalie Isabelle Sandrine Céline Amandine Elodie Laura Salomé "
    "Lucas Hugo Nathan Louis Gabriel Adam Mohamed Karim Yanis Mehdi Thomas Nicolas Julien "
    "Antoine Maxime Kevin David Olivier Stéphane Mamadou Moussa Théo Enzo Rayan Samuel Paul"
).split()
NOMS = (  # noqa: SIM905
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Diallo Traoré Benali Haddad Nguyen Fernandes Ferreira Cissé Kone Mendy Bouzid Meziane "
    "Lopez Martinez Sanchez Rossi Caron Lemaire Renaud Brun Marchand Barbier Arnaud Giraud"
).split()
PREFIXES_ENTREPRISE = [
    "Groupe",
    "Ateliers",
    "Transports",
    "Cabinet",
    "Laboratoires",
    "Hôtels",
    "Maison",
    "Société",
    "Établissements",
    "Banque",
    "Clinique",
    "Services",
]
SUFFIXES_ENTREPRISE = ["", " SA", " SAS", " & Associés", " Industrie", " Conseil", " Logistique"]
FONCTIONS = [
    "Directrice des ressources humaines",
    "Directeur des ressources humaines",
    "Responsable recrutement",
    "Chargée de recrutement",
    "Responsable RH",
    "DRH adjoint",
    "Directrice d'agence",
    "Chef d'entreprise",
    "Responsable formation",
    "Manager d'équipe",
    "Responsable diversité et inclusion",
    "Cheffe de projet RH",
]
SUJETS = [
    "Préparation d'entretien",
    "Relecture du CV",
    "Point sur les candidatures",
    "Présentation de mon réseau",
    "Projet professionnel",
    "Visite de l'entreprise",
    "Conseils de formation",
    "Bilan à mi-parcours",
    "Simulation d'entretien",
]
MOTIFS_DECLIN = [
    "Pas de disponibilité dans les prochaines semaines.",
    "Profil trop éloigné de mon secteur.",
    "Distance trop importante.",
]
MOTIFS_INTERRUPTION = ["Perte de contact.", "Déménagement du filleul.", "Raisons personnelles."]
OBJECTIFS = [
    "",
    "Préparer les entretiens et élargir le réseau professionnel.",
    "Construire le projet professionnel et cibler les entreprises.",
    "Trouver une formation qualifiante puis un emploi durable.",
]
TYPES_SORTIE_FIN = [
    (Sortie.Type.CDI, 20),
    (Sortie.Type.CDD_LONG, 15),
    (Sortie.Type.CDD_COURT, 14),
    (Sortie.Type.INTERIM_LONG, 5),
    (Sortie.Type.ALTERNANCE, 10),
    (Sortie.Type.FORMATION, 15),
    (Sortie.Type.CREATION, 3),
    (Sortie.Type.AUCUNE, 18),
]
CAPACITES = [(1, 15), (2, 25), (3, 30), (4, 15), (5, 15)]
STATUTS_PARRAIN = [
    (Parrain.Statut.ACTIF, 92),
    (Parrain.Statut.PAUSE, 5),
    (Parrain.Statut.A_VALIDER, 3),
]
PARRAINS_APPARIABLES = frozenset({Parrain.Statut.ACTIF, Parrain.Statut.PAUSE})
NIVEAUX = [
    (NiveauDiplome.AUCUN, 10),
    (NiveauDiplome.BREVET, 8),
    (NiveauDiplome.CAP_BEP, 17),
    (NiveauDiplome.BAC, 25),
    (NiveauDiplome.BAC_2, 15),
    (NiveauDiplome.BAC_3, 13),
    (NiveauDiplome.BAC_5, 11),
    (NiveauDiplome.BAC_8, 1),
]
SITUATIONS_ADULTE = [
    (Situation.DEMANDEUR_EMPLOI, 55),
    (Situation.MISSION_LOCALE, 15),
    (Situation.JEUNE_DIPLOME, 10),
    (Situation.ETUDIANT, 5),
    (Situation.SALARIE, 8),
    (Situation.SANS_ACTIVITE, 7),
]
SITUATIONS_JEUNE = [
    (Situation.ELEVE_3E_REP, 30),
    (Situation.MISSION_LOCALE, 50),
    (Situation.ETUDIANT, 20),
]
QPV = [
    (Filleul.StatutQPV.NON, 68),
    (Filleul.StatutQPV.DECLARE, 12),
    (Filleul.StatutQPV.CONFIRME, 18),
    (Filleul.StatutQPV.INFIRME, 2),
]


class ScaleError(Exception):
    """Options that cannot be honoured; the message is French and meant for the user."""


@dataclass
class ScaleResult:
    lot: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def synthetic_data_create(
    *,
    mentees: int = 1000,
    mentors: int = 300,
    pairs: int | None = None,
    meetings: int | None = None,
    programme_slug: str = PROGRAMME_SLUG,
    seed: int = 1,
    batch_size: int = 5000,
    reset: bool = False,
    log: Callable[[str], None] = print,
) -> ScaleResult:
    """Create a batch of synthetic mentees, mentors, pairs and meetings in one transaction."""
    if min(mentees, mentors) < 0 or (pairs or 0) < 0 or (meetings or 0) < 0:
        raise ScaleError("Les nombres demandés doivent être positifs.")
    if batch_size < 1:
        raise ScaleError("--batch-size doit valoir au moins 1.")
    started = time.monotonic()
    if reset:
        # Its own transaction: the foreign-key checks of a big DELETE, deferred to the commit,
        # would otherwise pile up with those of the load.
        synthetic_data_delete(log=log)
    with transaction.atomic():
        step = time.monotonic()
        _lift_statement_timeout()
        programme = _programme(programme_slug)
        if programme.slug == PROGRAMME_SLUG:
            structures_synthetiques(programme)
        lot = _next_lot()
        plan = _Plan(
            lot=lot, seed=seed, programme=programme, mentees=mentees, mentors=mentors, log=log
        )
        plan.plan_pairs(pairs)
        plan.plan_meetings(meetings)
        result = ScaleResult(lot=lot)
        log(
            f"Lot synthétique n° {lot} (graine {seed}) dans « {programme.nom} » : "
            f"{_n(mentees)} filleuls, {_n(mentors)} parrains, {_n(len(plan.pairs))} parrainages, "
            f"{_n(plan.meetings_total)} rencontres."
        )
        log(f"  préparation (communes, tirages, binômes) : {_since(step)}")
        writer = _Writer(batch_size=batch_size, now=plan.now, log=log)
        user = get_user_model()
        writer.write("utilisateurs", user, _USER_COLUMNS, plan.user_rows())
        result.counts["parrains"] = writer.write(
            "parrains", Parrain, _PARRAIN_COLUMNS, plan.parrain_rows()
        )
        result.counts["filleuls"] = writer.write(
            "filleuls", Filleul, _FILLEUL_COLUMNS, plan.filleul_rows()
        )
        secteurs_p = Parrain.secteurs.through
        writer.write(
            "secteurs des parrains",
            secteurs_p,
            ("parrain_id", "secteur_id"),
            plan.parrain_secteur_rows(),
        )
        programmes_p = Parrain.programmes.through
        writer.write(
            "programmes des parrains",
            programmes_p,
            ("parrain_id", "programme_id"),
            ((pid, programme.pk) for pid in plan.parrain_ids),
        )
        secteurs_f = Filleul.secteurs_souhaites.through
        writer.write(
            "secteurs souhaités",
            secteurs_f,
            ("filleul_id", "secteur_id"),
            plan.filleul_secteur_rows(),
        )
        writer.write("candidatures", Candidature, _CANDIDATURE_COLUMNS, plan.candidature_rows())
        result.counts["parrainages"] = writer.write(
            "parrainages", Parrainage, _PARRAINAGE_COLUMNS, plan.parrainage_rows()
        )
        result.counts["rencontres"] = writer.write(
            "rencontres", Rencontre, _RENCONTRE_COLUMNS, plan.rencontre_rows()
        )
        writer.write("sorties", Sortie, _SORTIE_COLUMNS, plan.sortie_rows())
        step = time.monotonic()
    # Deferred foreign keys are checked here, at commit.
    log(f"  validation de la transaction : {_since(step)}")
    if connection.vendor == "postgresql":
        step = time.monotonic()
        _analyze(writer.models)
        log(f"  ANALYZE des tables : {_since(step)}")
    result.seconds = time.monotonic() - started
    return result


def synthetic_data_delete(*, log: Callable[[str], None] = print) -> int:
    """Delete every synthetic account and what hangs from it, with set-based SQL.

    Pairs involving a synthetic person go first, then the people, then the accounts; below
    each of them, dependent rows are found from the models' relations (so rows added by other
    apps are handled too): cascaded and protected ones are deleted, SET_NULL ones cleared.
    """
    started = time.monotonic()
    user = get_user_model()
    synthetic_users = user._base_manager.filter(email__endswith=SUFFIXE_EMAIL)
    roots = [
        Parrainage._base_manager.filter(
            Q(filleul__user__in=synthetic_users) | Q(parrain__user__in=synthetic_users)
        ),
        Filleul._base_manager.filter(user__in=synthetic_users),
        Parrain._base_manager.filter(user__in=synthetic_users),
        synthetic_users,
    ]
    deleted: dict[type[models.Model], int] = defaultdict(int)
    with transaction.atomic(), connection.cursor() as cursor:
        _lift_statement_timeout()
        for queryset in roots:
            sql, params = queryset.values("pk").order_by().query.sql_with_params()
            _purge(cursor, queryset.model, sql, list(params), deleted, depth=0)
    total = sum(deleted.values())
    if total:
        detail = ", ".join(
            f"{_n(count)} {_label(model)}" for model, count in deleted.items() if count
        )
        log(
            f"Données synthétiques supprimées en {format_duration(time.monotonic() - started)} : "
            f"{detail}."
        )
    else:
        log("Aucune donnée synthétique à supprimer.")
    return total


def format_duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s".replace(".", ",")
    minutes, secs = divmod(round(seconds), 60)
    if not minutes:
        return f"{secs} s"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min {secs} s"
    return f"{hours} h {minutes} min {secs} s"


def _lift_statement_timeout():
    """Bulk work: one statement may rightly outlast the web requests' statement_timeout."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")


def _since(start: float) -> str:
    return format_duration(time.monotonic() - start)


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _label(model) -> str:
    if model._meta.auto_created:
        return f"liens {model._meta.db_table}"
    return str(model._meta.verbose_name_plural)


def _purge(cursor, model, pk_sql: str, params: list, deleted: dict, *, depth: int):
    """Delete the rows of ``model`` whose pk is in ``pk_sql``, dependent rows first."""
    if depth > 8:
        raise ScaleError(
            f"Relations trop profondes sous {model._meta.label} : suppression refusée."
        )
    qn = connection.ops.quote_name
    for relation in get_candidate_relations_to_delete(model._meta):
        related, fk = relation.related_model, relation.field
        if not related._meta.managed:
            continue
        on_delete = fk.remote_field.on_delete
        table, column = qn(related._meta.db_table), qn(fk.column)
        if related is model and fk.null:
            # A row pointing to another of the same table (a renewed immersion convention):
            # unlinked first, the rows themselves go with their own parents.
            cursor.execute(
                f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({pk_sql})", params
            )
        elif on_delete in (models.CASCADE, models.PROTECT, models.RESTRICT):
            child_sql = (
                f"SELECT {qn(related._meta.pk.column)} FROM {table} WHERE {column} IN ({pk_sql})"
            )
            _purge(cursor, related, child_sql, params, deleted, depth=depth + 1)
        elif on_delete in (models.SET_NULL, models.SET_DEFAULT):
            value = None if on_delete is models.SET_NULL else fk.get_default()
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE {column} IN ({pk_sql})", [value, *params]
            )
        elif on_delete is not models.DO_NOTHING:
            raise ScaleError(
                f"Suppression non prise en charge pour {related._meta.label}.{fk.name}."
            )
    cursor.execute(
        f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} IN ({pk_sql})",
        params,
    )
    deleted[model] += max(cursor.rowcount, 0)


def _programme(slug: str) -> Programme:
    programme = Programme.objects.filter(slug=slug).first()
    if programme:
        return programme
    if slug != PROGRAMME_SLUG:
        raise ScaleError(f"Programme « {slug} » introuvable.")
    today = timezone.localdate()
    return Programme.objects.create(
        slug=PROGRAMME_SLUG,
        nom=PROGRAMME_NOM,
        porteur="Données synthétiques pour les essais de charge",
        accroche="Programme fictif à l'échelle nationale, pour mesurer les performances.",
        description="Parrains, filleuls, parrainages et rencontres générés par seed_scale.",
        public_vise="Demandeurs d'emploi et jeunes de tout le territoire (fictifs).",
        statut=Programme.Statut.OUVERT,
        date_debut=today - dt.timedelta(days=450),
        cible_binomes=200_000,
        offre_reguliere=True,
        offre_ponctuelle=True,
        offre_immersion=True,
    )


EQUIPE_NATIONALE = "Programme national synthétique — équipe nationale"


def nom_equipe_regionale(region: str) -> str:
    return f"Programme national synthétique — {REGION_NOMS[region]}"


def structures_synthetiques(programme) -> dict[str, Structure]:
    """The synthetic national programme's national team and one regional team for each of
    the 13 metropolitan regions (idempotent): the staff the load test and the benchmarks
    place in them see the whole programme, or one region of it."""
    nationale, _ = Structure.objects.get_or_create(
        nom=EQUIPE_NATIONALE, defaults={"type": Structure.Type.NATIONALE}
    )
    nationale.programmes.add(programme)
    equipes = {"": nationale}
    for region in REGIONS_METROPOLITAINES:
        equipe, _ = Structure.objects.get_or_create(
            nom=nom_equipe_regionale(region),
            defaults={"type": Structure.Type.REGIONALE, "parent": nationale, "region": region},
        )
        equipe.programmes.add(programme)
        equipes[region] = equipe
    return equipes


def _email(role: str, lot: int, number: int) -> str:
    return f"{role}-{lot}-{number}{SUFFIXE_EMAIL}"


def _next_lot() -> int:
    user = get_user_model()
    lot = 1
    while user._base_manager.filter(
        email__in=[_email("filleul", lot, 1), _email("parrain", lot, 1)]
    ).exists():
        lot += 1
    return lot


def _analyze(models_written):
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_written:
            cursor.execute(f"ANALYZE {qn(model._meta.db_table)}")


# --- Communes ---------------------------------------------------------------------------------


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    """Equirectangular approximation: plenty for weighting and zoning."""
    x = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * 111.32
    y = (lat2 - lat1) * 110.57
    return math.hypot(x, y)


def _synthetic_communes() -> list[Commune]:
    rng = random.Random("communes-synthetiques")
    per_departement: dict[str, int] = defaultdict(int)
    communes = []
    for nom, dep, lat, lon, _weight in CENTRES:
        assert dep in DEPARTEMENT_NOMS, dep
        prefecture = dep in DEPARTEMENTS_PREFECTURES
        denses = COMMUNES_PAR_PREFECTURE // 2 if prefecture else COMMUNES_DENSES_PAR_CENTRE
        total = COMMUNES_PAR_PREFECTURE if prefecture else denses + COMMUNES_RURALES_PAR_CENTRE
        for i in range(total):
            dense = i < denses
            spread = 0.07 if dense else 0.45
            if i == 0:
                c_lat, c_lon = lat, lon
            else:
                c_lat = min(51.1, max(41.3, rng.gauss(lat, spread)))
                c_lon = rng.gauss(lon, spread / math.cos(math.radians(lat)))
                c_lon = min(9.6, max(-5.2, c_lon))
            number = per_departement[dep]
            per_departement[dep] += 1
            # "<dép>S<nn>": never a real INSEE code (those are all digits after the département).
            communes.append(
                Commune(
                    code_insee=f"{dep}S{number:02d}",
                    nom=f"{nom} {i + 1:02d} (synthétique)" if i else f"{nom} (synthétique)",
                    code_postal=f"{dep}{number:03d}",
                    codes_postaux=f"{dep}{number:03d}",
                    departement=dep,
                    latitude=round(c_lat, 5),
                    longitude=round(c_lon, 5),
                )
            )
    return communes


def _communes_with_weights() -> tuple[list[int], list[float], list[int]]:
    """Commune ids with coordinates, cumulative weights (dense near big cities), zone of each."""
    located = Commune.objects.filter(latitude__isnull=False, longitude__isnull=False)
    synthetiques = _synthetic_communes()
    presentes = Commune.objects.filter(code_insee__in=[c.code_insee for c in synthetiques])
    if presentes.count() < len(synthetiques):
        # Also beside real communes (the demo's sample): the national data then spans every
        # metropolitan département, not only the sample's.
        Commune.objects.bulk_create(synthetiques, ignore_conflicts=True)
    rows = list(located.order_by("pk").values_list("pk", "latitude", "longitude"))
    ids, cumulative, zones = [], [], []
    total = 0.0
    for pk, lat, lon in rows:
        distance, zone = min(
            (_distance_km(lat, lon, c_lat, c_lon), index)
            for index, (_nom, _dep, c_lat, c_lon, _poids) in enumerate(CENTRES)
        )
        total += 1.0 + 40.0 * CENTRES[zone][4] * math.exp(-distance / 20.0)
        ids.append(pk)
        cumulative.append(total)
        zones.append(zone)
    return ids, cumulative, zones


# --- Plan and rows ----------------------------------------------------------------------------


def _weighted(rng: random.Random, table, k: int) -> list:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights, k=k)


@dataclass(slots=True)
class _Pair:
    """A planned pair. Dates are day ordinals, or counts of days before today (``*_days``)."""

    id: int
    mentee: int  # index among this batch's mentees
    mentor: int | None  # index among this batch's mentors
    statut: str
    forme: str = Forme.REGULIER
    proposed_days: int = 0
    sent_days: int | None = None
    answered_days: int | None = None
    start: int | None = None
    planned_end: int | None = None
    end: int | None = None


class _Plan:
    """What to create: small per-person arrays, the pairs, then row generators per table."""

    def __init__(self, *, lot, seed, programme, mentees, mentors, log):
        self.lot, self.seed, self.programme, self.log = lot, seed, programme, log
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.today_ord = self.today.toordinal()
        self.tz = timezone.get_current_timezone()
        self.n_mentees, self.n_mentors = mentees, mentors
        self.secteurs = list(Secteur.objects.order_by("code").values_list("pk", flat=True))
        self.secteur_labels = list(
            Secteur.objects.order_by("code").values_list("libelle", flat=True)
        )

        rng = self.rng("personnes")
        if mentees or mentors:
            self.commune_ids, cumulative, self.commune_zone = _communes_with_weights()
        else:
            self.commune_ids, cumulative, self.commune_zone = [], [], []
        positions = range(len(self.commune_ids))
        self.mentor_commune = (
            rng.choices(positions, cum_weights=cumulative, k=mentors) if mentors else []
        )
        self.mentor_capacity = _weighted(rng, CAPACITES, mentors)
        self.mentor_statut = _weighted(rng, STATUTS_PARRAIN, mentors)
        self.mentor_forms = []
        for _ in range(mentors):
            forms = [Forme.REGULIER] if rng.random() < 0.9 else []
            if rng.random() < 0.45:
                forms.append(Forme.PONCTUEL)
            if rng.random() < 0.3:
                forms.append(Forme.IMMERSION)
            self.mentor_forms.append(tuple(forms or [Forme.REGULIER]))
        self.mentee_commune = (
            rng.choices(positions, cum_weights=cumulative, k=mentees) if mentees else []
        )

        self.user_ids = _allocate_ids(get_user_model(), mentors + mentees)
        self.parrain_ids = _allocate_ids(Parrain, mentors)
        self.filleul_ids = _allocate_ids(Filleul, mentees)
        self.candidature_ids = _allocate_ids(Candidature, mentees)
        # Days before today each mentee signed up; set for paired mentees by plan_pairs.
        self.mentee_days: list[int | None] = [None] * mentees
        self.pairs: list[_Pair] = []
        self.meeting_counts: list[int] = []
        self.meetings_total = 0

        choices_dispo = Disponibilite.values
        pool_rng = self.rng("pools")
        self.dispo_pool = [
            tuple(
                sorted(
                    pool_rng.sample(choices_dispo, pool_rng.randint(2, 7)), key=choices_dispo.index
                )
            )
            for _ in range(256)
        ]
        self.theme_pool = [
            tuple(
                sorted(
                    pool_rng.sample(Theme.values, pool_rng.randint(1, 3)), key=Theme.values.index
                )
            )
            for _ in range(64)
        ]

    def rng(self, name: str) -> random.Random:
        """One independent stream per table: the output does not depend on writing order."""
        return random.Random(f"{self.seed}:{self.lot}:{name}")

    def at(self, days_ago: int, minute_of_day: int) -> dt.datetime:
        day = dt.date.fromordinal(self.today_ord - days_ago)
        moment = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)
        return min(moment + dt.timedelta(minutes=minute_of_day), self.now)

    # Pairs ----------------------------------------------------------------------------------

    def _status_counts(self, n_pairs: int) -> dict[str, int]:
        counts = {statut: int(n_pairs * share) for statut, share in PARTS_STATUTS}
        counts[Parrainage.Statut.ACTIF] = n_pairs - sum(counts.values())
        return counts

    def _open(self, n_pairs: int) -> int:
        counts = self._status_counts(n_pairs)
        return sum(counts.get(s, 0) for s in STATUTS_OUVERTS)

    def plan_pairs(self, requested: int | None):
        capacity = sum(
            cap
            for cap, statut in zip(self.mentor_capacity, self.mentor_statut, strict=True)
            if statut in PARRAINS_APPARIABLES
        )
        if requested is None:
            n_pairs = self.n_mentees * 3 // 4
            low, high = 0, n_pairs
            while low < high:  # the largest number of pairs whose open ones fit the capacity
                middle = (low + high + 1) // 2
                low, high = (middle, high) if self._open(middle) <= capacity else (low, middle - 1)
            n_pairs = low
        else:
            n_pairs = requested
            if n_pairs > self.n_mentees:
                raise ScaleError(
                    f"{_n(n_pairs)} parrainages demandés pour {_n(self.n_mentees)} filleuls : "
                    "un filleul n'a qu'un parrainage dans ce jeu de données."
                )
            if self._open(n_pairs) > capacity:
                raise ScaleError(
                    f"{_n(n_pairs)} parrainages demandés, dont {_n(self._open(n_pairs))} en cours, "
                    f"mais les parrains n'ont que {_n(capacity)} places : "
                    "ajoutez des parrains ou demandez moins de parrainages."
                )
        if not n_pairs:
            return
        rng = self.rng("parrainages")
        statuses = [s for s, count in self._status_counts(n_pairs).items() for _ in range(count)]
        rng.shuffle(statuses)
        mentees = rng.sample(range(self.n_mentees), n_pairs)

        slots_by_zone: dict[int, list[int]] = defaultdict(list)
        mentors_by_zone: dict[int, list[int]] = defaultdict(list)
        pairable = []
        for mentor, (cap, statut) in enumerate(
            zip(self.mentor_capacity, self.mentor_statut, strict=True)
        ):
            if statut in PARRAINS_APPARIABLES:
                zone = self.commune_zone[self.mentor_commune[mentor]]
                slots_by_zone[zone].extend([mentor] * cap)
                mentors_by_zone[zone].append(mentor)
                pairable.append(mentor)
        for zone in sorted(slots_by_zone):
            rng.shuffle(slots_by_zone[zone])

        pair_ids = _allocate_ids(Parrainage, n_pairs)
        waiting = []  # open pairs with no slot left in their zone: any mentor with room
        for index, (mentee, statut) in enumerate(zip(mentees, statuses, strict=True)):
            zone = self.commune_zone[self.mentee_commune[mentee]]
            mentor = None
            if statut in STATUTS_OUVERTS:
                if slots_by_zone[zone]:
                    mentor = slots_by_zone[zone].pop()
                else:
                    waiting.append(index)
            else:
                mentor = rng.choice(mentors_by_zone.get(zone) or pairable)
            self.pairs.append(
                _Pair(id=pair_ids[index], mentee=mentee, mentor=mentor, statut=statut)
            )
        spare = [m for zone in sorted(slots_by_zone) for m in slots_by_zone[zone]]
        rng.shuffle(spare)
        for index in waiting:
            self.pairs[index].mentor = spare.pop()

        for pair in self.pairs:
            self._set_dates(rng, pair)
            # Signed up (and applied) some time before being proposed a mentor.
            self.mentee_days[pair.mentee] = pair.proposed_days + rng.randint(10, 60)
            forms = self.mentor_forms[pair.mentor]
            weights = [{"regulier": 70, "ponctuel": 20, "immersion": 10}[f] for f in forms]
            pair.forme = rng.choices(forms, weights=weights)[0]

    def _set_dates(self, rng, pair: _Pair):
        S = Parrainage.Statut
        statut = pair.statut
        sent = answered = start = planned = end = None
        if statut in STATUTS_FORMES:
            if statut == S.ACTIF:
                start_days = rng.randint(0, 180)
            elif statut == S.TERMINE:
                start_days = rng.randint(185, 365)
            else:
                start_days = rng.randint(30, 365)
            proposed = start_days + rng.randint(3, 20)
            sent, answered = proposed - 1, start_days
            start = self.today_ord - start_days
            planned = add_months(dt.date.fromordinal(start), 6).toordinal()
            if statut == S.TERMINE:
                end = min(planned + rng.randint(-15, 10), self.today_ord)
            elif statut == S.INTERROMPU:
                end = start + rng.randint(14, min(150, start_days))
        elif statut in (S.DECLINE, S.EXPIRE):
            proposed = rng.randint(15, 365)
            sent = proposed - 1
            if statut == S.DECLINE:
                answered = sent - rng.randint(1, 6)
        elif statut == S.ATTENTE_PARRAIN:
            proposed = rng.randint(1, 14)
            sent = proposed - 1
        else:
            proposed = rng.randint(0, 10)
        pair.proposed_days, pair.sent_days, pair.answered_days = proposed, sent, answered
        pair.start, pair.planned_end, pair.end = start, planned, end

    def plan_meetings(self, requested: int | None):
        total = len(self.pairs) * 20 // 3 if requested is None else requested
        formed = [i for i, pair in enumerate(self.pairs) if pair.statut in STATUTS_FORMES]
        self.meeting_counts = [0] * len(self.pairs)
        self.meetings_total = total
        if not total:
            return
        if not formed:
            raise ScaleError(
                "Impossible de créer des rencontres sans parrainage en cours ou terminé : "
                "demandez plus de parrainages ou --meetings 0."
            )
        rng = self.rng("rencontres-repartition")
        # Meetings in proportion to the time each pair has run, with some jitter; exact total.
        weights = [self._meeting_span(self.pairs[i])[1] * rng.uniform(0.5, 1.5) for i in formed]
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        missing = total - sum(counts)
        order = list(range(len(formed)))
        rng.shuffle(order)
        for k in range(missing):
            counts[order[k % len(order)]] += 1
        for i, count in zip(formed, counts, strict=True):
            self.meeting_counts[i] = count

    def _meeting_span(self, pair: _Pair) -> tuple[int, int]:
        """First day and number of days of a pair's meetings: until its end or a month ahead."""
        last = pair.end if pair.end is not None else self.today_ord + 30
        return pair.start, last - pair.start + 1

    # Rows -----------------------------------------------------------------------------------

    def user_rows(self) -> Iterator[tuple]:
        rng = self.rng("utilisateurs")
        password = make_password(None)  # unusable, computed once
        people = itertools.chain(
            (("parrain", n) for n in range(self.n_mentors)),
            (("filleul", n) for n in range(self.n_mentees)),
        )
        for user_id, (role, n) in zip(self.user_ids, people, strict=True):
            days = self._mentor_days(n) if role == "parrain" else self._mentee_days(n)
            yield (
                user_id,
                password,
                rng.choice(PRENOMS),
                rng.choice(NOMS),
                _email(role, self.lot, n + 1),
                self.at(days, rng.randint(8 * 60, 21 * 60)),
            )

    # Sign-up days are a function of the person's number, so that the account row and the
    # profile row agree without keeping a list; 7919 (a prime) scatters consecutive numbers.
    def _mentor_days(self, n: int) -> int:
        return 400 + (n * 7919) % 400

    def _mentee_days(self, n: int) -> int:
        days = self.mentee_days[n]
        return days if days is not None else (n * 7919) % 366

    def parrain_rows(self) -> Iterator[tuple]:
        rng = self.rng("parrains")
        for n, parrain_id in enumerate(self.parrain_ids):
            forms = self.mentor_forms[n]
            statut = self.mentor_statut[n]
            created = self.at(self._mentor_days(n), rng.randint(8 * 60, 19 * 60))
            entreprise = (
                f"{rng.choice(PREFIXES_ENTREPRISE)} {rng.choice(NOMS)}"
                f"{rng.choice(SUFFIXES_ENTREPRISE)}"
            )
            yield (
                parrain_id,
                self.user_ids[n],
                entreprise,
                rng.choice(FONCTIONS),
                Forme.REGULIER in forms,
                Forme.PONCTUEL in forms,
                Forme.IMMERSION in forms,
                self.mentor_capacity[n],
                rng.choice(self.dispo_pool),
                self.commune_ids[self.mentor_commune[n]],
                rng.random() < 0.7,
                rng.randint(3, 35),
                statut,
                None
                if statut == Parrain.Statut.A_VALIDER
                else created + dt.timedelta(days=rng.randint(2, 20)),
                created,
            )

    def filleul_rows(self) -> Iterator[tuple]:
        rng = self.rng("filleuls")
        sources = Filleul.Source.values
        for n, filleul_id in enumerate(self.filleul_ids):
            age = rng.choices((16, 18, 26, 31), weights=(6, 45, 25, 24))[0]
            age += {
                16: rng.randint(0, 1),
                18: rng.randint(0, 7),
                26: rng.randint(0, 4),
                31: rng.randint(0, 29),
            }[age]
            birth = add_months(self.today, -12 * age).toordinal() - rng.randint(0, 364)
            situation = _weighted(rng, SITUATIONS_JEUNE if age < 18 else SITUATIONS_ADULTE, 1)[0]
            niveau = NiveauDiplome.BREVET if age < 18 else _weighted(rng, NIVEAUX, 1)[0]
            created = self.at(self._mentee_days(n), rng.randint(8 * 60, 22 * 60))
            inscrit = identifiant = None
            if situation == Situation.DEMANDEUR_EMPLOI:
                inscrit = created.date() - dt.timedelta(
                    days=rng.randint(0, min(1000, (age - 16) * 365))
                )
                if rng.random() < 0.6:
                    identifiant = f"{rng.randrange(10**7):07d}{rng.choice('ABCDEFGHJK0123')}"
            yield (
                filleul_id,
                self.user_ids[self.n_mentors + n],
                dt.date.fromordinal(birth),
                self.commune_ids[self.mentee_commune[n]],
                _weighted(rng, QPV, 1)[0],
                niveau,
                situation,
                inscrit,
                identifiant or "",
                rng.choice(self.dispo_pool),
                rng.choice((5, 10, 10, 15, 20, 30, 50)),
                rng.choice(sources),
                "2025-01",
                created,
                created,
            )

    def parrain_secteur_rows(self) -> Iterator[tuple]:
        yield from self._secteur_rows(self.rng("secteurs-parrains"), self.parrain_ids, (1, 3))

    def filleul_secteur_rows(self) -> Iterator[tuple]:
        yield from self._secteur_rows(self.rng("secteurs-filleuls"), self.filleul_ids, (1, 3))

    def _secteur_rows(self, rng, owner_ids: Iterable[int], bounds) -> Iterator[tuple]:
        if not self.secteurs:
            return
        for owner in owner_ids:
            for secteur in rng.sample(self.secteurs, min(rng.randint(*bounds), len(self.secteurs))):
                yield owner, secteur

    def candidature_rows(self) -> Iterator[tuple]:
        rng = self.rng("candidatures")
        C = Candidature.Statut
        unpaired = [
            (C.RETENUE, 70),
            (C.DEPOSEE, 10),
            (C.EN_ETUDE, 10),
            (C.REFUSEE, 7),
            (C.DESISTEE, 3),
        ]
        proposal_days = {pair.mentee: pair.proposed_days for pair in self.pairs}
        for n, candidature_id in enumerate(self.candidature_ids):
            days = self._mentee_days(n) - rng.randint(0, 3)
            if n in proposal_days:
                statut = C.RETENUE
                decided_days = (
                    proposal_days[n] + 1 + rng.randrange(max(1, days - proposal_days[n] - 1))
                )
            else:
                statut = _weighted(rng, unpaired, 1)[0]
                decided_days = max(0, days - rng.randint(1, 30))
            days = max(days, 0)
            decided = statut not in (C.DEPOSEE,)
            yield (
                candidature_id,
                self.filleul_ids[n],
                self.programme.pk,
                statut,
                Candidature.Source.PRESCRIPTION
                if rng.random() < 0.3
                else Candidature.Source.EN_LIGNE,
                statut != C.REFUSEE,
                "Profil hors du public visé." if statut == C.REFUSEE else "",
                self.at(decided_days, rng.randint(9 * 60, 18 * 60)) if decided else None,
                self.at(days, rng.randint(8 * 60, 22 * 60)),
            )

    def parrainage_rows(self) -> Iterator[tuple]:
        rng = self.rng("parrainages-lignes")
        S = Parrainage.Statut
        labels = self.secteur_labels or ["Secteur d'activité"]
        for pair in self.pairs:
            statut, start, planned, end = pair.statut, pair.start, pair.planned_end, pair.end
            sent, answered = pair.sent_days, pair.answered_days
            reasons = (
                f"Secteur commun : {rng.choice(labels)}",
                f"Distance : {rng.randint(1, 40)} km",
            )
            yield (
                pair.id,
                self.programme.pk,
                self.parrain_ids[pair.mentor],
                self.filleul_ids[pair.mentee],
                self.candidature_ids[pair.mentee],
                pair.forme,
                statut,
                round(rng.uniform(0.35, 0.98), 3),
                reasons[: rng.randint(1, 2)],
                self.at(pair.proposed_days, rng.randint(9 * 60, 18 * 60)),
                None if sent is None else self.at(sent, rng.randint(9 * 60, 18 * 60)),
                None if answered is None else self.at(answered, rng.randint(9 * 60, 20 * 60)),
                rng.choice(MOTIFS_DECLIN) if statut == S.DECLINE else "",
                None if start is None else dt.date.fromordinal(start),
                None if planned is None else dt.date.fromordinal(planned),
                None if end is None else dt.date.fromordinal(end),
                {
                    S.TERMINE: "Fin de la période prévue.",
                    S.INTERROMPU: rng.choice(MOTIFS_INTERRUPTION),
                }.get(statut, ""),
                rng.choice(OBJECTIFS) if start is not None else "",
            )

    def rencontre_rows(self) -> Iterator[tuple]:
        rng = self.rng("rencontres")
        R = Rencontre.Statut
        modalites = Rencontre.Modalite
        past_statuses, past_weights = (R.TENUE, R.ANNULEE, R.PREVUE), (89, 7, 4)
        midnight = {}
        for pair, count in zip(self.pairs, self.meeting_counts, strict=True):
            if not count:
                continue
            start, span = self._meeting_span(pair)
            pris = set()  # a pair meets once at a given instant (a database constraint)
            for _ in range(count):
                day = start + rng.randrange(span)
                base = midnight.get(day)
                if base is None:
                    base = midnight[day] = dt.datetime.combine(
                        dt.date.fromordinal(day), dt.time(), tzinfo=self.tz
                    )
                debut = base + dt.timedelta(minutes=rng.randrange(8 * 60, 20 * 60, 30))
                while debut in pris:
                    debut += dt.timedelta(minutes=30)
                pris.add(debut)
                if debut < self.now:
                    statut = rng.choices(past_statuses, weights=past_weights)[0]
                else:
                    statut = R.PREVUE
                draw = rng.random()
                if draw < 0.6:
                    modalite, lieu, lien = modalites.PRESENTIEL, "Locaux de l'entreprise", ""
                elif draw < 0.9:
                    modalite, lieu = modalites.VISIO, ""
                    lien = f"https://visio.{DOMAINE}/{pair.id}"
                else:
                    modalite, lieu, lien = modalites.TELEPHONE, "", ""
                held = statut == R.TENUE
                yield (
                    pair.id,
                    debut,
                    rng.choice((30, 45, 60, 60, 60, 90, 120)),
                    modalite,
                    lieu,
                    lien,
                    rng.choice(SUJETS),
                    statut,
                    rng.choice(self.theme_pool) if held else (),
                    "Échange constructif, prochaines étapes fixées." if held and draw < 0.2 else "",
                )

    def sortie_rows(self) -> Iterator[tuple]:
        rng = self.rng("sorties")
        S = Parrainage.Statut
        sources = Sortie.Source.values
        for pair in self.pairs:
            statut, end = pair.statut, pair.end
            if statut not in (S.TERMINE, S.INTERROMPU) or rng.random() >= 0.85:
                continue
            if statut == S.INTERROMPU:
                kind = rng.choice((Sortie.Type.ABANDON, Sortie.Type.ABANDON, Sortie.Type.AUCUNE))
            else:
                kind = _weighted(rng, TYPES_SORTIE_FIN, 1)[0]
            employer = (
                f"{rng.choice(PREFIXES_ENTREPRISE)} {rng.choice(NOMS)}"
                if kind
                in (
                    Sortie.Type.CDI,
                    Sortie.Type.CDD_LONG,
                    Sortie.Type.CDD_COURT,
                    Sortie.Type.INTERIM_LONG,
                    Sortie.Type.ALTERNANCE,
                )
                else ""
            )
            yield (
                pair.id,
                Sortie.Moment.FIN,
                kind,
                dt.date.fromordinal(end),
                employer,
                (rng.choice(sources)),
            )
            if end + 182 <= self.today_ord and rng.random() < 0.6:
                keep = kind != Sortie.Type.ABANDON and rng.random() < 0.6
                later = kind if keep else _weighted(rng, TYPES_SORTIE_FIN, 1)[0]
                yield (
                    pair.id,
                    Sortie.Moment.SIX_MOIS,
                    later,
                    dt.date.fromordinal(end + 182),
                    (employer if later == kind else ""),
                    Sortie.Source.ENQUETE,
                )


_USER_COLUMNS = ("id", "password", "first_name", "last_name", "email", "date_joined")
_PARRAIN_COLUMNS = (
    "id",
    "user_id",
    "entreprise",
    "fonction",
    "offre_reguliere",
    "offre_ponctuelle",
    "offre_immersion",
    "capacite",
    "disponibilites",
    "commune_id",
    "distanciel_accepte",
    "annees_experience",
    "statut",
    "valide_le",
    "created_at",
)
_FILLEUL_COLUMNS = (
    "id",
    "user_id",
    "date_naissance",
    "commune_id",
    "qpv",
    "niveau_diplome",
    "situation",
    "inscrit_france_travail_depuis",
    "identifiant_france_travail",
    "disponibilites",
    "mobilite_km",
    "source",
    "consentement_version",
    "consentement_le",
    "created_at",
)
_CANDIDATURE_COLUMNS = (
    "id",
    "filleul_id",
    "programme_id",
    "statut",
    "source",
    "eligible",
    "motif_refus",
    "decidee_le",
    "created_at",
)
_PARRAINAGE_COLUMNS = (
    "id",
    "programme_id",
    "parrain_id",
    "filleul_id",
    "candidature_id",
    "forme",
    "statut",
    "score",
    "raisons",
    "propose_le",
    "envoye_le",
    "repondu_le",
    "motif_declin",
    "date_debut",
    "date_fin_prevue",
    "date_fin",
    "motif_fin",
    "objectifs",
)
_RENCONTRE_COLUMNS = (
    "parrainage_id",
    "debut",
    "duree_minutes",
    "modalite",
    "lieu",
    "lien",
    "sujet",
    "statut",
    "themes",
    "compte_rendu",
)
_SORTIE_COLUMNS = ("parrainage_id", "moment", "type", "date", "employeur", "source")


# --- Writing ----------------------------------------------------------------------------------


def _allocate_ids(model, count: int):
    """Primary keys reserved for ``count`` new rows, so that rows can point at each other."""
    if not count:
        return []
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(model._meta.db_table), pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
    start = (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    return range(start, start + count)


class _Writer:
    """Writes rows given for some columns, filling the others with their defaults."""

    def __init__(self, *, batch_size: int, now: dt.datetime, log):
        self.batch_size, self.now, self.log = batch_size, now, log
        self.models: list = []

    def write(self, label: str, model, attnames, rows: Iterable[tuple]) -> int:
        started = time.monotonic()
        opts = model._meta
        given = [opts.get_field(name) for name in attnames]
        given_names = {f.attname for f in given}
        tail_fields, tail = [], []
        for f in opts.concrete_fields:
            if f.attname in given_names or f.primary_key or f.db_default is not models.NOT_PROVIDED:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = self.now
            else:
                value = f.get_default()
                if value is None and not f.null:
                    raise ScaleError(f"{opts.label}.{f.name} n'a pas de valeur par défaut.")
            tail_fields.append(f)
            tail.append(value)
        if connection.vendor == "postgresql":
            count = self._copy(model, given + tail_fields, tuple(tail), rows)
        else:
            count = self._bulk_create(model, [f.attname for f in given], rows)
        self.models.append(model)
        self.log(f"  {label} : {_n(count)} en {format_duration(time.monotonic() - started)}")
        return count

    def _copy(self, model, fields, tail: tuple, rows) -> int:
        qn = connection.ops.quote_name
        json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        dumped: dict = {}

        def as_json(value):
            try:
                return dumped[value]
            except (KeyError, TypeError):
                text = json.dumps(list(value) if isinstance(value, tuple) else value)
                if isinstance(value, tuple | str | int):
                    dumped[value] = text
                return text

        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
        n_given = len(fields) - len(tail)
        tail = tuple(
            as_json(value) if isinstance(fields[n_given + i], models.JSONField) else value
            for i, value in enumerate(tail)
        )
        given_json = [i for i in json_positions if i < n_given]
        count = 0
        rows = iter(rows)
        with connection.cursor() as cursor, cursor.connection.cursor() as pg_cursor:
            while batch := list(itertools.islice(rows, self.batch_size)):
                with pg_cursor.copy(sql) as copy:
                    for row in batch:
                        if given_json:
                            row = list(row)
                            for i in given_json:
                                row[i] = as_json(row[i])
                        copy.write_row((*row, *tail))
                count += len(batch)
        return count

    def _bulk_create(self, model, attnames, rows) -> int:
        json_positions = [
            i
            for i, name in enumerate(attnames)
            if isinstance(model._meta.get_field(name), models.JSONField)
        ]
        count = 0
        rows = iter(rows)
        while batch := list(itertools.islice(rows, self.batch_size)):
            objs = []
            for row in batch:
                values = dict(zip(attnames, row, strict=True))
                for i in json_positions:
                    value = row[i]
                    values[attnames[i]] = list(value) if isinstance(value, tuple) else value
                objs.append(model(**values))
            model._base_manager.bulk_create(objs, batch_size=self.batch_size)
            count += len(objs)
        return count
