"""Each change of an application's status, told: a history row (``EvenementCandidature``) and
messages, in the change's transaction, to the applicant (and each guardian of a minor) in plain
French, and to the prescribing counsellor with the reason and the staff's free text.

The applicant never reads the staff's free text: for a refusal they read the reason's gentle
text (``MotifRefus.texte_candidat``)."""

from mentorat.envois import courriel_ecrire

from .. import extensions
from ..models import Candidature, EvenementCandidature
from .representants import cle_representant, representants_a_informer

S = Candidature.Statut

# What the applicant (and a minor's guardians) read, by status; ``{programme}`` is its name.
TEXTES_CANDIDAT = {
    S.ATTENTE_AUTORISATION: (
        "Nous avons bien reçu votre candidature au programme « {programme} ». Elle sera "
        "étudiée dès que votre représentant légal aura donné son accord : nous venons de lui "
        "écrire."
    ),
    S.DEPOSEE: (
        "Nous avons bien reçu votre candidature au programme « {programme} ». L'équipe du "
        "programme va l'étudier et vous écrira à chaque étape."
    ),
    S.EN_ETUDE: (
        "Votre candidature au programme « {programme} » est en cours d'étude par l'équipe. "
        "Elle peut vous appeler pour faire connaissance."
    ),
    S.INVITEE_SELECTION: (
        "Votre candidature au programme « {programme} » passe à l'étape suivante : vous êtes "
        "invité(e) à la semaine de mobilisation et de sélection. L'équipe vous écrira les "
        "dates, le lieu et le programme de la semaine."
    ),
    S.LISTE_ATTENTE: (
        "Votre candidature au programme « {programme} » a retenu l'attention de l'équipe, "
        "mais toutes les places sont prises pour le moment : vous êtes sur liste d'attente. "
        "Nous vous écrirons dès qu'une place se libère."
    ),
    S.RETENUE: (
        "Bonne nouvelle : votre candidature au programme « {programme} » est retenue. "
        "L'équipe vous proposera bientôt un parrain ou une marraine."
    ),
    S.DESISTEE: (
        "Votre retrait du programme « {programme} » est enregistré. Si vous changez d'avis, "
        "l'équipe du programme reste à votre écoute."
    ),
}

SUJETS = {
    S.ATTENTE_AUTORISATION: "Votre candidature au programme « {programme} » est bien reçue",
    S.DEPOSEE: "Votre candidature au programme « {programme} » est bien reçue",
    S.EN_ETUDE: "Votre candidature au programme « {programme} » est à l'étude",
    S.INVITEE_SELECTION: "Programme « {programme} » : invitation à la semaine de sélection",
    S.LISTE_ATTENTE: "Votre candidature au programme « {programme} » : liste d'attente",
    S.RETENUE: "Votre candidature au programme « {programme} » est retenue",
    S.REFUSEE: "Votre candidature au programme « {programme} »",
    S.DESISTEE: "Votre retrait du programme « {programme} » est enregistré",
}


# A refusal recorded before the reasons' list existed: no reason's gentle text to read.
TEXTE_REFUS_SANS_MOTIF = (
    "Votre candidature au programme « {programme} » n'a pas été retenue. L'équipe du "
    "programme reste à votre écoute si vous souhaitez en parler."
)


def texte_candidat(candidature, motif=None) -> str:
    if candidature.statut == S.REFUSEE and motif is not None:
        return motif.texte_candidat
    gabarit = TEXTES_CANDIDAT.get(candidature.statut, "")
    return gabarit.format(programme=candidature.programme.nom)


def evenement_ecrire(
    *,
    candidature,
    par=None,
    motif=None,
    precision: str = "",
    texte: str | None = None,
    informer_famille: bool = True,
) -> EvenementCandidature:
    """Record the application's new status and tell who must know (inside the change's
    transaction). ``texte``: what the applicant reads, when not the status's own text;
    ``informer_famille=False`` when other messages already told the applicant and the
    guardians (a guardian's consent or refusal): only the prescriber is written to."""
    evenement = EvenementCandidature.objects.create(
        candidature=candidature,
        statut=candidature.statut,
        motif=motif,
        precision=precision.strip(),
        texte_candidat=texte if texte is not None else texte_candidat(candidature, motif),
        par=par,
    )
    programme = candidature.programme
    sujet = SUJETS.get(candidature.statut, SUJETS[S.EN_ETUDE]).format(programme=programme.nom)
    filleul = candidature.filleul
    user = filleul.user
    prefixe = f"candidature_evenement:{evenement.pk}"
    if informer_famille and user is not None and evenement.texte_candidat:
        courriel_ecrire(
            regle="candidature_evenement",
            cle=f"{prefixe}:u{user.pk}",
            a=user.email,
            destinataire=user,
            sujet=sujet,
            gabarit="parrainages/emails/candidature_evenement",
            contexte={
                "prenom": user.first_name,
                "evenement": evenement,
                "representant": None,
                "mineur": "",
            },
        )
    if (
        informer_famille
        and candidature.statut != S.ATTENTE_AUTORISATION
        and evenement.texte_candidat
    ):
        # The guardians of a minor: told as the minor is (the consent asked has its own
        # invitation).
        for representant in representants_a_informer(filleul):
            courriel_ecrire(
                regle="candidature_evenement",
                cle=cle_representant(prefixe, representant.pk),
                a=representant.email,
                sujet=sujet,
                gabarit="parrainages/emails/candidature_evenement",
                contexte={
                    "prenom": representant.prenom,
                    "evenement": evenement,
                    "representant": representant,
                    "mineur": user.first_name if user else "",
                },
            )
    if candidature.prescripteur_id:
        for conseiller in extensions.conseillers_a_informer(candidature=candidature):
            courriel_ecrire(
                regle="candidature_evenement_prescripteur",
                cle=f"{prefixe}:p{conseiller.pk}",
                a=conseiller.email,
                destinataire=conseiller,
                # The subject outlives an erasure: it names no one (the body does).
                sujet=(
                    f"Une candidature que vous avez orientée (programme « {programme.nom} ») : "
                    f"{evenement.statut_libelle.lower()}"
                ),
                gabarit="parrainages/emails/candidature_evenement_prescripteur",
                contexte={
                    "prenom": conseiller.first_name,
                    "evenement": evenement,
                    "candidature": candidature,
                },
            )
    return evenement


def historique_reconstituer(candidatures) -> list[EvenementCandidature]:
    """The history of applications that have none (written before it was kept, or in bulk
    by the demo): their deposit, then their current status when it is another, dated as the
    application records them. Unsaved rows, for ``bulk_create``; nothing is sent — the people
    concerned were told at the time, or are fictitious.

    The data migration ``0028_historique_des_candidatures`` does the same for existing rows."""
    lignes = []
    for candidature in candidatures:
        programme = candidature.programme.nom
        depot = (
            S.ATTENTE_AUTORISATION if candidature.statut == S.ATTENTE_AUTORISATION else S.DEPOSEE
        )
        lignes.append(
            EvenementCandidature(
                candidature=candidature,
                statut=depot,
                texte_candidat=TEXTES_CANDIDAT[depot].format(programme=programme),
                le=candidature.created_at,
            )
        )
        if candidature.statut == depot:
            continue
        refus = candidature.statut == S.REFUSEE
        gabarit = TEXTE_REFUS_SANS_MOTIF if refus else TEXTES_CANDIDAT.get(candidature.statut, "")
        lignes.append(
            EvenementCandidature(
                candidature=candidature,
                statut=candidature.statut,
                # Staff's reason, as the prescriber reads the free text of a decision.
                precision=candidature.motif_refus if refus else "",
                texte_candidat=gabarit.format(programme=programme),
                par_id=candidature.decidee_par_id,
                le=max(
                    candidature.decidee_le or candidature.updated_at or candidature.created_at,
                    candidature.created_at,
                ),
            )
        )
    return lignes
