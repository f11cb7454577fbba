"""What happens to an application, told: the reasons staff give when they do not retain one,
and the history of its statuses (each change written by the services, with what the
applicant and the prescriber are told)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class MotifRefusQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True)


class MotifRefus(models.Model):
    """A reason for not retaining an application, from a list staff extend."""

    libelle = models.CharField("libellé", max_length=200, unique=True)
    texte_candidat = models.TextField(
        "texte pour le candidat",
        help_text="Ce que lit le candidat : une formulation bienveillante, sans jargon.",
    )
    actif = models.BooleanField("proposé", default=True)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    objects = MotifRefusQuerySet.as_manager()

    class Meta:
        verbose_name = "motif de non-retenue"
        verbose_name_plural = "motifs de non-retenue"
        ordering = ["ordre", "libelle"]

    def __str__(self):
        return self.libelle


class EvenementCandidatureQuerySet(models.QuerySet):
    def chronologiques(self):
        return self.order_by("le", "pk")


class EvenementCandidature(models.Model):
    """One change of an application's status, as told to the applicant and the prescriber."""

    candidature = models.ForeignKey(
        "Candidature",
        verbose_name="candidature",
        on_delete=models.CASCADE,
        related_name="evenements",
    )
    statut = models.CharField("statut", max_length=20)
    motif = models.ForeignKey(
        MotifRefus,
        verbose_name="motif",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evenements",
    )
    precision = models.TextField(
        "précision pour le prescripteur",
        blank=True,
        help_text="Montrée au prescripteur, jamais au candidat.",
    )
    texte_candidat = models.TextField("texte pour le candidat", blank=True)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    le = models.DateTimeField("le", default=timezone.now)

    objects = EvenementCandidatureQuerySet.as_manager()

    class Meta:
        verbose_name = "étape d'une candidature"
        verbose_name_plural = "historique des candidatures"
        ordering = ["-le", "-pk"]
        indexes = [models.Index(fields=["candidature", "le"], name="evenement_cand_le_idx")]

    def __str__(self):
        return f"{self.candidature_id} — {self.statut_libelle} ({self.le:%d/%m/%Y})"

    @property
    def statut_libelle(self) -> str:
        from .parrainage import Candidature

        return dict(Candidature.Statut.choices).get(self.statut, self.statut)
