"""Immersion conventions: proposal, parties, signatures, validation, sealed PDF, assessment.

A convention goes through the platform's one signature machinery (``mentorat.signatures``):
this module says who signs (``parties_attendues``), what is signed (``immersion_texte``:
the convention rendered as text, whose SHA-256 each signature records) and what happens at
each step (``TYPE_DOCUMENT``). Every write checks the legal limits first
(``parrainages.immersion_regles``): a crafted request is refused with the same French
message as the form would show, and nothing is changed.
"""

import datetime as dt
import hashlib
import secrets

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import courriel_ecrire
from mentorat.models import Partie
from mentorat.signatures import (
    TypeDocument,
    fichier_est_celui_emis,
    partie_ajouter,
    parties_de,
    parties_inviter,
    signatures_retirer,
)
from mentorat.taches import tache_apres_validation

from .. import immersion_horaires as H
from .. import immersion_regles as regles
from ..models import AGE_MAJORITE, BilanImmersion, Immersion, Parrainage

BILAN_LIEN_JOURS = 60

# What a proposal or a change may set (the rest is the pair's, or the workflow's).
CHAMPS = (
    "objet",
    "objectifs",
    "metier_code",
    "metier_libelle",
    "entreprise_nom",
    "entreprise_siret",
    "entreprise_adresse",
    "entreprise_commune",
    "lieu",
    "representant_est_parrain",
    "representant_prenom",
    "representant_nom",
    "representant_fonction",
    "representant_email",
    "representant_telephone",
    "tuteur_prenom",
    "tuteur_nom",
    "tuteur_fonction",
    "tuteur_email",
    "tuteur_telephone",
    "prescripteur",
    "conseiller_prenom",
    "conseiller_nom",
    "conseiller_fonction",
    "conseiller_email",
    "conseiller_telephone",
    "chef_etablissement_prenom",
    "chef_etablissement_nom",
    "chef_etablissement_email",
    "enseignant_prenom",
    "enseignant_nom",
    "enseignant_email",
    "enseignant_telephone",
    "date_debut",
    "date_fin",
    "horaires",
    "activites",
    "competences",
    "epi",
    "epi_detail",
    "risques",
    "sans_travaux_dangereux",
    "urgence_nom",
    "urgence_telephone",
)
CHAMPS_PMSMP_SEULEMENT = (
    "objet",
    "conseiller_prenom",
    "conseiller_nom",
    "conseiller_fonction",
    "conseiller_email",
    "conseiller_telephone",
)
CHAMPS_OBSERVATION_SEULEMENT = (
    "chef_etablissement_prenom",
    "chef_etablissement_nom",
    "chef_etablissement_email",
    "enseignant_prenom",
    "enseignant_nom",
    "enseignant_email",
    "enseignant_telephone",
    "sans_travaux_dangereux",
)


def _sha256(texte: str) -> str:
    return hashlib.sha256(texte.encode("utf-8")).hexdigest()


# --- What is signed -------------------------------------------------------------------------------


def contexte_convention(immersion: Immersion) -> dict:
    """What every rendering of a convention shows (the text signed, the pages, the PDF)."""
    filleul = immersion.parrainage.filleul
    resume = immersion.resume_horaires()
    mineur = filleul.age(immersion.date_debut) < AGE_MAJORITE
    return {
        "immersion": immersion,
        "filleul": filleul,
        "beneficiaire": filleul.user.get_full_name() if filleul.user_id else "",
        "representants": list(filleul.representants_legaux.all()) if mineur else [],
        "horaires_lignes": resume["lignes"],
        "heures_semaine": resume["semaine"],
        "heures_total": resume["total"],
        "jours_presence": resume["jours"],
    }


def immersion_texte(immersion: Immersion) -> str:
    """The convention as the parties sign it: every field that binds them, as plain text."""
    return render_to_string("parrainages/immersion/texte.txt", contexte_convention(immersion))


# --- Who signs ------------------------------------------------------------------------------------


def parties_attendues(immersion: Immersion) -> list[dict]:
    """Each party of ``immersion``, in signing order (Code du travail L5135-4 and D5135-2 for
    a PMSMP; L4153-2 and Code de l'éducation D331-3 to D331-6 for a pupil)."""
    parrainage = immersion.parrainage
    filleul, parrain = parrainage.filleul, parrainage.parrain
    observation = immersion.est_observation
    user = filleul.user
    parties = [
        {
            "role": "beneficiaire",
            "libelle": "Élève" if observation else "Bénéficiaire",
            "ordre": 10,
            "user": user,
            "prenom": user.first_name if user else "",
            "nom": user.last_name if user else "",
            "email": user.email if user else "",
        }
    ]
    if filleul.age(immersion.date_debut) < AGE_MAJORITE:
        for r in filleul.representants_legaux.order_by("created_at", "pk"):
            parties.append(
                {
                    "role": f"representant_legal_{r.pk}",
                    "libelle": f"Représentant(e) légal(e) ({r.get_lien_display().lower()})",
                    "ordre": 20,
                    "prenom": r.prenom,
                    "nom": r.nom,
                    "email": r.email,
                    "telephone": r.telephone,
                }
            )
    if observation:
        ecole = immersion.prescripteur.nom if immersion.prescripteur_id else ""
        parties.append(
            {
                "role": "etablissement",
                "libelle": "Chef(fe) d'établissement",
                "ordre": 30,
                "prenom": immersion.chef_etablissement_prenom,
                "nom": immersion.chef_etablissement_nom,
                "fonction": "Chef(fe) d'établissement",
                "organisme": ecole,
                "email": immersion.chef_etablissement_email,
            }
        )
        parties.append(
            {
                "role": "enseignant",
                "libelle": "Professeur(e) référent(e)",
                "ordre": 35,
                "prenom": immersion.enseignant_prenom,
                "nom": immersion.enseignant_nom,
                "fonction": "Professeur(e) référent(e)",
                "organisme": ecole,
                "email": immersion.enseignant_email,
                "telephone": immersion.enseignant_telephone,
            }
        )
    meme_personne = (
        immersion.tuteur_email.casefold() == immersion.representant_email.casefold()
        if immersion.tuteur_email and immersion.representant_email
        else False
    )
    parties.append(
        {
            "role": "entreprise",
            "libelle": "Représentant(e) de l'entreprise d'accueil"
            + (" et tuteur ou tutrice" if meme_personne else ""),
            "ordre": 40,
            "user": parrain.user if immersion.representant_est_parrain else None,
            "prenom": immersion.representant_prenom,
            "nom": immersion.representant_nom,
            "fonction": immersion.representant_fonction,
            "organisme": immersion.entreprise_nom,
            "email": immersion.representant_email,
            "telephone": immersion.representant_telephone,
        }
    )
    if not meme_personne:
        parties.append(
            {
                "role": "tuteur",
                "libelle": "Tuteur ou tutrice",
                "ordre": 50,
                "prenom": immersion.tuteur_prenom,
                "nom": immersion.tuteur_nom,
                "fonction": immersion.tuteur_fonction,
                "organisme": immersion.entreprise_nom,
                "email": immersion.tuteur_email,
                "telephone": immersion.tuteur_telephone,
            }
        )
    if not observation:
        parties.append(
            {
                "role": "prescripteur",
                "libelle": "Conseiller(ère) de la structure prescriptrice",
                "ordre": 60,
                "prenom": immersion.conseiller_prenom,
                "nom": immersion.conseiller_nom,
                "fonction": immersion.conseiller_fonction,
                "organisme": immersion.prescripteur.nom if immersion.prescripteur_id else "",
                "email": immersion.conseiller_email,
                "telephone": immersion.conseiller_telephone,
            }
        )
    return parties


IDENTITE = ("libelle", "ordre", "user", "prenom", "nom", "fonction", "organisme", "email")
IDENTITE += ("telephone",)


def parties_synchroniser(immersion: Immersion) -> None:
    """Make the parties rows those ``parties_attendues`` says (unsigned rows only are changed:
    the caller withdrew the signatures first when the text changed)."""
    attendues = {p["role"]: p for p in parties_attendues(immersion)}
    existantes = {p.role: p for p in parties_de(immersion)}
    for role, partie in existantes.items():
        if role not in attendues:
            partie.delete()
    for role, attendue in attendues.items():
        partie = existantes.get(role)
        if partie is None:
            partie_ajouter(document=immersion, **attendue)
            continue
        valeurs = {
            champ: attendue.get(champ, "" if champ != "user" else None) for champ in IDENTITE
        }
        if valeurs["user"] is not None:
            valeurs["prenom"] = valeurs["prenom"] or valeurs["user"].first_name
            valeurs["nom"] = valeurs["nom"] or valeurs["user"].last_name
            valeurs["email"] = valeurs["email"] or valeurs["user"].email
        if not valeurs["email"]:
            raise ValidationError(f"{valeurs['libelle']} : une adresse e-mail est nécessaire.")
        change = [c for c, v in valeurs.items() if getattr(partie, c) != v]
        if change:
            for champ in change:
                setattr(partie, champ, valeurs[champ])
            partie.save(update_fields=change)


# --- Writes of the mentor and of staff ------------------------------------------------------------


def _verrouiller(immersion) -> Immersion:
    return (
        Immersion.objects.select_for_update(of=("self",))
        .select_related(
            "parrainage__programme__coordinateur",
            "parrainage__parrain__user",
            "parrainage__filleul__user",
            "prescripteur",
        )
        .get(pk=immersion.pk)
    )


def _appliquer(immersion: Immersion, donnees: dict) -> None:
    """Set the fields ``donnees`` gives, then what the pair and the nature decide."""
    parrainage = immersion.parrainage
    for champ in CHAMPS:
        if champ in donnees:
            setattr(immersion, champ, donnees[champ])
    immersion.entreprise_siret = "".join((immersion.entreprise_siret or "").split())
    immersion.metier_code = (immersion.metier_code or "").strip().upper()
    immersion.nature = regles.nature_attendue(parrainage)
    if immersion.est_observation:
        immersion.prescripteur_id = parrainage.filleul.etablissement_id
        immersion.objet = ""
        for champ in CHAMPS_PMSMP_SEULEMENT:
            setattr(immersion, champ, "")
    else:
        for champ in CHAMPS_OBSERVATION_SEULEMENT:
            setattr(immersion, champ, False if champ == "sans_travaux_dangereux" else "")
    if immersion.representant_est_parrain:
        parrain = parrainage.parrain
        user = parrain.user
        immersion.representant_prenom = user.first_name if user else ""
        immersion.representant_nom = user.last_name if user else ""
        immersion.representant_email = user.email if user else ""
        immersion.representant_telephone = user.telephone if user else ""
        immersion.representant_fonction = parrain.fonction
        immersion.entreprise_nom = immersion.entreprise_nom or parrain.entreprise


def _emettre(immersion: Immersion) -> bool:
    """Freeze the text; True when it changed (the parties have something new to sign)."""
    texte = immersion_texte(immersion)
    empreinte = _sha256(texte)
    change = empreinte != immersion.texte_sha256
    immersion.texte, immersion.texte_sha256 = texte, empreinte
    return change


def _exiger_parrain_ou_equipe(parrainage, par) -> None:
    if not (par.is_staff or parrainage.parrain.user_id == par.pk):
        raise ValidationError("Ce parrainage n'est pas le vôtre.")


@transaction.atomic
def immersion_proposer(*, parrainage, par, donnees: dict) -> Immersion:
    """The mentor proposes a convention for their pair: checked, frozen, each party invited."""
    parrainage = (
        Parrainage.objects.select_for_update(of=("self",))
        .select_related("programme", "parrain__user", "filleul__user", "filleul__etablissement")
        .get(pk=parrainage.pk)
    )
    _exiger_parrain_ou_equipe(parrainage, par)
    if parrainage.statut != Parrainage.Statut.ACTIF:
        raise ValidationError("Ce parrainage n'est pas en cours.")
    if not (parrainage.programme.offre_immersion and parrainage.parrain.offre_immersion):
        # The page offers no form then; a hand-made request gets the same answer.
        raise ValidationError("Ce parrainage ne prévoit pas d'immersion.")
    immersion = Immersion(parrainage=parrainage, proposee_par=par)
    _appliquer(immersion, donnees)
    # The same proposal posted twice (the pair's lock makes the second wait): the first one.
    meme = (
        parrainage.immersions.en_vigueur()
        .filter(
            date_debut=immersion.date_debut,
            date_fin=immersion.date_fin,
            entreprise_siret=immersion.entreprise_siret,
            proposee_par=par,
        )
        .first()
    )
    if meme is not None:
        return meme
    regles.verifier(immersion)
    immersion.soumise_le = timezone.now()
    _emettre(immersion)
    immersion.save()
    parties_synchroniser(immersion)
    parties_inviter(document=immersion)
    return immersion


@transaction.atomic
def immersion_renouveler(*, immersion, par, date_debut, date_fin, horaires=None) -> Immersion:
    """A second period for the same purpose and objectives (Code du travail, D5135-3): a new
    convention, copied from the first with new dates (and hours), signed again by all."""
    initiale = _verrouiller(immersion)
    _exiger_parrain_ou_equipe(initiale.parrainage, par)
    donnees = {champ: getattr(initiale, champ) for champ in CHAMPS}
    donnees.update(date_debut=date_debut, date_fin=date_fin)
    if horaires is not None:
        donnees["horaires"] = horaires
    nouvelle = Immersion(parrainage=initiale.parrainage, proposee_par=par, renouvelle=initiale)
    _appliquer(nouvelle, donnees)
    regles.verifier(nouvelle)
    nouvelle.soumise_le = timezone.now()
    _emettre(nouvelle)
    nouvelle.save()
    parties_synchroniser(nouvelle)
    parties_inviter(document=nouvelle)
    return nouvelle


@transaction.atomic
def immersion_modifier(*, immersion, par, donnees: dict) -> Immersion:
    """Change a convention before its validation. When what is signed changes, every
    signature (and refusal) given so far is withdrawn and every party asked again."""
    immersion = _verrouiller(immersion)
    _exiger_parrain_ou_equipe(immersion.parrainage, par)
    if not immersion.modifiable:
        raise ValidationError(
            f"Une convention « {immersion.get_statut_display().lower()} » ne se modifie plus : "
            "annulez-la et proposez-en une nouvelle."
        )
    _appliquer(immersion, donnees)
    if immersion.statut == Immersion.Statut.BROUILLON:
        # A draft may be completed in several goes: checked when sent to signature.
        immersion.save()
        return immersion
    regles.verifier(immersion)
    if not _emettre(immersion):
        immersion.save()
        return immersion
    signatures_retirer(document=immersion)
    immersion.soumettre()
    immersion.save()
    parties_synchroniser(immersion)
    parties_inviter(document=immersion)
    return immersion


@transaction.atomic
def immersion_soumettre(*, immersion, par) -> Immersion:
    """A draft (a proposal made before conventions existed, completed by staff) goes to
    signature: checked, frozen, each party invited."""
    immersion = _verrouiller(immersion)
    _exiger_parrain_ou_equipe(immersion.parrainage, par)
    if immersion.statut != Immersion.Statut.BROUILLON:
        raise ValidationError(
            "Seul un brouillon s'envoie à la signature ; une convention déjà envoyée se "
            "modifie (chaque partie est alors invitée à signer de nouveau)."
        )
    regles.verifier(immersion)
    immersion.soumettre()
    _emettre(immersion)
    immersion.save()
    signatures_retirer(document=immersion)
    parties_synchroniser(immersion)
    parties_inviter(document=immersion)
    return immersion


@transaction.atomic
def immersion_relancer(*, immersion) -> int:
    """Send each party still to sign a new link (the previous one stops working)."""
    immersion = _verrouiller(immersion)
    raison = regles.signature_possible(immersion)
    if raison:
        raise ValidationError(raison)
    return parties_inviter(document=immersion, regle="signature_relance")


@transaction.atomic
def immersion_valider(*, immersion, par) -> Immersion:
    """Staff validate a convention every party signed: its sealed PDF is made and sent."""
    immersion = _verrouiller(immersion)
    if immersion.statut != Immersion.Statut.A_VALIDER:
        immersion._passer_a(Immersion.Statut.VALIDEE)  # refused with the usual message
    parties = list(parties_de(immersion))
    if not parties or any(
        p.signee_le is None or p.texte_sha256 != immersion.texte_sha256 for p in parties
    ):
        raise ValidationError("Toutes les parties n'ont pas signé le texte en vigueur.")
    aujourd_hui = timezone.localdate()
    if immersion.date_fin < aujourd_hui:
        raise ValidationError(
            "La période est terminée : la convention ne peut plus être validée. Annulez-la."
        )
    # The limits as they stood when the last party signed (the first day may have come since),
    # the overlaps as they stand now.
    signee = timezone.localtime(immersion.signee_le).date() if immersion.signee_le else None
    regles.verifier(immersion, aujourd_hui=min(aujourd_hui, signee or aujourd_hui))
    immersion.valider(par=par)
    immersion.save(update_fields=["statut", "valide_le", "valide_par"])
    # Robust: with the broker down the validation stands; the catch-up enqueues it later.
    tache_apres_validation("parrainages.produire_immersion_pdf", immersion.pk)
    return immersion


@transaction.atomic
def immersion_refuser(*, immersion, par, motif: str) -> Immersion:
    """Staff refuse a convention (before validation), with the reason: the parties are told."""
    immersion = _verrouiller(immersion)
    immersion.refuser(
        par=f"L'équipe du programme ({par.get_full_name() or par.email})", motif=motif
    )
    immersion.save(update_fields=["statut", "refusee_le", "refusee_par", "motif_refus"])
    _prevenir(immersion, "immersion_refusee", f"Convention refusée — {_titre(immersion)}")
    return immersion


@transaction.atomic
def immersion_annuler(*, immersion, par, motif: str) -> Immersion:
    """Staff (or the mentor before validation) cancel a convention, with the reason."""
    immersion = _verrouiller(immersion)
    _exiger_parrain_ou_equipe(immersion.parrainage, par)
    if not par.is_staff and immersion.statut not in Immersion.STATUTS_MODIFIABLES:
        raise ValidationError("Une convention validée ne s'annule que par l'équipe du programme.")
    immersion.annuler(motif=motif)
    immersion.save(update_fields=["statut", "annulee_le", "motif_annulation"])
    # Links stop working: nothing is left to sign.
    Partie.objects.du_document(immersion).update(jeton_hash="", jeton_expire_le=None)
    _prevenir(immersion, "immersion_annulee", f"Convention annulée — {_titre(immersion)}")
    return immersion


# --- Messages -------------------------------------------------------------------------------------


def _titre(immersion) -> str:
    nom = immersion.entreprise_nom or "entreprise d'accueil"
    return f"{immersion.titre} chez {nom}, du {immersion.date_debut:%d/%m/%Y}"


def _destinataires(immersion, *, sauf=None, equipe=True):
    """(key, address, account) of each party, the pair's mentor and the programme's
    coordinator, once per address."""
    vus = set()
    for partie in parties_de(immersion):
        if sauf is not None and partie.pk == sauf.pk:
            vus.add(partie.adresse.casefold())
            continue
        if partie.adresse and partie.adresse.casefold() not in vus:
            vus.add(partie.adresse.casefold())
            yield f"partie{partie.pk}", partie.adresse, partie.user
    parrain = immersion.parrainage.parrain.user
    if parrain is not None and parrain.email.casefold() not in vus:
        vus.add(parrain.email.casefold())
        yield f"parrain{parrain.pk}", parrain.email, parrain
    coordinateur = immersion.parrainage.programme.coordinateur
    if equipe and coordinateur is not None and coordinateur.email.casefold() not in vus:
        yield f"equipe{coordinateur.pk}", coordinateur.email, coordinateur


def _prevenir(immersion, regle, sujet, *, sauf=None, contexte=None, pieces_jointes=()):
    marque = (immersion.refusee_le or immersion.annulee_le or timezone.now()).timestamp()
    for cle, adresse, user in _destinataires(immersion, sauf=sauf):
        courriel_ecrire(
            regle=regle,
            cle=f"{regle}:{immersion.pk}:{int(marque)}:{cle}",
            a=adresse,
            destinataire=user,
            sujet=sujet,
            gabarit=f"parrainages/emails/{regle}",
            contexte={"immersion": immersion, **(contexte or {})},
            pieces_jointes=pieces_jointes,
        )


# --- The machinery's hooks ------------------------------------------------------------------------


def _apres_signature(immersion, partie) -> None:
    if immersion.statut == Immersion.Statut.A_SIGNER:
        immersion.marquer_signature()
        immersion.save(update_fields=["statut"])


def _tout_signe(immersion) -> None:
    immersion.marquer_signee()
    immersion.save(update_fields=["statut", "signee_le"])
    coordinateur = immersion.parrainage.programme.coordinateur
    if coordinateur is not None:
        courriel_ecrire(
            regle="immersion_a_valider",
            cle=f"immersion_a_valider:{immersion.pk}:{immersion.texte_sha256[:16]}",
            a=coordinateur.email,
            destinataire=coordinateur,
            sujet=f"Convention à valider — {_titre(immersion)}",
            gabarit="parrainages/emails/immersion_a_valider",
            contexte={"immersion": immersion},
        )


def _refus(immersion, partie) -> None:
    immersion.refuser(par=f"{partie.libelle} — {partie.designation}", motif=partie.motif_refus)
    immersion.save(update_fields=["statut", "refusee_le", "refusee_par", "motif_refus"])
    _prevenir(
        immersion, "immersion_refusee", f"Convention refusée — {_titre(immersion)}", sauf=partie
    )


def _pdf(immersion):
    if not immersion.pdf:
        return None
    return immersion.pdf, nom_fichier_immersion(immersion)


def nom_fichier_immersion(immersion) -> str:
    sorte = "observation" if immersion.est_observation else "pmsmp"
    return f"convention-{sorte}-{immersion.date_debut:%Y-%m-%d}.pdf"


def _url(immersion) -> str:
    return reverse("immersion_ouvrir", kwargs={"uuid": immersion.uuid})


TYPE_DOCUMENT = TypeDocument(
    model=Immersion,
    titre=lambda immersion: _titre(immersion),
    ouvert=lambda immersion: immersion.en_signature,
    texte_sha256=lambda immersion: immersion.texte_sha256,
    tout_signe=_tout_signe,
    gabarit="parrainages/immersion/_convention.html",
    url=_url,
    refuse=_refus,
    pdf=_pdf,
    signe=_apres_signature,
    raison_fermeture=lambda immersion: regles.signature_possible(immersion),
)


# --- The sealed PDF -------------------------------------------------------------------------------


def _contexte_pdf(immersion) -> dict:
    url = f"{settings.SITE_URL}{reverse('immersion_verifier', kwargs={'uuid': immersion.uuid})}"
    return {
        **contexte_convention(immersion),
        "parties": list(parties_de(immersion)),
        "url_verification": url,
        "qr_svg": segno.make(url, error="m").svg_data_uri(scale=4, border=1),
        "produit_le": timezone.now(),
    }


def immersion_rendre_pdf(immersion) -> bytes:
    from mentorat.pdf import rendre_pdf

    return rendre_pdf("parrainages/pdf/immersion.html", _contexte_pdf(immersion))


STATUTS_AVEC_PDF = (Immersion.Statut.VALIDEE, Immersion.Statut.TERMINEE)


def immersion_produire_pdf(*, immersion_id: int) -> bool:
    """Render, seal and store the PDF of a validated convention (once; see the charter's
    ``charte_produire_pdf`` for the order of writes). Returns True when this call made it."""
    from mentorat.scellement import sceller

    with transaction.atomic():
        immersion = (
            Immersion.objects.select_for_update(of=("self",))
            .select_related("parrainage__programme", "parrainage__filleul__user", "prescripteur")
            .get(pk=immersion_id)
        )
        if (
            immersion.statut not in STATUTS_AVEC_PDF
            or immersion.valide_le is None
            or immersion.pdf
            or immersion.pdf_sha256
        ):
            return False
        pdf = sceller(
            immersion_rendre_pdf(immersion),
            raison=f"{immersion.titre} — {immersion.parrainage.programme.nom}",
            lieu="Mentorat",
        )
        immersion.pdf.save(f"immersion-{immersion.uuid}.pdf", ContentFile(pdf), save=False)
        immersion.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        immersion.pdf_produit_le = timezone.now()
        immersion.save(update_fields=["pdf", "pdf_sha256", "pdf_produit_le"])
    return True


def immersion_envoyer_pdf(*, immersion_id: int) -> bool:
    """E-mail the sealed PDF to every party and the pair's mentor, once (the row stays locked
    while the messages are written and is marked sent in the same transaction)."""
    with transaction.atomic():
        immersion = (
            Immersion.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("parrainage__programme__coordinateur", "parrainage__parrain__user")
            .filter(pk=immersion_id, envoyee_le__isnull=True, pdf_sha256__gt="")
            .exclude(pdf="")
            .first()
        )
        if immersion is None:
            return False
        jointe = {
            "nom": nom_fichier_immersion(immersion),
            "type": "application/pdf",
            "fichier": immersion.pdf.name,
        }
        for cle, adresse, user in _destinataires(immersion, equipe=False):
            courriel_ecrire(
                regle="immersion_validee",
                cle=f"immersion_validee:{immersion.pk}:{cle}",
                a=adresse,
                destinataire=user,
                sujet=f"Convention validée — {_titre(immersion)}",
                gabarit="parrainages/emails/immersion_validee",
                contexte={"immersion": immersion},
                pieces_jointes=[jointe],
            )
        immersion.envoyee_le = timezone.now()
        immersion.save(update_fields=["envoyee_le"])
    return True


def immersion_verifier_fichier(*, immersion, contenu: bytes) -> bool:
    return fichier_est_celui_emis(empreinte=immersion.pdf_sha256, contenu=contenu)


def immersions_a_rattraper(*, enqueue, delai_minutes: int = 10) -> list[int]:
    """Validated conventions left without a PDF or unsent for ``delai_minutes``: enqueue each
    (those validated before conventions existed have no validation date: left alone)."""
    limite = timezone.now() - dt.timedelta(minutes=delai_minutes)
    ids = list(
        Immersion.objects.filter(statut__in=STATUTS_AVEC_PDF, valide_le__lt=limite)
        .filter(models.Q(pdf_sha256="") | (models.Q(envoyee_le__isnull=True) & ~models.Q(pdf="")))
        .order_by("valide_le")
        .values_list("pk", flat=True)
    )
    for immersion_id in ids:
        enqueue(immersion_id)
    return ids


# --- The assessment -------------------------------------------------------------------------------


def _hash(valeur: str) -> str:
    return hashlib.sha256(valeur.encode()).hexdigest()


def bilan_lien_emettre(immersion) -> str:
    """A new link for the tutor's assessment (the previous one stops working); only its hash
    is kept, the URL exists in the message that carries it."""
    jeton = secrets.token_urlsafe(32)
    immersion.bilan_jeton_hash = _hash(jeton)
    immersion.bilan_jeton_expire_le = timezone.now() + dt.timedelta(days=BILAN_LIEN_JOURS)
    immersion.save(update_fields=["bilan_jeton_hash", "bilan_jeton_expire_le"])
    return f"{settings.SITE_URL}{reverse('immersion_bilan', kwargs={'jeton': jeton})}"


class LienBilanInvalide(Exception):
    """Unknown, replaced or expired (the message says which, in French)."""


def immersion_depuis_jeton_bilan(jeton: str) -> Immersion:
    immersion = (
        Immersion.objects.select_related("parrainage__programme", "parrainage__filleul__user")
        .filter(bilan_jeton_hash=_hash(jeton or ""))
        .exclude(bilan_jeton_hash="")
        .first()
    )
    if immersion is None:
        raise LienBilanInvalide(
            "Ce lien n'est pas valide : il a peut-être été remplacé par un lien plus récent, ou "
            "le bilan a déjà été transmis."
        )
    if immersion.bilan_jeton_expire_le is None or immersion.bilan_jeton_expire_le <= timezone.now():
        raise LienBilanInvalide(
            "Ce lien a expiré. Demandez à l'équipe du programme de vous en envoyer un nouveau."
        )
    return immersion


def _demander_bilan(immersion, *, cle: str) -> None:
    lien = bilan_lien_emettre(immersion)
    courriel_ecrire(
        regle="immersion_bilan_demande",
        cle=cle,
        a=immersion.tuteur_email,
        sujet=f"Bilan de fin d'immersion à remplir — {immersion.parrainage.programme.nom}",
        gabarit="parrainages/emails/immersion_bilan_demande",
        contexte={"immersion": immersion, "lien": lien, "jours": BILAN_LIEN_JOURS},
        # The link lets whoever holds it write the assessment.
        confidentiel=True,
    )


def bilans_demander(*, aujourd_hui: dt.date | None = None) -> int:
    """Each validated convention whose last day has come: its tutor receives the assessment
    link, once (the request's date is written in the transaction of the message)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    ids = list(
        Immersion.objects.filter(
            statut=Immersion.Statut.VALIDEE,
            date_fin__lte=aujourd_hui,
            bilan_demande_le__isnull=True,
        )
        .exclude(tuteur_email="")
        .values_list("pk", flat=True)
    )
    demandes = 0
    for immersion_id in ids:
        with transaction.atomic():
            immersion = (
                Immersion.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("parrainage__programme", "parrainage__filleul__user")
                .filter(pk=immersion_id, bilan_demande_le__isnull=True)
                .first()
            )
            if immersion is None:
                continue
            _demander_bilan(immersion, cle=f"immersion_bilan_demande:{immersion.pk}")
            immersion.bilan_demande_le = timezone.now()
            immersion.save(update_fields=["bilan_demande_le"])
            demandes += 1
    return demandes


@transaction.atomic
def bilan_renvoyer(*, immersion) -> Immersion:
    """Staff send the tutor a new assessment link (the previous one stops working)."""
    immersion = _verrouiller(immersion)
    if immersion.statut != Immersion.Statut.VALIDEE or immersion.date_fin > timezone.localdate():
        raise ValidationError("Le bilan se demande une fois la période validée et terminée.")
    _demander_bilan(
        immersion, cle=f"immersion_bilan_demande:{immersion.pk}:{int(timezone.now().timestamp())}"
    )
    immersion.bilan_demande_le = timezone.now()
    immersion.save(update_fields=["bilan_demande_le"])
    return immersion


@transaction.atomic
def bilan_enregistrer(*, immersion, donnees: dict) -> BilanImmersion:
    """The tutor's assessment, once: a second one is refused and changes nothing."""
    immersion = _verrouiller(immersion)
    deja = BilanImmersion.objects.filter(immersion=immersion).first()
    if deja is not None:
        le = timezone.localtime(deja.created_at)
        raise ValidationError(
            f"Le bilan de cette immersion a déjà été transmis le {le:%d/%m/%Y à %H:%M} : il ne "
            "peut plus être modifié. Pour une correction, écrivez à l'équipe du programme."
        )
    if immersion.statut != Immersion.Statut.VALIDEE:
        raise ValidationError("Cette immersion n'attend pas de bilan.")
    semaine = H.lire(immersion.horaires)
    prevus = len(H.jours_de_presence(semaine, immersion.date_debut, immersion.date_fin))
    presence, absence = donnees["jours_presence"], donnees.get("jours_absence") or 0
    if presence + absence > prevus:
        raise ValidationError(
            {
                "jours_presence": f"La convention prévoyait {prevus} jours de présence : "
                "présences et absences ne peuvent en compter davantage."
            }
        )
    attendues = immersion.liste_competences()
    niveaux = donnees.get("competences") or {}
    if set(niveaux) - set(attendues) or any(
        n not in BilanImmersion.Niveau.values for n in niveaux.values()
    ):
        raise ValidationError("Compétence ou niveau inconnu.")
    if donnees.get("issue") not in BilanImmersion.Issue.values:
        raise ValidationError({"issue": "Choisissez la suite envisagée."})
    bilan = BilanImmersion.objects.create(
        immersion=immersion,
        jours_presence=presence,
        jours_absence=absence,
        competences=[
            {"competence": c, "niveau": niveaux.get(c, BilanImmersion.Niveau.NON_OBSERVEE)}
            for c in attendues
        ],
        issue=donnees["issue"],
        commentaire=(donnees.get("commentaire") or "").strip(),
        rempli_par=", ".join(
            p for p in (immersion.tuteur_nom_complet, immersion.entreprise_nom) if p
        ),
    )
    immersion.terminer()
    # The link stays valid until it expires: it then shows the assessment as sent (and a
    # second posting is refused with the date of the first).
    immersion.save(update_fields=["statut"])
    filleul, parrain = immersion.parrainage.filleul.user, immersion.parrainage.parrain.user
    for user in (u for u in (filleul, parrain) if u is not None):
        courriel_ecrire(
            regle="immersion_bilan_recu",
            cle=f"immersion_bilan_recu:{immersion.pk}:{user.pk}",
            a=user.email,
            destinataire=user,
            sujet=f"Le bilan de l'immersion est arrivé — {immersion.parrainage.programme.nom}",
            gabarit="parrainages/emails/immersion_bilan_recu",
            contexte={"immersion": immersion, "bilan": bilan, "pour_parrain": user == parrain},
        )
    return bilan
