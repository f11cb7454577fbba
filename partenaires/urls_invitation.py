"""The invitation link a referred person receives, at the site's root (``/invitation/…``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("invitation/<str:jeton>/", views.invitation, name="invitation"),
    path("activer-mon-compte/", views.reclamer, name="reclamer"),
]
