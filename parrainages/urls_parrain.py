from django.urls import path

from .views import immersion, parrain, ressources

app_name = "parrain"

urlpatterns = [
    path("", parrain.tableau_de_bord, name="tableau_de_bord"),
    path("profil/", parrain.profil, name="profil"),
    path("binomes/", parrain.binomes, name="binomes"),
    path("propositions/<int:pk>/", parrain.proposition, name="proposition"),
    path("binomes/<int:pk>/", parrain.binome, name="binome"),
    path("binomes/<int:pk>/rencontres/", parrain.rencontre_nouvelle, name="rencontre_nouvelle"),
    path("binomes/<int:pk>/immersions/", immersion.immersion_nouvelle, name="immersion_nouvelle"),
    path("immersions/<int:pk>/", immersion.immersion_parrain, name="immersion"),
    path(
        "immersions/<int:pk>/modifier/",
        immersion.immersion_modifier_vue,
        name="immersion_modifier",
    ),
    path(
        "immersions/<int:pk>/renouveler/",
        immersion.immersion_renouveler_vue,
        name="immersion_renouveler",
    ),
    path("immersions/<int:pk>/annuler/", immersion.immersion_annuler_vue, name="immersion_annuler"),
    path("immersions/<int:pk>/pdf/", immersion.immersion_pdf_parrain, name="immersion_pdf"),
    path("binomes/<int:pk>/cloturer/", parrain.cloturer, name="cloturer"),
    path("binomes/<int:pk>/objectifs/", parrain.objectifs, name="objectifs"),
    path(
        "rencontres/<int:pk>/consigner/",
        parrain.rencontre_consigner_vue,
        name="rencontre_consigner",
    ),
    path("rencontres/<int:pk>/annuler/", parrain.rencontre_annuler_vue, name="rencontre_annuler"),
    path(
        "rencontres/<int:pk>/accepter/", parrain.rencontre_accepter_vue, name="rencontre_accepter"
    ),
    path("rencontres/<int:pk>/refuser/", parrain.rencontre_refuser_vue, name="rencontre_refuser"),
    path("rencontres/<int:pk>/invitation.ics", parrain.rencontre_ics_vue, name="rencontre_ics"),
    path("actions/", parrain.actions, name="actions"),
    path("actions/<int:pk>/presences/", parrain.presences, name="presences"),
    path("evenements/", parrain.evenements, name="evenements"),
    path("ressources/", ressources.ressources, name="ressources"),
    path("ressources/<slug:slug>/", ressources.ressources_programme, name="ressources_programme"),
    path("ressources/fichiers/<int:pk>/", ressources.ressource_fichier, name="ressource_fichier"),
]
