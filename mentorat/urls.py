from django.contrib import admin
from django.urls import include, path

from parrainages.views.public import InscriptionView

from . import views

urlpatterns = [
    path("", include("programmes.urls")),
    path("", include("parrainages.urls")),
    path("comptes/signup/", InscriptionView.as_view(), name="inscription"),
    path("comptes/preferences/", views.preferences, name="preferences"),
    path("comptes/desabonnement/<str:jeton>/", views.desabonnement, name="desabonnement"),
    path(
        "comptes/activer/<str:uidb64>/<str:token>/",
        views.compte_activer_vue,
        name="compte_activer",
    ),
    path("comptes/", include("allauth.urls")),
    path("filleul/", include("parrainages.urls_filleul")),
    path("parrain/", include("parrainages.urls_parrain")),
    path("partenaire/", include("partenaires.urls")),
    path("charte/", include("parrainages.urls_charte")),
    path("admin/", admin.site.urls),
    path("sante/", views.sante, name="sante"),
]
