from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from .reseau import adresse_client


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse("espace")

    def get_signup_redirect_url(self, request):
        return reverse("espace")

    def get_client_ip(self, request):
        # allauth keys its rate limits (login, sign-up, password reset) on this address.
        ip = adresse_client(request)
        if not ip:
            raise PermissionDenied("Adresse du client introuvable.")
        return ip
