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
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from mentorat.models import Envoi

from .models import Parrainage, Rencontre, Sortie
from .models.parrainage import Forme


def _en_jours(champ: str) -> ExpressionWrapper:
    """A number of days held in an integer column, as a duration to add to a date. SQLite keeps
    durations as integers of microseconds and cannot multiply an interval."""
    if connection.vendor == "postgresql":
        unite = Value(dt.timedelta(days=1))
    else:
        unite = Value(24 * 3600 * 10**6)
    return ExpressionWrapper(F(champ) * unite, output_field=DurationField())


def binomes_en_panne(aujourd_hui=None, limite=200, parrainages=None):
    """Active regular pairs with no logged meeting for their programme's delay, the longest
    silent first (the ``limite`` of them).

    The rule is the work queue's (``file_de_travail``), in the database: the day of the last
    meeting held, or else the start, is the programme's delay ago or more. Each pair's last
    meeting is one read of the ``(parrainage, debut)`` index, ordered in the database, the
    first ``limite`` taken: no grouping of every meeting of every pair, no pass in Python.
    """
    aujourd_hui = aujourd_hui or timezone.localdate()
    parrainages = Parrainage.objects.all() if parrainages is None else parrainages
    tenue = Rencontre.objects.filter(parrainage=OuterRef("pk"), statut=Rencontre.Statut.TENUE)
    derniere = Subquery(tenue.order_by("-debut").values("debut")[:1])
    # Stalled on ``depuis + delay <= aujourd_hui``, the delay read on each row's programme.
    delai = _en_jours("programme__relance_sans_rencontre_jours")
    lignes = list(
        parrainages.filter(statut=Parrainage.Statut.ACTIF, forme=Forme.REGULIER)
        .annotate(derniere=derniere)
        .annotate(
            depuis=Coalesce(
                TruncDate("derniere", tzinfo=timezone.get_current_timezone()), "date_debut"
            )
        )
        .annotate(echeance=ExpressionWrapper(F("depuis") + delai, output_field=DateField()))
        .filter(echeance__lte=aujourd_hui)
        .select_related("programme", "parrain__user", "filleul__user")
        .order_by("depuis", "pk")[:limite]
    )
    for p in lignes:
        p.jours_sans_rencontre = (aujourd_hui - p.depuis).days
    return lignes


def enquetes_en_retard(aujourd_hui=None, limite=200, parrainages=None):
    """Ended pairs without their end outcome, or without the six-month one when due."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    fin = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.FIN)
    six = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.SIX_MOIS)
    parrainages = Parrainage.objects.all() if parrainages is None else parrainages
    termines = parrainages.filter(
        statut__in=[Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU]
    ).select_related("programme", "parrain__user", "filleul__user")
    sans_fin = termines.filter(~Exists(fin)).order_by("date_fin")[:limite]
    sans_six = termines.filter(
        ~Exists(six), date_fin__lte=aujourd_hui - dt.timedelta(days=183)
    ).order_by("date_fin")[:limite]
    return list(sans_fin), list(sans_six)


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
