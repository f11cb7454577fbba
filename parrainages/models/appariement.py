"""An appariement: one launch of the matching engine on a programme, its progress and figures.

« Appariement » is the word of the interface, the services and the tasks; the model keeps the
engine's name, ``MatchingRun`` (see docs/architecture.md, « Noms »)."""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorat.travaux import PERIME_APRES

# A run whose heartbeat is this old died with its worker (mentorat/travaux.py).
RUN_STALE_AFTER = PERIME_APRES


class MatchingRunQuerySet(models.QuerySet):
    def en_cours(self):
        return self.filter(statut__in=MatchingRun.STATUTS_EN_COURS)

    def vivants(self, maintenant=None):
        """Runs still queued or computing, and not abandoned by a dead worker."""
        limite = (maintenant or timezone.now()) - RUN_STALE_AFTER
        return self.en_cours().filter(mis_a_jour_le__gte=limite)


class MatchingRun(models.Model):
    """Status moves only through the service (parrainages.services.matching), by conditional
    updates, so that a redelivered task never computes a run twice."""

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En cours"
        TERMINE = "termine", "Terminé"
        ECHOUE = "echoue", "Échoué"

    STATUTS_EN_COURS = (Statut.EN_ATTENTE, Statut.EN_COURS)

    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name="programme",
        on_delete=models.PROTECT,
        related_name="appariements",
    )
    lance_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The territory the run covered: its launcher's, for a regional team or a Mission locale
    # (only the mentees and mentors placed there are read, and only their proposals written);
    # none for a national run (the national team, the Administrateur).
    structure = models.ForeignKey(
        "programmes.Structure",
        verbose_name="structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="L'équipe dont le territoire a été apparié (vide : tout le programme).",
    )
    departements = models.JSONField(
        "départements", default=list, blank=True, help_text="Vide : tout le programme."
    )
    communes = models.JSONField(
        "communes",
        default=list,
        blank=True,
        help_text="Codes INSEE des communes appariées en plus des départements.",
    )
    simulation = models.BooleanField(
        "simulation",
        default=False,
        help_text="Une simulation calcule les paires sans créer de propositions.",
    )
    statut = models.CharField(
        "statut", max_length=20, choices=Statut, default=Statut.EN_ATTENTE, db_index=True
    )
    progression = models.PositiveSmallIntegerField("progression (%)", default=0)
    etape = models.CharField("étape", max_length=120, blank=True)
    parametres = models.JSONField("paramètres", default=dict, blank=True)
    filleuls = models.PositiveIntegerField("filleuls à apparier", default=0)
    parrains = models.PositiveIntegerField("parrains disponibles", default=0)
    places = models.PositiveIntegerField("places libres", default=0)
    propositions = models.PositiveIntegerField("propositions", default=0)
    score_total = models.PositiveBigIntegerField("score total", default=0)
    score_moyen = models.FloatField("score moyen", null=True, blank=True)
    non_apparies = models.JSONField(
        "filleuls sans parrain",
        default=list,
        blank=True,
        help_text="Liste de [identifiant du filleul, raison].",
    )
    mesures = models.JSONField("mesures", default=dict, blank=True)
    erreur = models.TextField("erreur", blank=True)
    # The column keeps its first name: renaming a column takes two releases (deploiement.md).
    created_at = models.DateTimeField("lancé le", default=timezone.now, db_column="cree_le")
    debut = models.DateTimeField("début du calcul", null=True, blank=True)
    fin = models.DateTimeField("fin", null=True, blank=True)
    mis_a_jour_le = models.DateTimeField("dernière nouvelle", default=timezone.now)

    objects = MatchingRunQuerySet.as_manager()

    class Meta:
        verbose_name = "appariement"
        verbose_name_plural = "appariements"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["programme", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progression__lte=100), name="appariement_progression_bornee"
            ),
        ]

    def __str__(self):
        quand = timezone.localtime(self.created_at).strftime("%d/%m/%Y %H:%M")
        genre = "Simulation" if self.simulation else "Appariement"
        return f"{genre} {self.programme} du {quand}"

    @property
    def territoire(self) -> tuple[frozenset[str], frozenset[str]] | None:
        """The départements and communes the run covered (``None``: the whole programme)."""
        if not self.departements and not self.communes:
            return None
        return frozenset(self.departements), frozenset(self.communes)

    @property
    def national(self) -> bool:
        return self.territoire is None

    @property
    def en_cours(self) -> bool:
        return self.statut in self.STATUTS_EN_COURS

    @property
    def non_apparies_nombre(self) -> int:
        return len(self.non_apparies)

    def non_apparies_par_raison(self) -> list[tuple[str, int]]:
        counts = Counter(raison for _filleul, raison in self.non_apparies)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    @property
    def duree(self) -> dt.timedelta | None:
        if self.debut and self.fin:
            return self.fin - self.debut
        return None
