"""A staff import of mentors from a CSV file, run by a worker: the file is checked in the
request, every row is then written in one transaction (all or nothing) by a task whose
progress staff follow in the admin."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportParrainsQuerySet(models.QuerySet):
    def en_cours(self):
        return self.filter(statut__in=ImportParrains.STATUTS_EN_COURS)


class ImportParrains(models.Model):
    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En cours"
        TERMINE = "termine", "Terminé"
        ECHOUE = "echoue", "Échoué (rien n'a été importé)"

    STATUTS_EN_COURS = (Statut.EN_ATTENTE, Statut.EN_COURS)

    nom_fichier = models.CharField("fichier", max_length=255)
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name="programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lance_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    lignes = models.JSONField("lignes vérifiées", default=list, blank=True)
    total = models.PositiveIntegerField("lignes", default=0)
    traitees = models.PositiveIntegerField("lignes traitées", default=0)
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.EN_ATTENTE)
    erreur = models.TextField("erreur", blank=True)
    created_at = models.DateTimeField("lancé le", default=timezone.now)
    debut = models.DateTimeField("début", null=True, blank=True)
    fin = models.DateTimeField("fin", null=True, blank=True)
    mis_a_jour_le = models.DateTimeField("dernière nouvelle", default=timezone.now)

    objects = ImportParrainsQuerySet.as_manager()

    class Meta:
        verbose_name = "import de parrains"
        verbose_name_plural = "imports de parrains"
        ordering = ["-created_at"]

    def __str__(self):
        return (
            f"Import « {self.nom_fichier} » du {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"
        )

    @property
    def en_cours(self) -> bool:
        return self.statut in self.STATUTS_EN_COURS

    @property
    def progression(self) -> int:
        return (
            100 if self.statut == self.Statut.TERMINE else self.traitees * 100 // max(self.total, 1)
        )
