"""Scoping of what a signed-in person may see: other people's objects answer 404."""

from django.http import Http404

from . import extensions
from .models import Filleul, Parrain


def filleul_of(user) -> Filleul | None:
    if not user.is_authenticated:
        return None
    return (
        Filleul.objects.select_related("commune", "etablissement__commune")
        .filter(user=user)
        .first()
    )


def parrain_of(user) -> Parrain | None:
    if not user.is_authenticated:
        return None
    return Parrain.objects.filter(user=user).first()


def candidature_for_user(user, pk):
    filleul = filleul_of(user)
    if filleul is None:
        raise Http404
    candidature = filleul.candidatures.filter(pk=pk).first()
    if candidature is None:
        raise Http404
    return candidature


def a_un_autre_role(user) -> bool:
    """Staff, mentors and partner members have their own spaces, not a mentee's."""
    return (
        user.is_staff
        or Parrain.objects.filter(user=user).exists()
        or extensions.espace(user) is not None
    )
