"""Minors in the demo: two REP schools of Clermont-Ferrand, a legal guardian for every minor
mentee, pupils placed in their school and class, the guardians' consent to each minor's
application (signed, but for one still awaited), and mentors of minors checked where the
programme asks."""

import datetime as dt
import random

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from mentorat.models import Partie
from parrainages.models import (
    AGE_MAJORITE,
    AutorisationParentale,
    Candidature,
    Filleul,
    Parrain,
    Parrainage,
    RepresentantLegal,
)
from parrainages.models.charte import sha256_text
from parrainages.services.mineurs import ROLE_PREFIXE, autorisation_demander, autorisation_texte
from partenaires.models import EducationPrioritaire, Partenaire
from partenaires.uai import uai_cle
from programmes.models import Commune, Situation

from . import noms
from .partenaires import COLLEGE_CLERMONT
from .population import DOMAINE

SEED = 1000

# Two schools of Clermont-Ferrand's priority-education networks (demo data: the codes have a
# valid check letter but name no real school).
ECOLES = [
    (COLLEGE_CLERMONT, "0631234", EducationPrioritaire.REP_PLUS, "Quartier de la Croix-de-Neyrat"),
    ("Collège Lucie Aubrac", "0635678", EducationPrioritaire.REP, "Quartier Saint-Jacques"),
]
CLASSES = ("3e A", "3e B", "3e C")


def ecoles_demo() -> list[Partenaire]:
    clermont = Commune.objects.filter(code_insee="63113").first()
    ecoles = []
    for nom, chiffres, reseau, adresse in ECOLES:
        ecole, _ = Partenaire.objects.update_or_create(
            nom=nom,
            type=Partenaire.Type.ETABLISSEMENT_SCOLAIRE,
            defaults={
                "uai": chiffres + uai_cle(chiffres),
                "education_prioritaire": reseau,
                "commune": clermont,
                "adresse": adresse,
            },
        )
        ecoles.append(ecole)
    return ecoles


def _mineurs():
    limite = timezone.localdate().replace(year=timezone.localdate().year - AGE_MAJORITE)
    return Filleul.objects.filter(date_naissance__gt=limite, user__isnull=False)


@transaction.atomic
def mineurs_demo() -> None:
    """Once, after the population: idempotent (a minor who has a guardian is left alone)."""
    rng = random.Random(SEED)
    ecoles = ecoles_demo()
    mineurs = list(
        _mineurs().filter(representants_legaux__isnull=True).select_related("user").order_by("pk")
    )
    representants = []
    for n, filleul in enumerate(mineurs, start=1):
        mere = rng.random() < 0.6
        representants.append(
            RepresentantLegal(
                filleul=filleul,
                prenom=rng.choice(
                    noms.PRENOMS_FEMININS_FILLEULS if mere else noms.PRENOMS_MASCULINS_FILLEULS
                ),
                nom=filleul.user.last_name,
                lien=RepresentantLegal.Lien.MERE if mere else RepresentantLegal.Lien.PERE,
                email=f"representant.{filleul.pk}@{DOMAINE}",
                telephone=f"06{rng.randint(0, 99_999_999):08d}",
                created_at=filleul.created_at,
            )
        )
        if filleul.situation == Situation.ELEVE_3E_REP:
            filleul.etablissement = ecoles[n % len(ecoles)]
            filleul.classe = rng.choice(CLASSES)
    RepresentantLegal.objects.bulk_create(representants)
    Filleul.objects.bulk_update(
        [f for f in mineurs if f.etablissement_id], ["etablissement", "classe"]
    )
    _autorisations_signees()
    _mentors_controles()
    _une_autorisation_attendue()


def _autorisations_signees() -> None:
    """Every minor's application past the consent has the guardians' signed consent."""
    candidatures = list(
        Candidature.objects.filter(filleul__in=_mineurs(), autorisation_parentale__isnull=True)
        .exclude(statut=Candidature.Statut.ATTENTE_AUTORISATION)
        .select_related("filleul__user", "programme")
        .order_by("pk")
    )
    autorisations = []
    for candidature in candidatures:
        texte = autorisation_texte(candidature)
        accordee = candidature.created_at + dt.timedelta(hours=20)
        autorisations.append(
            AutorisationParentale(
                candidature=candidature,
                texte=texte,
                texte_sha256=sha256_text(texte),
                statut=AutorisationParentale.Statut.ACCORDEE,
                emise_le=candidature.created_at,
                accordee_le=accordee,
            )
        )
    AutorisationParentale.objects.bulk_create(autorisations)
    if not autorisations:
        return
    contenu = ContentType.objects.get_for_model(AutorisationParentale)
    representants = {
        r.filleul_id: r
        for r in RepresentantLegal.objects.filter(
            filleul__in=[c.filleul_id for c in candidatures]
        ).order_by("-pk")
    }
    parties, consentis = [], []
    for autorisation, candidature in zip(autorisations, candidatures, strict=True):
        representant = representants[candidature.filleul_id]
        parties.append(
            Partie(
                document_type=contenu,
                document_id=autorisation.pk,
                role=f"{ROLE_PREFIXE}{representant.pk}",
                libelle=f"Représentant légal ({representant.get_lien_display().lower()})",
                ordre=1,
                prenom=representant.prenom,
                nom=representant.nom,
                email=representant.email,
                telephone=representant.telephone,
                signee_le=autorisation.accordee_le,
                methode=Partie.Methode.CODE_EMAIL,
                texte_sha256=autorisation.texte_sha256,
                created_at=autorisation.emise_le,
            )
        )
        representant.consentement_le = autorisation.accordee_le
        consentis.append(representant)
    Partie.objects.bulk_create(parties)
    RepresentantLegal.objects.bulk_update(consentis, ["consentement_le"])


def _mentors_controles() -> None:
    """Mentors of minors in programmes that ask for it have their background check recorded."""
    from django.contrib.auth import get_user_model

    equipe = get_user_model().objects.filter(email=f"gestionnaire@{DOMAINE}").first()
    ids = (
        Parrainage.objects.filter(
            filleul__in=_mineurs(), programme__controle_honorabilite_requis=True
        )
        .values_list("parrain_id", flat=True)
        .distinct()
    )
    Parrain.objects.filter(pk__in=ids, honorabilite_verifiee_le__isnull=True).update(
        honorabilite_verifiee_le=timezone.localdate() - dt.timedelta(days=200),
        honorabilite_verifiee_par=equipe,
    )


def _une_autorisation_attendue() -> None:
    """The latest minor's application just filed waits for the guardian's consent (their link
    was e-mailed), so that staff see the status and the guardian's page can be tried."""
    if Candidature.objects.filter(statut=Candidature.Statut.ATTENTE_AUTORISATION).exists():
        return
    candidature = (
        Candidature.objects.filter(
            filleul__in=_mineurs(),
            statut=Candidature.Statut.DEPOSEE,
            parrainages__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )
    if candidature is None:
        return
    anciennes = list(
        AutorisationParentale.objects.filter(candidature=candidature).values_list("pk", flat=True)
    )
    Partie.objects.du_modele(AutorisationParentale).filter(document_id__in=anciennes).delete()
    AutorisationParentale.objects.filter(pk__in=anciennes).delete()
    Candidature.objects.filter(pk=candidature.pk).update(
        statut=Candidature.Statut.ATTENTE_AUTORISATION
    )
    candidature.refresh_from_db()
    autorisation_demander(candidature=candidature)
