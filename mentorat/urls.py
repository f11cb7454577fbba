from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("programmes.urls")),
    path("comptes/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("sante/", views.sante, name="sante"),
]
