"""Celery tasks of the core: thin wrappers, taking ids."""

from celery import shared_task


@shared_task(name="mentorat.compter_tableau_de_bord")
def compter_tableau_de_bord(user_id: int) -> bool:
    """The admin dashboard's counts for a staff member's perimeter and permissions, counted
    again in the background (a view showed their last counts). False for an account that is
    gone or no longer active staff."""
    from django.contrib import admin

    from .models import User

    user = User.objects.filter(pk=user_id).first()
    return user is not None and admin.site.tableau_de_bord_compter_pour(user)
