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
    path("propositions/<int:pk>/", filleul.proposition, name="proposition"),
    path(
        "binomes/<int:pk>/rencontres/proposer/",
        filleul.rencontre_proposer_vue,
        name="rencontre_proposer",
    ),
    path("binomes/<int:pk>/objectifs/", filleul.objectifs, name="objectifs"),
    path(
        "rencontres/<int:pk>/deplacer/", filleul.rencontre_deplacer_vue, name="rencontre_deplacer"
    ),
    path(
        "rencontres/<int:pk>/accepter/", filleul.rencontre_accepter_vue, name="rencontre_accepter"
    ),
    path("rencontres/<int:pk>/annuler/", filleul.rencontre_annuler_vue, name="rencontre_annuler"),
    path("rencontres/<int:pk>/invitation.ics", filleul.rencontre_ics_vue, name="rencontre_ics"),
    path("immersions/<int:pk>/", immersion.immersion_filleul, name="immersion"),
    path("immersions/<int:pk>/pdf/", immersion.immersion_pdf_filleul, name="immersion_pdf"),
]
