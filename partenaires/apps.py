from django.apps import AppConfig


class PartenairesConfig(AppConfig):
    name = "partenaires"
    verbose_name = "Partenaires et conventions"
