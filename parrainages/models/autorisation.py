"""A legal guardian's consent to a minor's application, signed online (one signature
machinery: ``mentorat.signatures``)."""

from django.db import models
from django.utils import timezone

from programmes.models import StatusMachine


class AutorisationParentaleQuerySet(models.QuerySet):
    def en_attente(self):
        return self.filter(statut=AutorisationParentale.Statut.EN_ATTENTE)


class AutorisationParentale(StatusMachine, models.Model):
    """What a minor's legal guardians consent to before the application goes on: the
    programme, what the minor's data is used for, meetings with an adult mentor, and that
    immersions or observation placements will need their signature later.

    The text is frozen when the minor applies and each guardian is a party of the document
    (``mentorat.models.Partie``, role ``representant_<id>``) signing from a link of their own
    with an e-mailed code. Every guardian given signs: the last signature deposits the
    application, a refusal withdraws it (``parrainages.services.mineurs``).
    """

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente de l'accord"
        ACCORDEE = "accordee", "Accord donné"
        REFUSEE = "refusee", "Accord refusé"
        ANNULEE = "annulee", "Annulée (candidature retirée)"

    TRANSITIONS = {
        Statut.EN_ATTENTE: (Statut.ACCORDEE, Statut.REFUSEE, Statut.ANNULEE),
        Statut.ACCORDEE: (),
        Statut.REFUSEE: (),
        Statut.ANNULEE: (),
    }

    candidature = models.OneToOneField(
        "Candidature",
        verbose_name="candidature",
        on_delete=models.CASCADE,
        related_name="autorisation_parentale",
    )
    texte = models.TextField("texte soumis à l'accord")
    texte_sha256 = models.CharField("empreinte du texte", max_length=64)
    statut = models.CharField(
        "statut", max_length=20, choices=Statut, default=Statut.EN_ATTENTE, db_index=True
    )
    emise_le = models.DateTimeField("demandée le", default=timezone.now)
    accordee_le = models.DateTimeField("accord donné le", null=True, blank=True)
    refusee_le = models.DateTimeField("refusée le", null=True, blank=True)
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)

    objects = AutorisationParentaleQuerySet.as_manager()

    class Meta:
        verbose_name = "autorisation parentale"
        verbose_name_plural = "autorisations parentales"
        ordering = ["-emise_le"]
        indexes = [models.Index(fields=["emise_le", "id"], name="autorisation_emise_id_idx")]

    def __str__(self):
        return f"Autorisation parentale n° {self.pk}"

    @property
    def ouverte(self) -> bool:
        return self.statut == self.Statut.EN_ATTENTE

    def accorder(self):
        self._passer_a(self.Statut.ACCORDEE)
        self.accordee_le = timezone.now()

    def refuser(self):
        self._passer_a(self.Statut.REFUSEE)
        self.refusee_le = timezone.now()

    def annuler(self):
        self._passer_a(self.Statut.ANNULEE)
        self.annulee_le = timezone.now()
