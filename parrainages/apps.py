from django.apps import AppConfig


class ParrainagesConfig(AppConfig):
    name = "parrainages"
    verbose_name = "Parrainages"
