from django.urls import path

from .views import charte

urlpatterns = [
    path("verifier/<uuid:uuid>/", charte.charte_verifier, name="charte_verifier"),
    path("<uuid:uuid>/", charte.charte_detail, name="charte_detail"),
    path("<uuid:uuid>/pdf/", charte.charte_pdf, name="charte_pdf"),
]
