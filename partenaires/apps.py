from django.apps import AppConfig


class PartenairesConfig(AppConfig):
    name = "partenaires"
    verbose_name = "Partenaires et conventions"

    def ready(self):
        from mentorat.audit import journaliser
        from parrainages.extensions import extension_enregistrer
        from parrainages.relances import regle_enregistrer

        from .extension import PartenairesExtension
        from .models import Convention, Objectif
        from .relances import rapport_pret

        # The audit trail of conventions and their objectives (see mentorat.audit).
        journaliser(Convention, plusieurs=("programmes",))
        journaliser(Objectif)
        # parrainages, below this app, never imports it: what partenaires adds to its flows is
        # registered here.
        regle_enregistrer("rapport_pret", rapport_pret)
        extension_enregistrer(PartenairesExtension())
        # A partner member signs in with ProConnect (mentorat.connexion).
        from mentorat.connexion import roles_enregistrer

        from .extension import roles_du_compte

        roles_enregistrer(roles_du_compte)

        # A partnership convention is signed online through the one signature machinery.
        from mentorat.signatures import document_enregistrer

        from .models import ActionConvention, PartieConvention
        from .signature import convention_type_document

        document_enregistrer(convention_type_document())
        journaliser(PartieConvention)
        journaliser(ActionConvention)
