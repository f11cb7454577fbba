"""The current version of the consent to data processing that a mentee gives.

Change VERSION whenever TEXTE changes: each mentee's consent records the version they accepted.
"""

VERSION = "2026-11"

TEXTE = (
    "J'accepte que le service emploi de la ville traite les informations de mon profil pour "
    "vérifier mon éligibilité, me proposer un parrain ou une marraine et suivre mon parcours. "
    "Mon parrain ou ma marraine ne voit que ce qui est utile à l'accompagnement ; le partenaire "
    "qui m'a orienté voit l'état de ma candidature. Je peux télécharger mes données ou supprimer "
    "mon compte à tout moment depuis mon espace."
)
