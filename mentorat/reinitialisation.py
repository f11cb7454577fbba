"""Allauth's password reset form, only to a verified address (settings.ACCOUNT_FORMS; a module
of its own: allauth's forms import the sign-up form of ``mentorat.forms``)."""

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress


class ReinitialisationForm(ResetPasswordForm):
    """An account a counsellor created (partenaires.orientations) holds, until its address is
    verified, the address the person typed when claiming it — maybe mistyped, and then someone
    else's, who must not take the account by resetting its password. Allauth has no setting
    for this (``filter_users_by_email(prefer_verified=True)`` still falls back on unverified
    addresses): the accounts found are kept only when the address is verified. With
    ``ACCOUNT_PREVENT_ENUMERATION`` the page answers the same either way."""

    def clean_email(self) -> str:
        email = super().clean_email()
        verifiees = set(
            EmailAddress.objects.filter(
                email__iexact=email, verified=True, user__in=[u.pk for u in self.users]
            ).values_list("user_id", flat=True)
        )
        self.users = [user for user in self.users if user.pk in verifiees]
        return email
