"""Minors: their legal guardians, the guardians' consent to an application, what guardians
are told, and the background check of the mentors of minors.

- A person under 18 (Code civil, art. 388) gives at least one legal guardian with the profile
  (``representants_enregistrer``).
- A minor's application waits for the guardians' consent (``autorisation_demander``): a
  document of the one signature machinery (``mentorat.signatures``) with its text frozen,
  each guardian a party without an account who signs from a link of their own with an
  e-mailed code. The last signature deposits the application; a refusal withdraws it.
- Guardians receive the meeting invitations and learn when the pair starts
  (``representants_a_informer``, used by the mentor's services).
- A programme may require a background check of the mentors of minors
  (``Programme.controle_honorabilite_requis``): staff record it (``honorabilite_enregistrer``)
  and no pairing path pairs a minor with an unchecked mentor (``honorabilite_manquante``; the
  matching engine applies the same rule in bulk).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone

from mentorat.envois import courriel_ecrire
from mentorat.signatures import (
    TypeDocument,
    document_enregistrer,
    partie_ajouter,
    parties_de,
    parties_inviter,
)

from ..models import AutorisationParentale, Candidature, Parrain, RepresentantLegal
from ..models.charte import sha256_text
from .decisions import evenement_ecrire
from .representants import cle_representant

REGLE_INVITATION = "autorisation_parentale"
ROLE_PREFIXE = "representant_"
REPRESENTANTS_MAX = 2


# --- Guardians ---------------------------------------------------------------------------------


def _normaliser(donnees: dict) -> dict:
    return {
        "prenom": donnees["prenom"].strip(),
        "nom": donnees["nom"].strip(),
        "lien": donnees["lien"],
        "email": donnees["email"].strip().lower(),
        "telephone": (donnees.get("telephone") or "").strip(),
    }


def representants_verifier(*, representants: list[dict], email_compte: str) -> list[dict]:
    """Check the guardians a minor gives; a French message for what is wrong."""
    representants = [_normaliser(r) for r in representants]
    if not representants:
        raise ValidationError(
            "Vous avez moins de 18 ans : indiquez au moins un représentant légal (parent ou "
            "tuteur). Son accord est nécessaire pour participer à un programme."
        )
    if len(representants) > REPRESENTANTS_MAX:
        raise ValidationError(f"Indiquez {REPRESENTANTS_MAX} représentants légaux au plus.")
    adresses = [r["email"] for r in representants]
    if (email_compte or "").strip().lower() in adresses:
        raise ValidationError(
            "L'adresse e-mail du représentant légal doit être la sienne, différente de la "
            "vôtre : c'est à lui que nous demanderons son accord."
        )
    if len(set(adresses)) != len(adresses):
        raise ValidationError("Chaque représentant légal doit avoir sa propre adresse e-mail.")
    return representants


def representants_enregistrer(*, filleul, representants: list[dict], email_compte: str) -> None:
    """Record the guardians given with a minor's profile (inside the profile's transaction).

    A guardian keeps their row (and their consent date) while their address stays; the
    others given replace those no longer given.
    """
    representants = representants_verifier(representants=representants, email_compte=email_compte)
    existants = {r.email.lower(): r for r in filleul.representants_legaux.all()}
    gardes = set()
    for donnees in representants:
        representant = existants.get(donnees["email"]) or RepresentantLegal(filleul=filleul)
        for champ, valeur in donnees.items():
            setattr(representant, champ, valeur)
        representant.full_clean(exclude=["filleul"])
        representant.save()
        gardes.add(representant.pk)
    filleul.representants_legaux.exclude(pk__in=gardes).delete()


# --- The guardians' consent to an application --------------------------------------------------


# What the guardians consent to (frozen for each application: changing this text changes only
# the consents asked from then on).
TEXTE_AUTORISATION = "\n\n".join(
    [
        "Accord du représentant légal pour la participation d'une personne mineure au "
        "programme « {programme} »",
        "Je suis le représentant légal (parent ou tuteur) de {nom_complet}, né(e) le "
        "{naissance}, et j'autorise sa participation au programme de parrainage "
        "« {programme} », porté par {porteur} avec le service emploi de la ville.",
        "1. Le parrainage\n"
        "{prenom} sera accompagné(e) pendant {duree} mois environ par un parrain ou une "
        "marraine : un ou une professionnel(le) adulte, bénévole, choisi(e) par l'équipe du "
        "programme{controle}. Les rencontres ont lieu en personne, en visioconférence ou par "
        "téléphone. Je reçois par e-mail l'invitation à chaque rencontre planifiée, avec sa "
        "date, son lieu et sa durée, et son éventuelle annulation ; je suis informé(e) quand "
        "le parrainage commence.",
        "2. Les données de {prenom} et les miennes\n"
        "Le service emploi de la ville traite les informations du profil de {prenom} "
        "(identité, date de naissance, commune, situation{ecole}, métiers souhaités, "
        "disponibilités) pour vérifier son éligibilité, lui proposer un parrain ou une marraine "
        "et suivre son parcours (rencontres, situation à la fin du parrainage). Le parrain ou la "
        "marraine ne voit que ce qui est utile à l'accompagnement, jamais sa date de naissance ; "
        "le partenaire qui l'a éventuellement orienté(e) voit l'état de sa candidature. Mes "
        "coordonnées (nom, lien de parenté, e-mail, téléphone) servent seulement à recueillir "
        "mon accord et à m'informer. Ces données sont conservées tant que le parcours est "
        "actif, puis effacées ou anonymisées deux ans après la dernière activité. J'exerce pour "
        "{prenom} ses droits d'accès, de rectification et d'effacement en écrivant à l'équipe "
        "du programme (règlement général sur la protection des données, article 8 ; loi "
        "Informatique et libertés, article 45).",
        "3. Ce qui demandera encore ma signature\n"
        "La charte de parrainage me sera soumise quand le binôme sera formé. Toute {placement} "
        "fera l'objet d'une convention que je devrai signer avant qu'elle commence.",
        "4. Retrait de mon accord\n"
        "Je peux retirer cet accord à tout moment en écrivant à l'équipe du programme : le "
        "parrainage prend alors fin.",
    ]
)


def autorisation_texte(candidature) -> str:
    """The text the guardians consent to, frozen when the minor applies."""
    filleul, programme = candidature.filleul, candidature.programme
    user = filleul.user
    eleves = programme.public_eleves
    return TEXTE_AUTORISATION.format(
        programme=programme.nom,
        porteur=programme.porteur,
        nom_complet=user.get_full_name() if user else "la personne mineure",
        prenom=(user.first_name if user else "") or "la personne mineure",
        naissance=formats.date_format(filleul.date_naissance, "j F Y"),
        duree=programme.duree_parrainage_mois,
        controle=", dont l'équipe a vérifié l'honorabilité avant toute mise en relation"
        if programme.controle_honorabilite_requis
        else "",
        ecole=", établissement scolaire et classe" if eleves else "",
        placement="séquence d'observation en milieu professionnel"
        if eleves
        else "immersion en entreprise",
    ).strip()


def _titre(autorisation) -> str:
    # The title goes in e-mail subjects, which outlive an erasure: it names no one (the
    # document's text, shown from the link, names the minor).
    programme = autorisation.candidature.programme
    return f"Accord du représentant légal pour une candidature au programme {programme.nom}"


def autorisation_demander(*, candidature) -> AutorisationParentale:
    """A minor applied: freeze the text, call each guardian to consent, e-mail their links.

    Inside the application's transaction: a failure leaves neither the application nor the
    request behind.
    """
    representants = list(candidature.filleul.representants_legaux.all())
    if not representants:
        raise ValidationError(
            "Vous avez moins de 18 ans : indiquez d'abord un représentant légal dans votre "
            "profil (étape « Représentant légal »). Son accord est nécessaire pour candidater."
        )
    texte = autorisation_texte(candidature)
    autorisation = AutorisationParentale.objects.create(
        candidature=candidature, texte=texte, texte_sha256=sha256_text(texte)
    )
    for ordre, representant in enumerate(representants, start=1):
        partie_ajouter(
            document=autorisation,
            role=f"{ROLE_PREFIXE}{representant.pk}",
            libelle=f"Représentant légal ({representant.get_lien_display().lower()})",
            ordre=ordre,
            prenom=representant.prenom,
            nom=representant.nom,
            email=representant.email,
            telephone=representant.telephone,
        )
    parties_inviter(document=autorisation, regle=REGLE_INVITATION)
    return autorisation


def _candidature_verrouiller(autorisation) -> Candidature:
    return (
        Candidature.objects.select_for_update(of=("self",))
        .select_related("filleul__user", "programme")
        .get(pk=autorisation.candidature_id)
    )


def _representant_id(partie) -> int | None:
    suffixe = partie.role.removeprefix(ROLE_PREFIXE)
    return int(suffixe) if partie.role.startswith(ROLE_PREFIXE) and suffixe.isdigit() else None


def autorisation_accordee(autorisation) -> None:
    """Every guardian signed (``tout_signe``, in the last signature's transaction): the
    application is deposited, the guardians' consent recorded, the minor and the guardians
    told."""
    autorisation.accorder()
    autorisation.save(update_fields=["statut", "accordee_le"])
    candidature = _candidature_verrouiller(autorisation)
    candidature.deposer_avec_accord()
    candidature.save(update_fields=["statut", "updated_at"])
    # The history, and the prescriber told (the minor and the guardians are, below).
    evenement_ecrire(candidature=candidature, informer_famille=False)
    parties = list(parties_de(autorisation))
    for partie in parties:
        representant_id = _representant_id(partie)
        if representant_id is not None:
            RepresentantLegal.objects.filter(
                pk=representant_id, filleul_id=candidature.filleul_id
            ).update(consentement_le=partie.signee_le)
    programme, user = candidature.programme, candidature.filleul.user
    if user is not None:
        courriel_ecrire(
            regle="autorisation_accordee",
            cle=f"autorisation_accordee:{autorisation.pk}:{user.pk}",
            a=user.email,
            destinataire=user,
            sujet=f"Votre candidature au programme « {programme.nom} » est déposée",
            gabarit="parrainages/emails/autorisation_accordee",
            contexte={"candidature": candidature, "prenom": user.first_name},
        )
    for partie in parties:
        representant_id = _representant_id(partie)
        if representant_id is None or not partie.email:
            continue
        # A copy of what they consented to: the text is theirs to keep.
        courriel_ecrire(
            regle="autorisation_confirmee",
            cle=autorisation_cle_confirmation(autorisation.pk, representant_id),
            a=partie.email,
            sujet=f"Votre accord est enregistré — programme « {programme.nom} »",
            gabarit="parrainages/emails/autorisation_confirmee",
            contexte={"partie": partie, "autorisation": autorisation, "programme": programme},
        )


def autorisation_cle_confirmation(autorisation_id: int, representant_id: int) -> str:
    return cle_representant(f"autorisation_confirmee:{autorisation_id}", representant_id)


def autorisation_refusee(autorisation, partie) -> None:
    """A guardian refused (``refuse``, in the refusal's transaction): the application is
    withdrawn with their reason, and the minor told."""
    autorisation.refuser()
    autorisation.save(update_fields=["statut", "refusee_le"])
    candidature = _candidature_verrouiller(autorisation)
    motif = f"Votre représentant légal n'a pas donné son accord : {partie.motif_refus}"
    candidature.retirer_faute_d_accord(motif)
    candidature.save(update_fields=["statut", "decidee_le", "motif_refus", "updated_at"])
    evenement_ecrire(
        candidature=candidature,
        precision="Le représentant légal n'a pas donné son accord.",
        texte=motif,
        informer_famille=False,
    )
    user = candidature.filleul.user
    if user is not None:
        courriel_ecrire(
            regle="autorisation_refusee",
            cle=f"autorisation_refusee:{autorisation.pk}:{user.pk}",
            a=user.email,
            destinataire=user,
            sujet=f"Votre candidature au programme « {candidature.programme.nom} » est retirée",
            gabarit="parrainages/emails/autorisation_refusee",
            contexte={"candidature": candidature, "prenom": user.first_name},
        )


def autorisation_annuler(*, candidature) -> None:
    """The application waiting for consent is withdrawn: the links stop working."""
    autorisation = (
        AutorisationParentale.objects.select_for_update()
        .filter(candidature=candidature, statut=AutorisationParentale.Statut.EN_ATTENTE)
        .first()
    )
    if autorisation is not None:
        autorisation.annuler()
        autorisation.save(update_fields=["statut", "annulee_le"])


@transaction.atomic
def autorisation_relancer(*, autorisation) -> int:
    """Staff send the guardians who have not answered a new link (the previous one stops
    working). Returns how many were e-mailed."""
    autorisation = AutorisationParentale.objects.select_for_update().get(pk=autorisation.pk)
    if not autorisation.ouverte:
        raise ValidationError(
            "Cette demande d'accord n'attend plus de réponse "
            f"({autorisation.get_statut_display().lower()}) : rien à renvoyer."
        )
    return parties_inviter(document=autorisation, regle=REGLE_INVITATION)


def autorisation_type_enregistrer() -> None:
    """The consent as a document of the signature machinery (the app's ``ready``)."""
    document_enregistrer(
        TypeDocument(
            model=AutorisationParentale,
            titre=_titre,
            ouvert=lambda a: a.ouverte,
            texte_sha256=lambda a: a.texte_sha256,
            tout_signe=autorisation_accordee,
            refuse=autorisation_refusee,
            gabarit="parrainages/autorisation/_document.html",
            # Guardians have no account: they act from their link. The minor's space shows
            # where the application stands.
            url=lambda a: reverse("filleul:tableau_de_bord"),
        )
    )


# --- Background check of the mentors of minors ---------------------------------------------------


def honorabilite_manquante(*, programme, filleul, parrain, jour: dt.date | None = None):
    """Why ``parrain`` may not be paired with ``filleul`` in ``programme`` (a French reason
    for staff), or None: a minor's mentor needs a recorded background check where the
    programme requires one."""
    if not programme.controle_honorabilite_requis:
        return None
    if not filleul.est_mineur(jour) or parrain.honorabilite_verifiee_le is not None:
        return None
    return (
        f"{filleul} est mineur(e) et le programme « {programme.nom} » exige le contrôle "
        f"d'honorabilité des parrains de mineurs : aucun contrôle n'est enregistré pour "
        f"{parrain}. Enregistrez-le d'abord sur la fiche du parrain."
    )


def honorabilite_exiger(*, programme, filleul, parrain, jour: dt.date | None = None) -> None:
    motif = honorabilite_manquante(programme=programme, filleul=filleul, parrain=parrain, jour=jour)
    if motif:
        raise ValidationError(motif)


@transaction.atomic
def honorabilite_enregistrer(*, parrain, par, le: dt.date | None) -> Parrain:
    """Staff record that they checked a mentor's background on ``le`` (None: withdraw the
    record). Who checked is the staff member acting, never typed. Only the date and who are
    kept: never what the record said."""
    if le is not None and le > timezone.localdate():
        raise ValidationError("La date du contrôle d'honorabilité ne peut pas être dans le futur.")
    parrain = Parrain.objects.select_for_update().get(pk=parrain.pk)
    parrain.honorabilite_verifiee_le = le
    parrain.honorabilite_verifiee_par = par if le is not None else None
    parrain.save(update_fields=["honorabilite_verifiee_le", "honorabilite_verifiee_par"])
    return parrain
