"""The staff member's work queue, on the admin's home page: per programme of their perimeter,
what waits for them, each count a link to the list that holds those rows.

One grouped count per kind of work (a fixed number of queries whatever the number of
programmes), each limited to the staff member's perimeter (``dans_le_perimetre``: their
programmes, and the people of their territory). The links open the admin's own lists with
their filters: what the count says is what the list shows.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from mentorat.admin_perimetre import dans_le_perimetre
from mentorat.horaires import debut_du_jour
from programmes.models import Programme

from .models import (
    Candidature,
    Charte,
    Immersion,
    Parrainage,
    PointEtape,
    SessionSelection,
    Sortie,
)
from .models.parrainage import Forme
from .selection import INVITABLES

# A charter not signed by everyone after this many days is chased by staff.
CHARTE_EN_ATTENTE_JOURS = 7
# The six-month outcome is due this long after the end of a pair (as the follow-up page).
SIX_MOIS_JOURS = 183


@dataclass
class Tache:
    libelle: str
    nombre: int
    url: str
    permission: str  # the one its list asks


@dataclass
class LigneDeTravail:
    programme: Programme
    taches: list[Tache] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(t.nombre for t in self.taches)


def _liste(nom: str, **filtres) -> str:
    return f"{reverse(f'admin:parrainages_{nom}_changelist')}?{urlencode(filtres)}"


def _par_programme(queryset, chemin: str, compte=None) -> dict[int, int]:
    return dict(
        queryset.order_by()
        .values_list(chemin)
        .annotate(n=compte or Count("pk"))
        .values_list(chemin, "n")
    )


def file_de_travail(request, *, aujourd_hui: dt.date | None = None) -> list[LigneDeTravail]:
    """One line per programme of the perimeter that has something waiting (the programmes
    with nothing to do are left out), the most loaded first."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    programmes = {
        p.pk: p
        for p in dans_le_perimetre(request, Programme.objects.all()).only(
            "pk", "nom", "slug", "relance_sans_rencontre_jours"
        )
    }
    if not programmes:
        return []
    ids = sorted(programmes)

    def perimetre(queryset):
        return dans_le_perimetre(request, queryset)

    S = Candidature.Statut
    a_etudier = _par_programme(
        perimetre(
            Candidature.objects.filter(programme__in=ids, statut__in=[S.DEPOSEE, S.EN_ETUDE])
        ),
        "programme",
    )

    # Candidates to invite: the programme's next selection session the staff member sees (a
    # session belongs to its place's territory), and the applications its page offers to
    # invite (``candidatures_invitables``: invitable, not in that session yet).
    prochaines = {}
    sessions = perimetre(
        SessionSelection.objects.filter(
            programme__in=ids, statut=SessionSelection.Statut.PREVUE, date_debut__gte=aujourd_hui
        )
    )
    for session in sessions.order_by("-date_debut", "-pk"):
        prochaines[session.programme_id] = session  # the earliest one wins
    a_inviter = {}
    if prochaines:
        # An application is of one programme: its programme's next session is the only one of
        # these it can be in.
        a_inviter = _par_programme(
            perimetre(
                Candidature.objects.filter(
                    programme__in=sorted(prochaines), statut__in=INVITABLES
                ).exclude(participations_selection__session__in=list(prochaines.values()))
            ),
            "programme",
        )

    propositions = _par_programme(
        perimetre(
            Parrainage.objects.filter(programme__in=ids, statut=Parrainage.Statut.PROPOSITION)
        ),
        "programme",
        # A mentee's options (up to three) are one decision for staff.
        Count("filleul", distinct=True),
    )

    limite_charte = aujourd_hui - dt.timedelta(days=CHARTE_EN_ATTENTE_JOURS)
    chartes = _par_programme(
        perimetre(
            Charte.objects.filter(
                parrainage__programme__in=ids,
                statut=Charte.Statut.A_SIGNER,
                emise_le__lt=debut_du_jour(limite_charte),
            )
        ),
        "parrainage__programme",
    )

    immersions = _par_programme(
        perimetre(
            Immersion.objects.filter(
                parrainage__programme__in=ids, statut=Immersion.Statut.A_VALIDER
            )
        ),
        "parrainage__programme",
    )

    # Stalled pairs (the follow-up page's rule): active regular pairs with no meeting held for
    # their programme's delay; one count per distinct delay.
    en_panne: dict[int, int] = {}
    par_delai = defaultdict(list)
    for p in programmes.values():
        par_delai[p.relance_sans_rencontre_jours].append(p.pk)
    for delai, programmes_du_delai in sorted(par_delai.items()):
        # Stalled: the last meeting held (or else the start) is ``delai`` days ago or more. The
        # last meeting held is on the pair (``derniere_rencontre_le``, kept by the database).
        depuis = aujourd_hui - dt.timedelta(days=delai)
        recente = debut_du_jour(depuis + dt.timedelta(days=1))
        en_panne.update(
            _par_programme(
                perimetre(
                    Parrainage.objects.filter(
                        programme__in=programmes_du_delai,
                        statut=Parrainage.Statut.ACTIF,
                        forme=Forme.REGULIER,
                    ).filter(
                        Q(derniere_rencontre_le__lt=recente)
                        | Q(derniere_rencontre_le__isnull=True, date_debut__lte=depuis)
                    )
                ),
                "programme",
            )
        )

    # Outcomes missing: an ended pair without its end outcome, or without its six-month one
    # once due (the follow-up page's rule).
    fin = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.FIN)
    six = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.SIX_MOIS)
    termines = Parrainage.objects.filter(
        programme__in=ids, statut__in=[Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU]
    )
    sorties = _par_programme(
        perimetre(
            termines.filter(~Exists(fin))
            | termines.filter(
                ~Exists(six), date_fin__lte=aujourd_hui - dt.timedelta(days=SIX_MOIS_JOURS)
            )
        ),
        "programme",
    )

    # Check-ins asking for the team (a score of 2 or less, a request to talk), not handled.
    points_etape = _par_programme(
        perimetre(PointEtape.objects.a_traiter().filter(parrainage__programme__in=ids)),
        "parrainage__programme",
    )

    suivi = reverse("admin:parrainages_parrainage_suivi")
    lignes = []
    for pk, programme in programmes.items():
        taches = [
            Tache(
                "Candidatures à étudier",
                a_etudier.get(pk, 0),
                _liste(
                    "candidature",
                    programme__id__exact=pk,
                    statut__in=f"{S.DEPOSEE},{S.EN_ETUDE}",
                ),
                "parrainages.view_candidature",
            ),
            Tache(
                "Candidats à inviter à la sélection",
                a_inviter.get(pk, 0),
                reverse("admin:parrainages_sessionselection_fiche", args=[prochaines[pk].pk])
                if pk in prochaines
                else "",
                "parrainages.view_sessionselection",
            ),
            Tache(
                "Propositions de binômes à confirmer",
                propositions.get(pk, 0),
                _liste(
                    "parrainage",
                    programme__id__exact=pk,
                    statut__exact=Parrainage.Statut.PROPOSITION,
                ),
                "parrainages.view_parrainage",
            ),
            Tache(
                f"Chartes en attente de signature depuis plus de {CHARTE_EN_ATTENTE_JOURS} jours",
                chartes.get(pk, 0),
                _liste(
                    "charte",
                    parrainage__programme__id__exact=pk,
                    statut__exact=Charte.Statut.A_SIGNER,
                    emise_le__lt=debut_du_jour(limite_charte).isoformat(),
                ),
                "parrainages.view_charte",
            ),
            Tache(
                "Immersions à valider",
                immersions.get(pk, 0),
                _liste(
                    "immersion",
                    parrainage__programme__id__exact=pk,
                    statut__exact=Immersion.Statut.A_VALIDER,
                ),
                "parrainages.view_immersion",
            ),
            Tache(
                "Binômes sans rencontre",
                en_panne.get(pk, 0),
                f"{suivi}#en-panne",
                "parrainages.view_parrainage",
            ),
            Tache(
                "Points d'étape à traiter (note basse ou demande de contact)",
                points_etape.get(pk, 0),
                _liste("pointetape", parrainage__programme__id__exact=pk, a_traiter="1"),
                "parrainages.view_pointetape",
            ),
            Tache(
                "Situations de sortie à recueillir",
                sorties.get(pk, 0),
                f"{suivi}#sorties",
                "parrainages.view_parrainage",
            ),
        ]
        # A count whose list would answer 403 to this staff member is not shown.
        visibles = [t for t in taches if t.nombre and request.user.has_perm(t.permission)]
        ligne = LigneDeTravail(programme, visibles)
        if ligne.taches:
            lignes.append(ligne)
    return sorted(lignes, key=lambda ligne: (-ligne.total, ligne.programme.nom))
