from django.apps import AppConfig


class PartenairesConfig(AppConfig):
    name = "partenaires"
    verbose_name = "Partenaires et conventions"

    def ready(self):
        from mentorat.audit import journaliser

        from .models import Convention, Objectif

        # The audit trail of conventions and their objectives (see mentorat.audit).
        journaliser(Convention, plusieurs=("programmes",))
        journaliser(Objectif)
