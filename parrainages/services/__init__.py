"""Writes of the parrainages app (services), by who triggers them."""

from .charte import charte_emettre, charte_rendre_texte, sha256_text
from .evenements import (
    action_ponctuelle_proposer,
    evenement_desinscrire,
    evenement_inscrire,
    evenements_ouverts_au_filleul,
    presences_enregistrer,
)
from .filleul import (
    candidature_deposer,
    compte_filleul_supprimer,
    filleul_enregistrer_profil,
    filleul_exporter,
    parrain_proposer,
)
from .onboarding import (
    activation_url,
    lire_csv_parrains,
    parrain_activer,
    parrains_inviter,
    parrains_valider,
)
from .parrain import (
    immersion_proposer,
    parrain_mettre_a_jour,
    parrainage_accepter,
    parrainage_cloturer,
    parrainage_decliner,
    propositions_expirer,
    rencontre_annuler,
    rencontre_consigner,
    rencontre_planifier,
)

__all__ = [
    "activation_url",
    "lire_csv_parrains",
    "parrain_activer",
    "parrains_inviter",
    "parrains_valider",
    "action_ponctuelle_proposer",
    "evenement_desinscrire",
    "evenement_inscrire",
    "evenements_ouverts_au_filleul",
    "presences_enregistrer",
    "candidature_deposer",
    "charte_emettre",
    "charte_rendre_texte",
    "compte_filleul_supprimer",
    "filleul_enregistrer_profil",
    "filleul_exporter",
    "immersion_proposer",
    "parrain_mettre_a_jour",
    "parrain_proposer",
    "parrainage_accepter",
    "parrainage_cloturer",
    "parrainage_decliner",
    "propositions_expirer",
    "rencontre_annuler",
    "rencontre_consigner",
    "rencontre_planifier",
    "sha256_text",
]
