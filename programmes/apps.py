from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes et référentiels"

    def ready(self):
        from . import perimetre

        perimetre.installer()
