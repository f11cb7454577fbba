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

        # A notice or reminder of the mentee's choice goes only while something waits for her.
        from mentorat.envois import contexte_a_l_envoi

        from .relances import REGLES_DU_CHOIX, choix_encore_attendu

        for regle in REGLES_DU_CHOIX:
            contexte_a_l_envoi(regle, choix_encore_attendu)

        # A mentee's or a mentor's profile is read with the session (mentorat.sessions): the
        # pages of their spaces start from it (access.filleul_of, parrain_of).
        from mentorat.sessions import relations_du_compte_enregistrer

        from .access import RELATIONS_DU_COMPTE

        relations_du_compte_enregistrer(*RELATIONS_DU_COMPTE)

        # Immersion conventions are signed through the one signature machinery.
        from mentorat.signatures import document_enregistrer

        from .services.immersion import TYPE_DOCUMENT

        document_enregistrer(TYPE_DOCUMENT)

        # Signing in with FranceConnect: who is a mentee or a mentor, and what a certified
        # identity changes in the mentee profile (mentorat.connexion).
        from mentorat.connexion import (
            certification_enregistrer,
            naissance_enregistrer,
            roles_enregistrer,
        )

        from .access import roles_du_compte
        from .services.filleul import filleul_identite_appliquer, filleul_naissance

        roles_enregistrer(roles_du_compte)
        certification_enregistrer(filleul_identite_appliquer)
        naissance_enregistrer(filleul_naissance)
        from mentorat.effacement import effacement_enregistrer
        from mentorat.signatures import document_enregistrer

        from .models import Candidature, Charte, Filleul, Parrain, Parrainage, Sortie
        from .services import charte_type_document, compte_effacer

        # The core's admin erases accounts through this app's service (mentorat.effacement).
        effacement_enregistrer(compte_effacer)
        # The charter is signed through the platform's one signature machinery.
        document_enregistrer(charte_type_document())

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
        # An outcome: of a pair, or of an application without a pair (its free text goes).
        journaliser(
            Sortie,
            lisibles=(
                "parrainage",
                "candidature",
                "moment",
                "type",
                "date",
                "source",
                "created_at",
            ),
        )
        # The frozen text is not copied into the trail: its SHA-256 shows any change. Its
        # parties are ``mentorat.Partie`` rows, journaled by the core.
        journaliser(
            Charte,
            exclure=("texte",),
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
        # A check-in's answer, and who marked its alert handled (the free text goes).
        from .models import PointEtape

        journaliser(
            PointEtape,
            lisibles=(
                "parrainage",
                "role",
                "tour",
                "satisfaction",
                "utile",
                "parler_equipe",
                "repondu_le",
                "modifie_le",
                "traite_le",
                "traite_par",
            ),
        )
        self.mineurs_preparer()
        self.selection_journaliser()

    def selection_journaliser(self):
        """The selection step (sessions, cohorts, attendance, grids, jury) in the audit trail;
        the evaluators' comments and the managers' link hashes are not copied into it."""
        from mentorat.audit import journaliser

        from .models import (
            CritereEvaluation,
            EvaluateurInvite,
            Evaluation,
            Note,
            ParticipationSelection,
            Presence,
            SessionSelection,
        )

        journaliser(
            SessionSelection,
            lisibles=(
                "programme",
                "etape",
                "titre",
                "date_debut",
                "date_fin",
                "capacite",
                "animateur",
                "statut",
                "close_le",
                "created_at",
            ),
        )
        journaliser(CritereEvaluation, lisibles=("programme", "libelle", "note_min", "note_max"))
        journaliser(
            ParticipationSelection,
            lisibles=(
                "session",
                "candidature",
                "invitee_le",
                "invitee_par",
                "decision",
                "motif",
                "decidee_le",
                "decidee_par",
            ),
        )
        journaliser(
            Presence,
            lisibles=("participation", "demi_journee", "etat", "saisie_par", "saisie_le"),
        )
        journaliser(
            EvaluateurInvite, exclure=("jeton_hash",), lisibles=("session", "jeton_expire_le")
        )
        journaliser(
            Evaluation,
            exclure=("commentaire",),
            lisibles=("participation", "qualite", "evaluateur", "evaluateur_invite", "created_at"),
        )
        journaliser(Note, exclure=("commentaire",), lisibles=("evaluation", "critere", "valeur"))

    def mineurs_preparer(self):
        """A guardian's consent is a document of the signature machinery, journaled."""
        from mentorat.audit import journaliser

        from .models import AutorisationParentale
        from .services.mineurs import autorisation_type_enregistrer

        autorisation_type_enregistrer()
        # The frozen text names the minor: not copied into the trail (its SHA-256 is).
        journaliser(
            AutorisationParentale,
            exclure=("texte",),
            lisibles=(
                "candidature",
                "texte_sha256",
                "statut",
                "emise_le",
                "accordee_le",
                "refusee_le",
                "annulee_le",
            ),
        )
