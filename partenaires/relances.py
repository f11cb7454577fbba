"""The partners' reminder rule, planned and sent with the pairs' rules (``parrainages.relances``,
which this app's ``ready()`` gives it to): a monthly report is ready."""

import datetime as dt

from parrainages.relances import _envoi

from .models import Membre, PartieConvention, Rapport


def rapport_pret(maintenant):
    """A monthly report was produced this week: tell the active members of every party."""
    rapports = list(
        Rapport.objects.filter(
            statut=Rapport.Statut.PRET,
            automatique=True,
            genere_le__gte=maintenant - dt.timedelta(days=7),
        ).values(
            "pk",
            "convention_id",
            "convention__partenaire_id",
            "convention__titre",
            "periode_debut",
            "periode_fin",
        )
    )
    # Every party's members (the lead partner is a party), each told once per report.
    parties = {}
    for convention_id, partenaire_id in PartieConvention.objects.filter(
        convention__in={r["convention_id"] for r in rapports}
    ).values_list("convention_id", "partenaire_id"):
        parties.setdefault(convention_id, []).append(partenaire_id)
    membres = {}
    for m in Membre.objects.filter(
        actif=True, partenaire_id__in={p for ids in parties.values() for p in ids}
    ).values("partenaire_id", "user_id", "user__email"):
        membres.setdefault(m["partenaire_id"], []).append(m)
    envois = []
    for r in rapports:
        destinataires = {
            m["user_id"]: m
            for partenaire_id in parties.get(r["convention_id"], [])
            for m in membres.get(partenaire_id, [])
        }
        for m in destinataires.values():
            envois.append(
                _envoi(
                    "rapport_pret",
                    f"rapport_pret:{r['pk']}:{m['user_id']}",
                    m["user_id"],
                    m["user__email"],
                    "Le rapport mensuel de votre convention est disponible",
                    {
                        "convention": r["convention__titre"],
                        "debut": f"{r['periode_debut']:%d/%m/%Y}",
                        "fin": f"{r['periode_fin']:%d/%m/%Y}",
                    },
                    essentiel=False,
                )
            )
    return envois
