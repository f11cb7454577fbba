"""A mentee's address and priority neighbourhood (QPV): determined from the address, or decided
by staff with a reason. See docs/qpv.md.

Rules:

* saving a new or changed address (re)computes the result: at once when geocoding needs no
  network (the shipped sample: development, demo, tests), otherwise by a Celery task after the
  commit (the national address base answers over the network; the request never waits on it);
* until the task has run the result is « en cours »; a failure of any kind gives
  « indéterminé », and the self-declaration counts (``parrainages.eligibilite``), to check;
* staff may decide the result themselves, with a mandatory reason (kept, and the change is in
  the audit trail). Their decision stays until the address changes: a new address is a new
  fact, computed again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentorat.taches import tache_apres_validation
from programmes.geocodage import geocodage_hors_reseau, geocoder
from programmes.qpv import perimetres_date, qpv_du_point

from ..models import Filleul

R = Filleul.ResultatQPV
CHAMPS_ADRESSE = ["adresse", "adresse_complement", "code_postal"]
CHAMPS_QPV = [
    "qpv_resultat",
    "qpv_code",
    "qpv_nom",
    "qpv_determine_le",
    "qpv_origine",
    "qpv_source",
    "qpv_motif",
]
MOTIF_LONGUEUR_MIN = 5


def cle_adresse(filleul: Filleul) -> tuple:
    return (
        " ".join(filleul.adresse.split()).lower(),
        filleul.code_postal.strip(),
        filleul.commune_id,
    )


def adresse_a_changer(filleul: Filleul, avant: tuple | None) -> bool:
    """Whether the address the result depends on differs from ``avant`` (None: a new profile)."""
    return avant is None or cle_adresse(filleul) != avant


def qpv_preparer(filleul: Filleul, *, avant: tuple | None) -> bool:
    """Set the result of ``filleul`` (not saved) after its address was given or changed.

    Called by the services that write an address, before they save. Returns True when a
    Celery task must compute it after the commit (``qpv_planifier``). An unchanged address
    keeps its result, staff's decision included.
    """
    deja_fixe = (
        filleul.qpv_determine_le is not None or filleul.qpv_origine == Filleul.OrigineQPV.EQUIPE
    )
    if not adresse_a_changer(filleul, avant) and deja_fixe:
        return False
    if not filleul.adresse.strip() or not filleul.code_postal.strip():
        _ecrire(filleul, R.INDETERMINE, source="aucune adresse donnée")
        return False
    if geocodage_hors_reseau():
        _ecrire_depuis_adresse(filleul)
        return False
    _ecrire(filleul, R.EN_COURS, source="calcul en attente")
    filleul.qpv_determine_le = None
    return True


def qpv_planifier(filleul: Filleul) -> None:
    tache_apres_validation("parrainages.determiner_qpv", filleul.pk)


def filleul_adresse_enregistrer(
    *, filleul: Filleul, adresse: str, complement: str = "", code_postal: str, commune=None
) -> Filleul:
    """Write a mentee's postal address (the profile, a partner filling it with the person) and
    (re)compute their priority neighbourhood. Refused with a French message when invalid."""
    with transaction.atomic():
        filleul = Filleul.objects.select_for_update().get(pk=filleul.pk)
        avant = cle_adresse(filleul)
        filleul.adresse = " ".join(adresse.split())
        filleul.adresse_complement = " ".join(complement.split())
        filleul.code_postal = code_postal.strip()
        if commune is not None:
            filleul.commune = commune
        adresse_verifier(filleul)
        filleul.full_clean(
            exclude=[f.name for f in Filleul._meta.fields if f.name not in CHAMPS_ADRESSE]
        )
        a_planifier = qpv_preparer(filleul, avant=avant)
        filleul.save(update_fields=[*CHAMPS_ADRESSE, "commune", *CHAMPS_QPV])
        if a_planifier:
            qpv_planifier(filleul)
        return filleul


def adresse_verifier(filleul: Filleul) -> None:
    """A street line goes with a postcode of the commune; raises a French ValidationError."""
    erreurs = {}
    if filleul.adresse.strip() and not filleul.code_postal.strip():
        erreurs["code_postal"] = "Indiquez le code postal de votre adresse."
    if filleul.code_postal.strip() and not filleul.adresse.strip():
        erreurs["adresse"] = "Indiquez le numéro et la voie de votre adresse."
    codes = (filleul.commune.codes_postaux or filleul.commune.code_postal).split()
    if filleul.code_postal.strip() and codes and filleul.code_postal.strip() not in codes:
        erreurs["code_postal"] = (
            f"Ce code postal n'est pas celui de {filleul.commune.nom} ({', '.join(codes)})."
        )
    if erreurs:
        raise ValidationError(erreurs)


def _ecrire(filleul, resultat, *, source, quartier=None, origine=Filleul.OrigineQPV.ADRESSE):
    filleul.qpv_resultat = resultat
    filleul.qpv_code = quartier.code if quartier else ""
    filleul.qpv_nom = quartier.nom if quartier else ""
    filleul.qpv_determine_le = timezone.now()
    filleul.qpv_origine = origine
    filleul.qpv_source = source[:300]
    filleul.qpv_motif = ""


def _ecrire_depuis_adresse(filleul: Filleul) -> None:
    """Geocode the address and look its point up in the imported perimeters."""
    geocodage = geocoder(
        adresse=filleul.adresse, code_postal=filleul.code_postal, commune=filleul.commune
    )
    aujourdhui = timezone.localdate().strftime("%d/%m/%Y")
    if not geocodage.trouve:
        _ecrire(
            filleul,
            R.INDETERMINE,
            source=f"{geocodage.geocodeur_nom}, {aujourdhui} : {geocodage.motif}",
        )
        return
    importes = perimetres_date()
    if importes is None:
        _ecrire(
            filleul,
            R.INDETERMINE,
            source=f"aucun périmètre QPV importé ({geocodage.geocodeur_nom}, {aujourdhui})",
        )
        return
    quartier = qpv_du_point(longitude=geocodage.longitude, latitude=geocodage.latitude)
    source = (
        f"{geocodage.geocodeur_nom}, {aujourdhui} (« {geocodage.libelle} »), périmètres QPV "
        f"2024 importés le {timezone.localtime(importes).strftime('%d/%m/%Y')}"
    )
    _ecrire(filleul, R.DANS if quartier else R.HORS, source=source, quartier=quartier)


def filleul_qpv_determiner(*, filleul_id: int) -> str | None:
    """Compute the result of a mentee from their address (the Celery task's body).

    Geocoding happens outside any lock (up to the client's timeout); the row is then locked
    and written only if its address is still the one geocoded and staff have not decided
    meanwhile. Returns the result written, or None when nothing was.
    """
    filleul = Filleul.objects.select_related("commune").filter(pk=filleul_id).first()
    if filleul is None or filleul.anonymise_le is not None:
        return None
    geocode = Filleul(
        pk=filleul.pk,
        adresse=filleul.adresse,
        code_postal=filleul.code_postal,
        commune=filleul.commune,
    )
    if not geocode.adresse.strip() or not geocode.code_postal.strip():
        _ecrire(geocode, R.INDETERMINE, source="aucune adresse donnée")
    else:
        _ecrire_depuis_adresse(geocode)
    with transaction.atomic():
        filleul = Filleul.objects.select_for_update().get(pk=filleul_id)
        if cle_adresse(filleul) != cle_adresse(geocode):
            return None  # the address changed meanwhile: its own task computes it
        if filleul.qpv_origine == Filleul.OrigineQPV.EQUIPE:
            return None
        for champ in CHAMPS_QPV:
            setattr(filleul, champ, getattr(geocode, champ))
        filleul.save(update_fields=CHAMPS_QPV)
        return filleul.qpv_resultat


def filleuls_qpv_a_rattraper() -> list[int]:
    """Mentees whose computation was asked and never written (a lost message, a crash)."""
    return list(
        Filleul.objects.filter(qpv_resultat=R.EN_COURS, anonymise_le__isnull=True).values_list(
            "pk", flat=True
        )[:500]
    )


@transaction.atomic
def filleul_qpv_decider(*, filleul: Filleul, resultat: str, motif: str, quartier=None, par=None):
    """Staff decide the result themselves (in or out), with a mandatory reason.

    The reason is kept on the profile and the change goes to the audit trail (the profile is
    journaled). The decision stays until the address changes.
    """
    motif = " ".join((motif or "").split())
    if len(motif) < MOTIF_LONGUEUR_MIN:
        raise ValidationError({"motif": "Indiquez le motif de la décision (obligatoire)."})
    if resultat not in (R.DANS, R.HORS):
        raise ValidationError({"resultat": "Choisissez « dans un QPV » ou « hors QPV »."})
    if resultat == R.HORS and quartier is not None:
        raise ValidationError({"quartier": "Un quartier ne se donne qu'avec « dans un QPV »."})
    filleul = Filleul.objects.select_for_update().get(pk=filleul.pk)
    if filleul.anonymise_le is not None:
        raise ValidationError("Ce profil est anonymisé.")
    aujourdhui = timezone.localdate().strftime("%d/%m/%Y")
    # The person reads the source on their own data page: no staff member's name there (who
    # decided stays in the audit trail, the profile being journaled with its actor).
    _ecrire(
        filleul,
        resultat,
        source=f"équipe du programme, le {aujourdhui}",
        quartier=quartier,
        origine=Filleul.OrigineQPV.EQUIPE,
    )
    filleul.qpv_motif = motif[:2000]
    filleul.save(update_fields=CHAMPS_QPV)
    return filleul


def filleul_qpv_recalculer(*, filleul: Filleul) -> Filleul:
    """Staff ask the result to be computed again from the address (after an outage, a new
    import of the perimeters), setting aside their own decision if any."""
    with transaction.atomic():
        filleul = Filleul.objects.select_for_update().get(pk=filleul.pk)
        filleul.qpv_determine_le = None
        filleul.qpv_origine = ""
        a_planifier = qpv_preparer(filleul, avant=None)
        filleul.save(update_fields=CHAMPS_QPV)
        if a_planifier:
            qpv_planifier(filleul)
        return filleul
