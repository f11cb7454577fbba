"""Tending a pair (docs/suivi-qualite.md): its goals, their progress at each meeting, and the
check-ins (« points d'étape ») both parties answer from a link."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorat.fields import bornes

from .parrainage import Parrainage, Rencontre

# A pair sets itself one to three goals.
OBJECTIFS_MAX = 3


class Avancement(models.TextChoices):
    PAS_COMMENCE = "pas_commence", "Pas commencé"
    EN_COURS = "en_cours", "En cours"
    ATTEINT = "atteint", "Atteint"


class ObjectifBinome(models.Model):
    """One of the pair's goals: from the programme's list (``suggestion``) or its own words.
    ``avancement`` is the progress ticked at the latest logged meeting (history:
    ``AvancementObjectif``)."""

    class Auteur(models.TextChoices):
        PARRAIN = "parrain", "Parrain"
        FILLEUL = "filleul", "Filleul"

    parrainage = models.ForeignKey(
        Parrainage,
        verbose_name="parrainage",
        on_delete=models.CASCADE,
        related_name="objectifs_binome",
    )
    libelle = models.CharField("objectif", max_length=150)
    suggestion = models.ForeignKey(
        "programmes.ObjectifSuggere",
        verbose_name="objectif proposé",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0, validators=bornes(0, 10))
    ecrit_par = models.CharField("écrit par", max_length=10, choices=Auteur)
    avancement = models.CharField(
        "avancement", max_length=20, choices=Avancement, default=Avancement.PAS_COMMENCE
    )
    atteint_le = models.DateField("atteint le", null=True, blank=True)
    created_at = models.DateTimeField("écrit le", default=timezone.now)

    class Meta:
        verbose_name = "objectif du binôme"
        verbose_name_plural = "objectifs du binôme"
        ordering = ["parrainage", "ordre", "pk"]
        indexes = [
            models.Index(fields=["created_at", "parrainage"], name="objectif_binome_date_idx")
        ]

    def __str__(self):
        return self.libelle


class AvancementObjectif(models.Model):
    """The progress of a goal ticked when a meeting was logged."""

    objectif = models.ForeignKey(
        ObjectifBinome, verbose_name="objectif", on_delete=models.CASCADE, related_name="historique"
    )
    rencontre = models.ForeignKey(
        Rencontre, verbose_name="rencontre", on_delete=models.CASCADE, related_name="avancements"
    )
    avancement = models.CharField("avancement", max_length=20, choices=Avancement)
    created_at = models.DateTimeField("noté le", default=timezone.now)

    class Meta:
        verbose_name = "avancement d'un objectif"
        verbose_name_plural = "avancements des objectifs"
        ordering = ["objectif", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["objectif", "rencontre"], name="avancement_unique_par_rencontre"
            ),
        ]

    def __str__(self):
        return f"{self.objectif} : {self.get_avancement_display()}"


class PointEtapeQuerySet(models.QuerySet):
    def a_traiter(self):
        """The answers that ask for the team (a low score or a request), not handled yet."""
        return self.filter(PointEtape.alerte(), traite_le__isnull=True)


class PointEtape(models.Model):
    """One person's answer to a check-in of their pair: one per party and round (``tour`` 1
    at 30 days, then one every 60 days); answering again updates it."""

    class Role(models.TextChoices):
        PARRAIN = "parrain", "Parrain"
        FILLEUL = "filleul", "Filleul"

    class Utilite(models.TextChoices):
        OUI = "oui", "Oui"
        EN_PARTIE = "en_partie", "En partie"
        NON = "non", "Non"

    # A score at or below this one alerts the programme's team.
    NOTE_ALERTE = 2

    parrainage = models.ForeignKey(
        Parrainage, verbose_name="parrainage", on_delete=models.CASCADE, related_name="points_etape"
    )
    role = models.CharField("répondant", max_length=10, choices=Role)
    tour = models.PositiveSmallIntegerField("point d'étape n°", validators=bornes(1, 100))
    satisfaction = models.PositiveSmallIntegerField("satisfaction (1 à 5)", validators=bornes(1, 5))
    utile = models.CharField("parrainage utile", max_length=10, choices=Utilite)
    commentaire = models.TextField("commentaire", blank=True)
    parler_equipe = models.BooleanField("souhaite parler à l'équipe", default=False)
    repondu_le = models.DateTimeField("répondu le", default=timezone.now)
    modifie_le = models.DateTimeField("modifié le", default=timezone.now)
    traite_le = models.DateTimeField("traité le", null=True, blank=True)
    traite_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="traité par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PointEtapeQuerySet.as_manager()

    class Meta:
        verbose_name = "point d'étape"
        verbose_name_plural = "points d'étape"
        ordering = ["-repondu_le", "-pk"]
        indexes = [
            models.Index(fields=["repondu_le", "id"], name="point_etape_repondu_idx"),
            # The work queue's count: the alerts not handled, by pair.
            models.Index(
                fields=["parrainage"],
                condition=Q(traite_le__isnull=True)
                & (Q(satisfaction__lte=2) | Q(parler_equipe=True)),
                name="point_etape_a_traiter_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parrainage", "role", "tour"], name="point_etape_unique_par_tour"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1) & Q(satisfaction__lte=5),
                name="point_etape_satisfaction_1_a_5",
            ),
        ]

    def __str__(self):
        return f"Point d'étape n°{self.tour} ({self.get_role_display().lower()})"

    @classmethod
    def alerte(cls, prefixe: str = "") -> Q:
        return Q(**{f"{prefixe}satisfaction__lte": cls.NOTE_ALERTE}) | Q(
            **{f"{prefixe}parler_equipe": True}
        )

    @property
    def en_alerte(self) -> bool:
        return self.satisfaction <= self.NOTE_ALERTE or self.parler_equipe
