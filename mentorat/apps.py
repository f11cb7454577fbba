from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MentoratConfig(AppConfig):
    default = True
    name = "mentorat"
    verbose_name = "Comptes et plateforme"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import sync_groups_after_migrate

        post_migrate.connect(sync_groups_after_migrate, sender=self)


class MentoratAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "mentorat.admin_site.MentoratAdminSite"
