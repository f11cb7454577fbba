"""URLs that fail on purpose, to see the error pages as users do."""

from django.core.exceptions import PermissionDenied
from django.urls import include, path


def refuse(request):
    raise PermissionDenied


def casse(request):
    raise RuntimeError("panne simulée")


urlpatterns = [
    path("refuse/", refuse),
    path("casse/", casse),
    path("", include("mentorat.urls")),
]
