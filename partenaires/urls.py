from django.urls import path

from . import views

app_name = "partenaires"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("prescrire/", views.prescrire, name="prescrire"),
]
