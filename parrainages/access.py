"""Scoping of what a signed-in person may see: other people's objects answer 404."""

from django.db.models import Q
from django.http import Http404

from programmes.models import Programme

from . import extensions
from .models import Filleul, Parrain, Parrainage, Rencontre

# The profiles read together with the signed-in account and its session (mentorat.sessions,
# registered by apps.py): a page of the mentee's or the mentor's space starts from them without
# a query of its own.
RELATIONS_DU_COMPTE = ("filleul__commune", "filleul__etablissement__commune", "parrain")


def _profil_lu(user, nom):
    """``(True, profile or None)`` when the account's profile ``nom`` was read with it (its
    session's query), ``(False, None)`` otherwise."""
    lus = user._state.fields_cache
    return (True, lus[nom]) if nom in lus else (False, None)


def filleul_of(user) -> Filleul | None:
    if not user.is_authenticated:
        return None
    lu, filleul = _profil_lu(user, "filleul")
    if lu:
        return filleul
    filleul = (
        Filleul.objects.select_related("commune", "etablissement__commune")
        .filter(user=user)
        .first()
    )
    if filleul is not None:
        filleul.user = user  # the account already read (its export and pages name it)
    return filleul


def parrain_of(user) -> Parrain | None:
    if not user.is_authenticated:
        return None
    lu, parrain = _profil_lu(user, "parrain")
    return parrain if lu else Parrain.objects.filter(user=user).first()


def candidature_for_user(user, pk):
    filleul = filleul_of(user)
    if filleul is None:
        raise Http404
    candidature = filleul.candidatures.filter(pk=pk).first()
    if candidature is None:
        raise Http404
    return candidature


def parrainage_du_filleul(user, pk, *statuts) -> Parrainage:
    """One of the mentee's own pairs (in the given statuses), 404 otherwise."""
    qs = Parrainage.objects.select_related("programme", "parrain__user").filter(filleul__user=user)
    if statuts:
        qs = qs.filter(statut__in=statuts)
    parrainage = qs.filter(pk=pk).first() if user.is_authenticated else None
    if parrainage is None:
        raise Http404
    return parrainage


def rencontre_du_filleul(user, pk) -> Rencontre:
    """A meeting of one of the mentee's pairs, 404 otherwise."""
    rencontre = (
        Rencontre.objects.select_related("parrainage__programme", "parrainage__parrain__user")
        .select_related("parrainage__filleul__user")
        .filter(pk=pk, parrainage__filleul__user=user)
        .first()
        if user.is_authenticated
        else None
    )
    if rencontre is None:
        raise Http404
    return rencontre


def roles_du_compte(user) -> set[str]:
    """The roles of this app ``user`` holds, as the sign-in providers weigh them
    (mentorat.connexion)."""
    trouves = set()
    if Filleul.objects.filter(user=user).exists():
        trouves.add("filleul")
    if Parrain.objects.filter(user=user).exists():
        trouves.add("parrain")
    return trouves


def a_un_autre_role(user) -> bool:
    """Staff, mentors and partner members have their own spaces, not a mentee's."""
    return user.is_staff or parrain_of(user) is not None or extensions.espace(user) is not None


# The pairs that make a mentor part of a programme: proposed to them, running or ended (not a
# draft staff have not sent, nor one declined, expired or cancelled).
STATUTS_DU_PARRAIN_DANS_LE_PROGRAMME = (
    Parrainage.Statut.ATTENTE_PARRAIN,
    Parrainage.Statut.ACTIF,
    Parrainage.Statut.TERMINE,
    Parrainage.Statut.INTERROMPU,
)


def programmes_du_parrain(parrain):
    """The programmes a mentor takes part in: those their profile is registered for and those
    of their pairs. What they read of a programme (its resources) stops there."""
    return Programme.objects.filter(
        Q(pk__in=parrain.programmes.values("pk"))
        | Q(
            pk__in=Parrainage.objects.filter(
                parrain=parrain, statut__in=STATUTS_DU_PARRAIN_DANS_LE_PROGRAMME
            ).values("programme_id")
        )
    )
