"""The charter a pair signs: frozen text, sealed PDF.

Who signs it, and how, is the platform's one signature machinery (``mentorat.signatures``):
one ``mentorat.Partie`` row per signer, created at issue with the identity of the day
(``parrainages.services.charte``)."""

import hashlib
import uuid

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from mentorat.fields import private_storage
from mentorat.models import Partie
from programmes.models import StatusMachine


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CharteQuerySet(models.QuerySet):
    def a_signer_par(self, user):
        """Charters waiting for ``user``'s own signature (as a party with an account)."""
        return self.filter(statut=Charte.Statut.A_SIGNER).filter(
            Exists(
                Partie.objects.filter(
                    document_type__app_label="parrainages",
                    document_type__model="charte",
                    document_id=OuterRef("pk"),
                    user=user,
                    signee_le__isnull=True,
                    refusee_le__isnull=True,
                )
            )
        )


class Charte(StatusMachine, models.Model):
    class Role(models.TextChoices):
        """The roles of its parties (``Partie.role``); a minor's legal guardians sign as
        ``representant_legal_1``, ``representant_legal_2``…"""

        PARRAIN = "parrain", "Parrain ou marraine"
        FILLEUL = "filleul", "Filleul ou filleule"
        COORDINATEUR = "coordinateur", "Coordinateur du programme"

    ROLE_REPRESENTANT_LEGAL = "representant_legal"
    LIBELLE_REPRESENTANT_LEGAL = "Représentant légal du filleul ou de la filleule"

    class Statut(models.TextChoices):
        A_SIGNER = "a_signer", "En attente de signatures"
        SIGNEE = "signee", "Signée par toutes les parties"
        ANNULEE = "annulee", "Annulée"

    TRANSITIONS = {
        Statut.A_SIGNER: (Statut.SIGNEE, Statut.ANNULEE),
        Statut.SIGNEE: (Statut.ANNULEE,),
        Statut.ANNULEE: (),
    }

    uuid = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    parrainage = models.ForeignKey(
        "Parrainage", verbose_name="parrainage", on_delete=models.PROTECT, related_name="chartes"
    )
    modele = models.ForeignKey(
        "programmes.ModeleCharte",
        verbose_name="modèle",
        on_delete=models.PROTECT,
        related_name="chartes",
    )
    texte = models.TextField("texte figé")
    texte_sha256 = models.CharField("empreinte SHA-256 du texte", max_length=64)
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.A_SIGNER)
    emise_le = models.DateTimeField("émise le", default=timezone.now)
    signee_le = models.DateTimeField("signée le", null=True, blank=True)
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)
    motif_annulation = models.TextField("motif d'annulation", blank=True)
    pdf = models.FileField(
        "PDF scellé", storage=private_storage, upload_to="chartes/%Y/%m/", blank=True
    )
    pdf_sha256 = models.CharField(
        "empreinte SHA-256 du PDF", max_length=64, blank=True, db_index=True
    )
    pdf_produit_le = models.DateTimeField("PDF produit le", null=True, blank=True)
    envoyee_le = models.DateTimeField("PDF envoyé aux parties le", null=True, blank=True)

    objects = CharteQuerySet.as_manager()

    class Meta:
        verbose_name = "charte"
        verbose_name_plural = "chartes"
        ordering = ["-emise_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["parrainage"],
                condition=~Q(statut="annulee"),
                name="charte_une_en_vigueur_par_parrainage",
            ),
        ]

    def __str__(self):
        return f"Charte {self.parrainage.programme} — {self.emise_le:%d/%m/%Y}"

    def marquer_signee(self):
        self._passer_a(self.Statut.SIGNEE)
        self.signee_le = timezone.now()

    def annuler(self, *, motif: str):
        from django.core.exceptions import ValidationError

        if not motif.strip():
            raise ValidationError({"motif_annulation": "Indiquez le motif de l'annulation."})
        self._passer_a(self.Statut.ANNULEE)
        self.annulee_le = timezone.now()
        self.motif_annulation = motif
