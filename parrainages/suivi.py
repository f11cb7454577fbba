"""Reads for the staff follow-up page: stalled pairs, overdue surveys, recent reminders.

``parrainages`` and ``destinataires``: the pairs and the accounts the staff member sees (their
perimeter, ``mentorat/perimetre.py``); all of them when not given."""

import datetime as dt

from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from mentorat.models import Envoi

from .models import Parrainage, Rencontre, Sortie
from .models.parrainage import Forme


def binomes_en_panne(aujourd_hui=None, limite=200, parrainages=None):
    """Active regular pairs with no logged meeting for their programme's delay."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    parrainages = Parrainage.objects.all() if parrainages is None else parrainages
    qs = (
        parrainages.filter(statut=Parrainage.Statut.ACTIF, forme=Forme.REGULIER)
        .annotate(
            derniere=Max("rencontres__debut", filter=Q(rencontres__statut=Rencontre.Statut.TENUE))
        )
        .select_related("programme", "parrain__user", "filleul__user")
    )
    lignes = []
    for p in qs.order_by("programme__nom", "pk").iterator(chunk_size=500):
        depuis = timezone.localtime(p.derniere).date() if p.derniere else p.date_debut
        if depuis and (aujourd_hui - depuis).days >= p.programme.relance_sans_rencontre_jours:
            p.jours_sans_rencontre = (aujourd_hui - depuis).days
            lignes.append(p)
            if len(lignes) >= limite:
                break
    return sorted(lignes, key=lambda p: -p.jours_sans_rencontre)


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
