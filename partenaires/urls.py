from django.urls import path, re_path

from . import views

app_name = "partenaires"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("conventions/<int:pk>/", views.convention, name="convention"),
    path("conventions/<int:pk>/convention.pdf", views.convention_pdf, name="convention_pdf"),
    path(
        "conventions/<int:pk>/convention-signee.pdf",
        views.convention_signee,
        name="convention_signee",
    ),
    path("filleuls/", views.filleuls, name="filleuls"),
    path("prescrire/", views.prescrire, name="prescrire"),
    path("prescrire/avec-la-personne/", views.prescrire_compte, name="prescrire_compte"),
    path("prescriptions/<int:pk>/", views.prescription, name="prescription"),
    path("prescriptions/<int:pk>/code/", views.prescription_code, name="prescription_code"),
    path("prescrire/import/", views.importer, name="importer"),
    path("prescrire/import/modele.csv", views.importer_modele, name="importer_modele"),
    path("prescrire/import/<int:pk>/", views.lot, name="lot"),
    path("prescrire/import/<int:pk>/lettres.pdf", views.lot_lettres, name="lot_lettres"),
    path("rapports/", views.rapports, name="rapports"),
    path("rapports/<int:pk>/", views.rapport, name="rapport"),
    path("rapports/<int:pk>/statut/", views.rapport_statut, name="rapport_statut"),
    re_path(
        r"^rapports/(?P<pk>[0-9]+)/(?P<extension>pdf|csv|xlsx|ventilation)/$",
        views.rapport_fichier,
        name="rapport_fichier",
    ),
]

# Events open to partner members (round tables, company events).
urlpatterns += [path("evenements/", views.evenements, name="evenements")]

# The selection step: sessions (cohorts) the partner facilitates or refers people to.
urlpatterns += [
    path("selection/", views.sessions_selection, name="sessions"),
    path("selection/<int:pk>/", views.session_selection, name="session"),
    path("selection/<int:pk>/presences/", views.session_presences, name="session_presences"),
    path(
        "selection/<int:pk>/evaluation/<int:participation>/",
        views.session_evaluation,
        name="session_evaluation",
    ),
]
