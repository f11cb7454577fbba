"""Reads for the staff follow-up page: stalled pairs, overdue surveys, recent reminders.

``parrainages`` and ``destinataires``: the pairs and the accounts the staff member sees (their
perimeter, ``mentorat/perimetre.py``); all of them when not given."""

import datetime as dt

from django.db import connection
from django.db.models import (
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from mentorat.models import Envoi

from .models import Parrainage, Sortie
from .models.parrainage import Forme


def _en_jours(champ: str) -> ExpressionWrapper:
    """A number of days held in an integer column, as a duration to add to a date. SQLite keeps
    durations as integers of microseconds and cannot multiply an interval."""
    if connection.vendor == "postgresql":
        unite = Value(dt.timedelta(days=1))
    else:
        unite = Value(24 * 3600 * 10**6)
    return ExpressionWrapper(F(champ) * unite, output_field=DurationField())


def _depuis():
    """The day of the pair's last meeting held, or else of its start."""
    return Coalesce(
        TruncDate("derniere_rencontre_le", tzinfo=timezone.get_current_timezone()), "date_debut"
    )


# What the page shows of a pair (its names, programme, dates), and nothing else: the
# programme's row alone has some seventy columns, read again for each of the 600 rows.
COLONNES_LUES = (
    "programme_id",
    "parrain_id",
    "filleul_id",
    "statut",
    "date_debut",
    "date_fin",
    "derniere_rencontre_le",
    "programme__nom",
    "parrain__user_id",
    "parrain__entreprise",
    "parrain__user__first_name",
    "parrain__user__last_name",
    "parrain__user__email",
    "filleul__user_id",
    "filleul__user__first_name",
    "filleul__user__last_name",
    "filleul__user__email",
)


def _lues(choisies, *ordre, **annotations):
    """The pairs ``choisies`` (a sliced, ordered query of their keys on the pairs' table),
    read with what the page shows of them (programme, mentor, mentee), in ``ordre``.

    One query: ``WHERE id IN (SELECT id … ORDER BY … LIMIT 200)``. The rows are chosen and
    sorted on the pairs' table in the subquery; the accounts are joined for the rows kept
    only (joining them first made the database join every pair it sorted), in the columns the
    page shows (``COLONNES_LUES``)."""
    return (
        Parrainage.objects.select_related("programme", "parrain__user", "filleul__user")
        .only(*COLONNES_LUES)
        .filter(pk__in=choisies)
        .annotate(**annotations)
        .order_by(*ordre)
    )


def _en_panne(aujourd_hui, limite, parrainages):
    """The stalled pairs, in order: see ``binomes_en_panne``."""
    # Stalled on ``depuis + delay <= aujourd_hui``, the delay read on each row's programme.
    delai = _en_jours("programme__relance_sans_rencontre_jours")
    choisies = (
        parrainages.filter(statut=Parrainage.Statut.ACTIF, forme=Forme.REGULIER)
        .annotate(depuis=_depuis())
        .annotate(echeance=ExpressionWrapper(F("depuis") + delai, output_field=DateField()))
        .filter(echeance__lte=aujourd_hui)
        .order_by("depuis", "pk")
        .values("pk")[:limite]
    )
    lignes = list(_lues(choisies, "depuis", "pk", depuis=_depuis()))
    for p in lignes:
        p.jours_sans_rencontre = (aujourd_hui - p.depuis).days
    return lignes


def _sans_enquete(aujourd_hui, limite, parrainages):
    """The ended pairs without their end outcome, or without the six-month one when due, in
    order."""
    fin = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.FIN)
    six = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.SIX_MOIS)
    termines = parrainages.filter(
        statut__in=[Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU]
    )
    sans_fin = termines.filter(~Exists(fin)).order_by("date_fin", "pk")
    sans_six = termines.filter(
        ~Exists(six), date_fin__lte=aujourd_hui - dt.timedelta(days=183)
    ).order_by("date_fin", "pk")
    return (
        list(_lues(sans_fin.values("pk")[:limite], "date_fin", "pk")),
        list(_lues(sans_six.values("pk")[:limite], "date_fin", "pk")),
    )


def suivi(aujourd_hui=None, limite=200, parrainages=None, enquetes=True):
    """The three lists of pairs of the follow-up page, one query each: stalled pairs
    (``binomes_en_panne``), then ended pairs without their end outcome and without their
    six-month one when due (``enquetes=False``: the first list only).

    Each list is chosen and sorted on the pairs' table alone (the last meeting held is on the
    pair, ``derniere_rencontre_le``, kept by the database on every write of a meeting), its
    rows joined to their accounts afterwards (``_lues``). Looking up the last meeting of every
    active pair, and joining the accounts before sorting, made the database join every active
    pair of the country (2.8 s on national data).
    """
    aujourd_hui = aujourd_hui or timezone.localdate()
    parrainages = Parrainage.objects.all() if parrainages is None else parrainages
    en_panne = _en_panne(aujourd_hui, limite, parrainages)
    sans_fin, sans_six = _sans_enquete(aujourd_hui, limite, parrainages) if enquetes else ([], [])
    return en_panne, sans_fin, sans_six


def binomes_en_panne(aujourd_hui=None, limite=200, parrainages=None):
    """Active regular pairs with no logged meeting for their programme's delay, the longest
    silent first (the ``limite`` of them). The rule is the work queue's
    (``file_de_travail``), in the database: the day of the last meeting held, or else the
    start, is the programme's delay ago or more. The pairs are read in the columns the
    follow-up page shows (``COLONNES_LUES``): another field costs a query per pair."""
    return suivi(aujourd_hui, limite, parrainages, enquetes=False)[0]


def _envois(destinataires):
    if destinataires is None:
        return Envoi.objects.all()
    return Envoi.objects.filter(destinataire__in=destinataires.values("pk"))


def derniers_envois(limite=50, destinataires=None):
    return list(
        _envois(destinataires)
        .select_related("destinataire")
        .order_by(F("envoye_le").desc(nulls_last=True))[:limite]
    )


def envois_en_echec(limite=50, destinataires=None):
    return list(
        _envois(destinataires).filter(statut=Envoi.Statut.ECHEC).order_by("-created_at")[:limite]
    )
