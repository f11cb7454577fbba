from django.urls import path

from .views import filleul, public, qualite, selection

urlpatterns = [
    path("espace/", public.espace, name="espace"),
    # Before allauth's own sign-up (same path): pre-filled from an invitation.
    path("comptes/signup/", public.InscriptionView.as_view(), name="inscription"),
    path("programmes/<slug:slug>/candidater/", filleul.candidater, name="candidater"),
    path("programmes/<slug:slug>/devenir-parrain/", public.devenir_parrain, name="devenir_parrain"),
    path("confidentialite/", public.confidentialite, name="confidentialite"),
    path("enquete/<str:jeton>/", public.enquete, name="enquete"),
    path("point-etape/<str:jeton>/", qualite.point_etape, name="point_etape"),
    # A company manager's personal link (mock interviews of a selection week).
    path(
        "selection/evaluation/<str:jeton>/",
        selection.evaluation_manager,
        name="selection_evaluation",
    ),
    path(
        "selection/evaluation/<str:jeton>/<int:pk>/",
        selection.evaluation_manager_membre,
        name="selection_evaluation_membre",
    ),
    path(
        "parrain/activer/<str:uidb64>/<str:token>/",
        public.parrain_activer_vue,
        name="parrain_activer",
    ),
]
