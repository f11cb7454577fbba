from django.urls import path

from .views import filleul, immersion

app_name = "filleul"

urlpatterns = [
    path("", filleul.tableau_de_bord, name="tableau_de_bord"),
    path("profil/<int:etape>/", filleul.profil, name="profil"),
    path("donnees/", filleul.donnees, name="donnees"),
    path("donnees.json", filleul.donnees_json, name="donnees_json"),
    path("supprimer/", filleul.supprimer, name="supprimer"),
    path("evenements/", filleul.evenements, name="evenements"),
    path(
        "etablissements/recherche/",
        filleul.etablissements_recherche,
        name="etablissements_recherche",
    ),
    path("immersions/<int:pk>/", immersion.immersion_filleul, name="immersion"),
    path("immersions/<int:pk>/pdf/", immersion.immersion_pdf_filleul, name="immersion_pdf"),
]
