from auditlog.apps import AuditlogConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MentoratConfig(AppConfig):
    default = True
    name = "mentorat"
    verbose_name = "Comptes et plateforme"

    def ready(self):
        from django.core.checks import register
        from django.db.models.signals import post_migrate

        from . import brevo, checks, comptes, mfa
        from .audit import journaliser
        from .envois import canal_enregistrer, contexte_a_l_envoi
        from .models import Envoi, Partie, User
        from .roles import sync_groups_after_migrate

        post_migrate.connect(sync_groups_after_migrate, sender=self)
        # With DEBUG=False, a production configuration: Redis for the tasks, a sealing
        # certificate that opens (with every command that checks, ``migrate`` included).
        register(checks.redis_configure, "production")
        register(checks.adresse_publique, "production")
        register(checks.certificat_de_scellement, "production")
        register(checks.fournisseurs_en_https, "production")
        mfa.connect_signals()
        contexte_a_l_envoi(comptes.REGLE, comptes.lien_a_l_envoi)
        canal_enregistrer(Envoi.Canal.SMS, brevo.sms_envoyer, disponible=brevo.configure)
        # Who the person is and what they may do; never the password hash nor login noise.
        journaliser(
            User,
            exclure=("password", "last_login"),
            lisibles=("is_active", "is_staff", "is_superuser", "date_joined"),
        )
        # Who is called to sign which document and when they signed or refused; never the
        # hash of their link. Their identity and network traces go when they are erased.
        journaliser(
            Partie,
            exclure=("jeton_hash",),
            lisibles=(
                "document_type",
                "document_id",
                "role",
                "libelle",
                "ordre",
                "user",
                "jeton_expire_le",
                "signee_le",
                "methode",
                "texte_sha256",
                "refusee_le",
                "created_at",
            ),
        )


class MentoratAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "mentorat.admin_site.MentoratAdminSite"


class JournalAuditConfig(AuditlogConfig):
    """django-auditlog under a French name in the admin."""

    verbose_name = "Journal d'audit"
