"""The charter a pair signs: frozen text, signatures, sealed PDF."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorat.fields import private_storage
from programmes.models import StatusMachine


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Charte(StatusMachine, models.Model):
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
    # Personal data: blanked with the text when a party's account is erased.
    parties = models.JSONField(
        "parties à l'émission",
        default=list,
        blank=True,
        help_text=(
            "Identité de chaque partie (rôle, prénom, nom, entreprise, fonction) figée à "
            "l'émission : le PDF scellé n'affiche qu'elle."
        ),
    )
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

    def parties_a_afficher(self) -> list[dict]:
        """The frozen parties, each with its role's label and one line naming it."""
        lignes = []
        for partie in self.parties:
            nom = " ".join(p for p in (partie.get("prenom"), partie.get("nom")) if p)
            details = (nom, partie.get("fonction"), partie.get("entreprise"))
            lignes.append(
                {
                    **partie,
                    "libelle": Signature.Role(partie["role"]).label,
                    "designation": ", ".join(d for d in details if d) or "—",
                }
            )
        return lignes

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


class Signature(models.Model):
    class Role(models.TextChoices):
        PARRAIN = "parrain", "Parrain ou marraine"
        FILLEUL = "filleul", "Filleul ou filleule"
        COORDINATEUR = "coordinateur", "Coordinateur du programme"

    class Methode(models.TextChoices):
        CODE_EMAIL = "code_email", "Case cochée et code à usage unique envoyé par e-mail"

    charte = models.ForeignKey(
        Charte, verbose_name="charte", on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField("rôle", max_length=20, choices=Role)
    signataire = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="signataire",
        on_delete=models.SET_NULL,
        null=True,
        related_name="signatures",
    )
    nom_signataire = models.CharField("nom du signataire", max_length=200)
    signee_le = models.DateTimeField("signée le", default=timezone.now)
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=400, blank=True)
    methode = models.CharField(
        "méthode", max_length=20, choices=Methode, default=Methode.CODE_EMAIL
    )
    texte_sha256 = models.CharField("empreinte du texte signé", max_length=64)

    class Meta:
        verbose_name = "signature"
        verbose_name_plural = "signatures"
        ordering = ["signee_le"]
        constraints = [
            models.UniqueConstraint(fields=["charte", "role"], name="signature_unique_par_role"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} — {self.nom_signataire}"


class DemandeSignature(models.Model):
    """A one-time code e-mailed to a signer; its hash only is kept."""

    DUREE_MINUTES = 10
    ESSAIS_MAX = 5

    charte = models.ForeignKey(
        Charte, verbose_name="charte", on_delete=models.CASCADE, related_name="demandes"
    )
    role = models.CharField("rôle", max_length=20, choices=Signature.Role)
    signataire = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="signataire",
        on_delete=models.CASCADE,
        related_name="demandes_signature",
    )
    code_hash = models.CharField("empreinte du code", max_length=64)
    # The column keeps its first name: renaming a column takes two releases (deploiement.md).
    created_at = models.DateTimeField("demandée le", default=timezone.now, db_column="creee_le")
    expire_le = models.DateTimeField("expire le")
    essais = models.PositiveSmallIntegerField("essais", default=0)
    utilisee_le = models.DateTimeField("utilisée le", null=True, blank=True)

    class Meta:
        verbose_name = "demande de signature"
        verbose_name_plural = "demandes de signature"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["charte", "signataire", "-created_at"])]

    def __str__(self):
        return f"Code pour {self.get_role_display()} — {self.created_at:%d/%m/%Y %H:%M}"
