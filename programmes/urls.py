from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("programmes/<slug:slug>/", views.detail, name="detail"),
    path("communes/recherche/", views.communes_recherche, name="communes_recherche"),
]
