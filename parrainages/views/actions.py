"""A portal button that runs one service on one meeting: its refusal becomes an error message,
its success a message of the view's, then back to where the button was."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect


def rencontre_action(request, service, rencontre, *, succes: str, retour: str):
    try:
        service(rencontre=rencontre, par=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, succes)
    return redirect(retour)
