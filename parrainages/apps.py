from django.apps import AppConfig


class ParrainagesConfig(AppConfig):
    name = "parrainages"
    verbose_name = "Parrainages"

    def ready(self):
        from mentorat.audit import journaliser
        from mentorat.envois import apres_envoi

        from .services.parrain import proposition_notifiee

        # A proposal expires only once its mentor was actually told (see the service).
        apres_envoi("proposition_nouvelle", proposition_notifiee)

        # Immersion conventions are signed through the one signature machinery.
        from mentorat.signatures import document_enregistrer

        from .services.immersion import TYPE_DOCUMENT

        document_enregistrer(TYPE_DOCUMENT)
        from mentorat.effacement import effacement_enregistrer

        from .models import (
            Candidature,
            Charte,
            DemandeSignature,
            Filleul,
            Parrain,
            Parrainage,
            Signature,
        )
        from .services import compte_effacer

        # The core's admin erases accounts through this app's service (mentorat.effacement);
        # the one-time signature codes go with the account.
        effacement_enregistrer(compte_effacer, suivent_le_compte=[DemandeSignature])

        # The audit trail of people, pairs and charters (see mentorat.audit). ``lisibles``:
        # the values kept readable once the person is anonymised.
        journaliser(Parrain, lisibles=("statut", "valide_le", "created_at", "capacite"))
        journaliser(Filleul, lisibles=("anonymise_le", "created_at", "consentement_version"))
        journaliser(
            Candidature,
            lisibles=(
                "filleul",
                "programme",
                "etape",
                "statut",
                "source",
                "eligible",
                "decidee_le",
                "decidee_par",
                "created_at",
                "updated_at",
            ),
        )
        journaliser(
            Parrainage,
            lisibles=(
                "programme",
                "parrain",
                "filleul",
                "candidature",
                "forme",
                "statut",
                "score",
                "propose_le",
                "envoye_le",
                "repondu_le",
                "date_debut",
                "date_fin_prevue",
                "date_fin",
                "created_at",
            ),
        )
        # The frozen text and parties (names) are not copied into the trail: the text's SHA-256
        # shows any change.
        journaliser(
            Charte,
            exclure=("texte", "parties"),
            lisibles=(
                "parrainage",
                "texte_sha256",
                "statut",
                "emise_le",
                "signee_le",
                "annulee_le",
                "pdf_sha256",
                "pdf_produit_le",
                "envoyee_le",
            ),
        )
        journaliser(
            Signature,
            lisibles=("charte", "role", "signataire", "signee_le", "methode", "texte_sha256"),
        )
