"""Reads for the staff follow-up page: stalled pairs, overdue surveys, recent reminders.

``parrainages`` and ``destinataires``: the pairs and the accounts the staff member sees (their
perimeter, ``mentorat/perimetre.py``); all of them when not given."""

import datetime as dt
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Ligne:
    """A pair as the follow-up page shows it: its names, programme and dates, read as values.

    Six model instances a row (the pair, its programme, mentor, mentee and their accounts),
    600 rows a page, were most of the page's time once its lists were read on indexes (70 to
    85 ms of 100 to 130 on national data). ``str()`` names the pair as ``Parrainage`` does,
    ``parrain_nom`` and ``filleul_nom`` are the people's full names (empty when unknown)."""

    pk: int
    programme: str
    parrain_nom: str
    parrain: str
    filleul_nom: str
    filleul: str
    date_fin: dt.date | None
    depuis: dt.date | None = None
    jours_sans_rencontre: int | None = None

    def __str__(self):
        return f"{self.parrain} × {self.filleul} ({self.programme})"


# What the page shows of a pair, in this order (``_ligne``).
COLONNES_LUES = (
    "pk",
    "programme__nom",
    "parrain__user_id",
    "parrain__user__first_name",
    "parrain__user__last_name",
    "parrain__entreprise",
    "filleul_id",
    "filleul__user_id",
    "filleul__user__first_name",
    "filleul__user__last_name",
    "filleul__user__email",
    "date_fin",
)


def _ligne(valeurs, depuis=None, aujourd_hui=None) -> Ligne:
    """A ``Ligne`` from the values of ``COLONNES_LUES``: the names as ``Parrain`` and
    ``Filleul`` give them (``__str__``), an erased account's as they say it."""
    (pk, programme, parrain_user, p_prenom, p_nom, entreprise) = valeurs[:6]
    (filleul_id, filleul_user, f_prenom, f_nom, f_email, date_fin) = valeurs[6:]
    parrain_nom = f"{p_prenom} {p_nom}".strip() if parrain_user else ""
    parrain = parrain_nom if parrain_user else "Parrain anonymisé"
    if entreprise:
        parrain = f"{parrain} ({entreprise})"
    filleul_nom = f"{f_prenom} {f_nom}".strip() if filleul_user else ""
    filleul = (filleul_nom or f_email) if filleul_user else f"Filleul anonymisé n° {filleul_id}"
    return Ligne(
        pk=pk,
        programme=programme,
        parrain_nom=parrain_nom,
        parrain=parrain,
        filleul_nom=filleul_nom,
        filleul=filleul,
        date_fin=date_fin,
        depuis=depuis,
        jours_sans_rencontre=(aujourd_hui - depuis).days if depuis is not None else None,
    )


def _lues(choisies, *ordre, **annotations):
    """The pairs ``choisies`` (a sliced, ordered query of their keys on the pairs' table),
    read with what the page shows of them (programme, mentor, mentee), in ``ordre``, as
    values (``COLONNES_LUES``, then the ``annotations``).

    One query: ``WHERE id IN (SELECT id … ORDER BY … LIMIT 200)``. The rows are chosen and
    sorted on the pairs' table in the subquery; the accounts are joined for the rows kept
    only (joining them first made the database join every pair it sorted)."""
    return (
        Parrainage.objects.filter(pk__in=choisies)
        .annotate(**annotations)
        .order_by(*ordre)
        .values_list(*COLONNES_LUES, *annotations)
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
    return [
        _ligne(v[:-1], depuis=v[-1], aujourd_hui=aujourd_hui)
        for v in _lues(choisies, "depuis", "pk", depuis=_depuis())
    ]


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
        [_ligne(v) for v in _lues(sans_fin.values("pk")[:limite], "date_fin", "pk")],
        [_ligne(v) for v in _lues(sans_six.values("pk")[:limite], "date_fin", "pk")],
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
    start, is the programme's delay ago or more. The pairs come as the follow-up page shows
    them (``Ligne``)."""
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
