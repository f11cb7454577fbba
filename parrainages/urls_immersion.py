from django.urls import path

from .views import immersion

urlpatterns = [
    path("verifier/<uuid:uuid>/", immersion.immersion_verifier, name="immersion_verifier"),
    path("bilan/<str:jeton>/", immersion.immersion_bilan, name="immersion_bilan"),
    path("<uuid:uuid>/", immersion.immersion_ouvrir, name="immersion_ouvrir"),
]
