from django.contrib import admin
from django.urls import include, path

from . import canaux_vues, connexion, signature_vues, views

urlpatterns = [
    path("", include("programmes.urls")),
    # parrainages.urls comes before allauth's: it overrides the sign-up page.
    path("", include("parrainages.urls")),
    path("", include("partenaires.urls_invitation")),
    path("comptes/preferences/", canaux_vues.preferences, name="preferences"),
    path("comptes/telephone/", canaux_vues.telephone, name="telephone"),
    path("l/<str:code>/", canaux_vues.lien_court, name="lien_court"),
    path("sms/entrants/", canaux_vues.sms_entrant, name="sms_entrant"),
    path("comptes/desabonnement/<str:jeton>/", views.desabonnement, name="desabonnement"),
    path(
        "comptes/activer/<str:uidb64>/<str:token>/",
        views.compte_activer_vue,
        name="compte_activer",
    ),
    # allauth's OpenID Connect callback, with a client that reads signed userinfo answers
    # (mentorat.connexion): before allauth's own, same address.
    path(
        "comptes/oidc/<str:provider_id>/login/callback/",
        connexion.retour,
        name="connexion_oidc_retour",
    ),
    # allauth's pages to link a provider to the account, or to finish a sign-up by a provider
    # in a form, are not offered (mentorat.connexion chooses the account at the login).
    path("comptes/3rdparty/", connexion.page_absente, name="socialaccount_connections"),
    path("comptes/3rdparty/signup/", connexion.page_absente, name="socialaccount_signup"),
    path("comptes/", include("allauth.urls")),
    path("filleul/", include("parrainages.urls_filleul")),
    path("parrain/", include("parrainages.urls_parrain")),
    path("partenaire/", include("partenaires.urls")),
    path("charte/", include("parrainages.urls_charte")),
    path("immersion/", include("parrainages.urls_immersion")),
    path("signature/<str:jeton>/", signature_vues.signature_lien, name="signature_lien"),
    path(
        "signature/<str:jeton>/pdf/", signature_vues.signature_lien_pdf, name="signature_lien_pdf"
    ),
    path("admin/", admin.site.urls),
    path("sante/", views.sante, name="sante"),
]
