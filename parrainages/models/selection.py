"""The selection step of a programme ("semaine de mobilisation et de sélection", as in 100
chances 100 emplois): a session (cohort) with its half-days, the candidates invited to it, their
attendance, the assessment grid filled by the facilitator, staff and the company managers met
for mock interviews, and the jury's decision on each candidate (see ``services.selection`` and
docs/selection.md)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from mentorat.fields import bornes
from programmes.models import StatusMachine

DUREE_MAX_JOURS = 15


def invitations_tenues(candidature: str = "pk"):
    """The invitation rows of the application at ``candidature`` (an outer reference) that
    still hold: an ``INVITEE_SELECTION`` history row not followed by a return to study (an
    ``EN_ETUDE`` row later than it, written by ``participation_retirer`` and
    ``session_annuler``). A re-invitation after a withdrawal holds again."""
    from .decisions import EvenementCandidature
    from .parrainage import Candidature

    retour_a_l_etude = EvenementCandidature.objects.filter(
        candidature=OuterRef("candidature"),
        statut=Candidature.Statut.EN_ETUDE,
        le__gt=OuterRef("le"),
    )
    return EvenementCandidature.objects.filter(
        ~Exists(retour_a_l_etude),
        candidature=OuterRef(candidature),
        statut=Candidature.Statut.INVITEE_SELECTION,
    )


def membre_de_cohorte(candidature: str = "pk") -> Q:
    """The application at ``candidature`` is a member of its programme's cohort: it went to a
    selection week (an invitation that still holds, ``invitations_tenues``) or it is still
    invited. The one definition read by the indicators, the reports, the outcome surveys and
    the partner's list (docs/indicateurs.md, « Cohorte »); it needs no session row, so the
    cohorts recorded by their history only (the demo's past week) count too."""
    from .parrainage import Candidature

    prefixe = "" if candidature == "pk" else f"{candidature}__"
    return Q(Exists(invitations_tenues(candidature))) | Q(
        **{f"{prefixe}statut": Candidature.Statut.INVITEE_SELECTION}
    )


class SessionSelectionQuerySet(models.QuerySet):
    def du_programme(self, programme):
        return self.filter(programme=programme)

    def ouvertes(self):
        """Sessions that still take invitations, attendance and assessments."""
        return self.filter(statut__in=SessionSelection.STATUTS_OUVERTS)

    def animees_par(self, partenaires):
        return self.filter(animateur__in=partenaires)


class SessionSelection(StatusMachine, models.Model):
    class Statut(models.TextChoices):
        PREVUE = "prevue", "Prévue"
        EN_COURS = "en_cours", "En cours"
        CLOSE = "close", "Jury tenu (close)"
        ANNULEE = "annulee", "Annulée"

    TRANSITIONS = {
        Statut.PREVUE: (Statut.EN_COURS, Statut.ANNULEE),
        Statut.EN_COURS: (Statut.CLOSE, Statut.ANNULEE),
        Statut.CLOSE: (),
        Statut.ANNULEE: (),
    }
    STATUTS_OUVERTS = (Statut.PREVUE, Statut.EN_COURS)

    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name="programme",
        on_delete=models.PROTECT,
        related_name="sessions_selection",
    )
    etape = models.ForeignKey(
        "programmes.Etape",
        verbose_name="étape du programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions_selection",
    )
    titre = models.CharField("titre", max_length=200)
    date_debut = models.DateField("premier jour")
    date_fin = models.DateField("dernier jour")
    adresse = models.CharField("adresse", max_length=250)
    commune = models.ForeignKey(
        "programmes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    capacite = models.PositiveSmallIntegerField(
        "capacité (candidats)", validators=bornes(1, 500), default=15
    )
    animateur = models.ForeignKey(
        "partenaires.Partenaire",
        verbose_name="structure animatrice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions_animees",
        help_text="Ses membres saisissent les présences et les grilles d'évaluation.",
    )
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.PREVUE)
    close_le = models.DateTimeField("close le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    # Raised each time the dates or the place change after invitations: the SEQUENCE of the
    # calendar entry (RFC 5545 §3.8.7.4) and part of the update e-mails' idempotency key.
    version = models.PositiveIntegerField("version de l'invitation", default=0, editable=False)

    objects = SessionSelectionQuerySet.as_manager()

    class Meta:
        verbose_name = "session de sélection"
        verbose_name_plural = "sessions de sélection"
        ordering = ["-date_debut", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__gte=F("date_debut")), name="session_selection_dates"
            ),
            models.CheckConstraint(condition=Q(capacite__gte=1), name="session_selection_cap"),
        ]

    def __str__(self):
        return f"{self.titre} ({self.date_debut:%d/%m/%Y})"

    def clean(self):
        errors = {}
        if self.date_debut and self.date_fin:
            if self.date_fin < self.date_debut:
                errors["date_fin"] = "Le dernier jour doit suivre le premier jour."
            elif (self.date_fin - self.date_debut).days + 1 > DUREE_MAX_JOURS:
                errors["date_fin"] = (
                    f"Une session de sélection dure au plus {DUREE_MAX_JOURS} jours."
                )
        if self.capacite is not None and self.capacite < 1:
            errors["capacite"] = "La capacité doit être d'au moins un candidat."
        if self.etape_id and self.programme_id and self.etape.programme_id != self.programme_id:
            errors["etape"] = "Cette étape n'appartient pas au programme de la session."
        if errors:
            raise ValidationError(errors)

    @property
    def est_ouverte(self) -> bool:
        return self.statut in self.STATUTS_OUVERTS

    @property
    def lieu(self) -> str:
        return ", ".join(v for v in (self.adresse, str(self.commune or "")) if v)

    def jours(self) -> list[dt.date]:
        n = (self.date_fin - self.date_debut).days + 1
        return [self.date_debut + dt.timedelta(days=i) for i in range(n)]

    def demarrer(self):
        self._passer_a(self.Statut.EN_COURS)

    def clore(self):
        self._passer_a(self.Statut.CLOSE)
        self.close_le = timezone.now()

    def annuler(self):
        self._passer_a(self.Statut.ANNULEE)


class DemiJournee(models.Model):
    class Moment(models.TextChoices):
        MATIN = "matin", "Matin"
        APRES_MIDI = "apres_midi", "Après-midi"

    session = models.ForeignKey(
        SessionSelection,
        verbose_name="session",
        on_delete=models.CASCADE,
        related_name="demi_journees",
    )
    date = models.DateField("date")
    moment = models.CharField("moment", max_length=12, choices=Moment)

    class Meta:
        verbose_name = "demi-journée"
        verbose_name_plural = "demi-journées"
        ordering = ["date", "-moment"]  # "matin" after "apres_midi" alphabetically: reversed
        constraints = [
            models.UniqueConstraint(
                fields=["session", "date", "moment"], name="demi_journee_unique"
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m} {self.get_moment_display().lower()}"

    @property
    def passee(self) -> bool:
        aujourd_hui = timezone.localdate()
        if self.date != aujourd_hui:
            return self.date < aujourd_hui
        return self.moment == self.Moment.MATIN and timezone.localtime().hour >= 13


class Decision(models.TextChoices):
    RETENUE = "retenue", "Retenu(e)"
    NON_RETENUE = "non_retenue", "Non retenu(e)"
    LISTE_ATTENTE = "liste_attente", "Liste d'attente"


class ParticipationSelectionQuerySet(models.QuerySet):
    def decidees(self):
        return self.exclude(decision="")


class ParticipationSelection(models.Model):
    """A member of a cohort: an application invited to the session, then the jury's decision."""

    Decision = Decision

    session = models.ForeignKey(
        SessionSelection,
        verbose_name="session",
        on_delete=models.PROTECT,
        related_name="participations",
    )
    candidature = models.ForeignKey(
        "Candidature",
        verbose_name="candidature",
        on_delete=models.CASCADE,
        related_name="participations_selection",
    )
    invitee_le = models.DateTimeField("invité(e) le", default=timezone.now)
    invitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invité(e) par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.CharField("décision du jury", max_length=20, choices=Decision, blank=True)
    motif = models.ForeignKey(
        "MotifRefus",
        verbose_name="motif",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    precision = models.TextField("précision pour le prescripteur", blank=True)
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ParticipationSelectionQuerySet.as_manager()

    class Meta:
        verbose_name = "participant à une session de sélection"
        verbose_name_plural = "participants aux sessions de sélection"
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "candidature"], name="participation_selection_unique"
            ),
        ]

    def __str__(self):
        return f"{self.candidature.filleul} — {self.session}"


class Presence(models.Model):
    class Etat(models.TextChoices):
        PRESENT = "present", "Présent(e)"
        ABSENT = "absent", "Absent(e)"
        EXCUSE = "excuse", "Excusé(e)"

    participation = models.ForeignKey(
        ParticipationSelection,
        verbose_name="participant",
        on_delete=models.CASCADE,
        related_name="presences",
    )
    demi_journee = models.ForeignKey(
        DemiJournee, verbose_name="demi-journée", on_delete=models.CASCADE, related_name="+"
    )
    etat = models.CharField("présence", max_length=10, choices=Etat)
    saisie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisie par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    saisie_le = models.DateTimeField("saisie le", default=timezone.now)

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "demi_journee"], name="presence_unique"
            ),
        ]

    def __str__(self):
        return f"{self.participation_id} {self.demi_journee}: {self.get_etat_display()}"


class CritereEvaluation(models.Model):
    """A line of a programme's assessment grid, scored within its scale."""

    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name="programme",
        on_delete=models.CASCADE,
        related_name="criteres_evaluation",
    )
    libelle = models.CharField("critère", max_length=120)
    description = models.TextField("description", blank=True)
    note_min = models.PositiveSmallIntegerField(
        "note minimale", default=1, validators=bornes(0, 20)
    )
    note_max = models.PositiveSmallIntegerField(
        "note maximale", default=4, validators=bornes(1, 20)
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0, validators=bornes(0, 1000))

    class Meta:
        verbose_name = "critère d'évaluation"
        verbose_name_plural = "grille d'évaluation (critères)"
        ordering = ["programme", "ordre", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(note_max__gt=F("note_min")), name="critere_echelle_ordonnee"
            ),
            models.UniqueConstraint(fields=["programme", "libelle"], name="critere_unique"),
        ]

    def __str__(self):
        return f"{self.libelle} ({self.note_min}–{self.note_max})"

    def clean(self):
        if (
            self.note_min is not None
            and self.note_max is not None
            and self.note_max <= self.note_min
        ):
            raise ValidationError({"note_max": "La note maximale doit dépasser la note minimale."})


class EvaluateurInvite(models.Model):
    """A company manager met during the week (mock interviews): no account, a personal link
    of their own (only its hash is kept), valid until it expires or a new one replaces it."""

    session = models.ForeignKey(
        SessionSelection,
        verbose_name="session",
        on_delete=models.CASCADE,
        related_name="evaluateurs_invites",
    )
    prenom = models.CharField("prénom", max_length=100)
    nom = models.CharField("nom", max_length=100)
    entreprise = models.CharField("entreprise", max_length=200)
    email = models.EmailField("e-mail")
    jeton_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    jeton_expire_le = models.DateTimeField("lien valable jusqu'au", null=True, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "manager évaluateur"
        verbose_name_plural = "managers évaluateurs"
        ordering = ["session", "nom", "prenom"]
        constraints = [
            models.UniqueConstraint(fields=["session", "email"], name="evaluateur_invite_unique"),
        ]

    def __str__(self):
        return f"{self.prenom} {self.nom} ({self.entreprise})"


class Evaluation(models.Model):
    """One evaluator's assessment of one cohort member: a score per criterion."""

    class Qualite(models.TextChoices):
        ANIMATEUR = "animateur", "Structure animatrice"
        EQUIPE = "equipe", "Équipe du programme"
        MANAGER = "manager", "Manager d'entreprise"

    participation = models.ForeignKey(
        ParticipationSelection,
        verbose_name="participant",
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    qualite = models.CharField("qualité de l'évaluateur", max_length=12, choices=Qualite)
    evaluateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="évaluateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    evaluateur_invite = models.ForeignKey(
        EvaluateurInvite,
        verbose_name="manager",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    commentaire = models.TextField("appréciation générale", blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "évaluation"
        verbose_name_plural = "évaluations"
        ordering = ["participation", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "evaluateur"],
                condition=Q(evaluateur__isnull=False),
                name="evaluation_unique_par_compte",
            ),
            models.UniqueConstraint(
                fields=["participation", "evaluateur_invite"],
                condition=Q(evaluateur_invite__isnull=False),
                name="evaluation_unique_par_manager",
            ),
        ]

    def __str__(self):
        return f"Évaluation de {self.participation}"

    @property
    def nom_evaluateur(self) -> str:
        if self.evaluateur_invite_id:
            return str(self.evaluateur_invite)
        if self.evaluateur_id:
            return self.evaluateur.get_full_name() or self.evaluateur.email
        return "Évaluateur supprimé"


class Note(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, verbose_name="évaluation", on_delete=models.CASCADE, related_name="notes"
    )
    critere = models.ForeignKey(
        CritereEvaluation, verbose_name="critère", on_delete=models.PROTECT, related_name="notes"
    )
    valeur = models.PositiveSmallIntegerField("note", validators=bornes(0, 20))
    commentaire = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "note"
        verbose_name_plural = "notes"
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "critere"], name="note_unique"),
        ]

    def __str__(self):
        return f"{self.critere.libelle} : {self.valeur}"
