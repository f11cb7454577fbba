"""Applications, pairs and what happens in a pair: meetings, outcomes (immersions: see
``immersion.py``)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from mentorat.fields import bornes
from mentorat.horaires import plus_minutes
from programmes.models import AvisFilleul, Forme, StatusMachine, TransitionError


class CandidatureQuerySet(models.QuerySet):
    def du_programme(self, programme):
        return self.filter(programme=programme)

    def retenues(self):
        return self.filter(statut=Candidature.Statut.RETENUE)

    def recues(self):
        """Applications staff have received: not those still waiting for a guardian."""
        return self.exclude(statut=Candidature.Statut.ATTENTE_AUTORISATION)


class Candidature(StatusMachine, models.Model):
    class Statut(models.TextChoices):
        # A minor's application waits for a legal guardian's consent (``AutorisationParentale``)
        # before it is deposited: until then staff have nothing to study.
        ATTENTE_AUTORISATION = (
            "attente_autorisation",
            "En attente de l'accord du représentant légal",
        )
        DEPOSEE = "deposee", "Déposée"
        EN_ETUDE = "en_etude", "En cours d'étude"
        # Programmes that select through a selection week ("semaine de mobilisation et de
        # sélection", 100 chances 100 emplois): the jury decides at the end of the week.
        INVITEE_SELECTION = "invitee_selection", "Invitée à la semaine de sélection"
        LISTE_ATTENTE = "liste_attente", "Sur liste d'attente"
        RETENUE = "retenue", "Retenue"
        REFUSEE = "refusee", "Non retenue"
        DESISTEE = "desistee", "Désistement"

    class Source(models.TextChoices):
        EN_LIGNE = "en_ligne", "Inscription en ligne"
        PRESCRIPTION = "prescription", "Prescription d'un partenaire"
        IMPORT = "import", "Import"

    TRANSITIONS = {
        Statut.ATTENTE_AUTORISATION: (Statut.DEPOSEE, Statut.DESISTEE),
        Statut.DEPOSEE: (
            Statut.EN_ETUDE,
            Statut.INVITEE_SELECTION,
            Statut.LISTE_ATTENTE,
            Statut.RETENUE,
            Statut.REFUSEE,
            Statut.DESISTEE,
        ),
        Statut.EN_ETUDE: (
            Statut.INVITEE_SELECTION,
            Statut.LISTE_ATTENTE,
            Statut.RETENUE,
            Statut.REFUSEE,
            Statut.DESISTEE,
        ),
        # The jury's decision (retained, not retained, waiting list), or the invitation
        # withdrawn (back to study), or the applicant withdrew.
        Statut.INVITEE_SELECTION: (
            Statut.EN_ETUDE,
            Statut.LISTE_ATTENTE,
            Statut.RETENUE,
            Statut.REFUSEE,
            Statut.DESISTEE,
        ),
        Statut.LISTE_ATTENTE: (
            Statut.EN_ETUDE,
            Statut.INVITEE_SELECTION,
            Statut.RETENUE,
            Statut.REFUSEE,
            Statut.DESISTEE,
        ),
        Statut.RETENUE: (Statut.DESISTEE,),
        Statut.REFUSEE: (Statut.EN_ETUDE,),
        Statut.DESISTEE: (),
    }

    filleul = models.ForeignKey(
        "Filleul", verbose_name="filleul", on_delete=models.CASCADE, related_name="candidatures"
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name="programme",
        on_delete=models.PROTECT,
        related_name="candidatures",
    )
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.DEPOSEE)
    etape = models.ForeignKey(
        "programmes.Etape",
        verbose_name="étape",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidatures",
    )
    source = models.CharField("origine", max_length=20, choices=Source, default=Source.EN_LIGNE)
    prescripteur = models.ForeignKey(
        "partenaires.Partenaire",
        verbose_name="prescripteur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidatures_prescrites",
    )
    eligible = models.BooleanField("éligible", default=False)
    eligibilite = models.JSONField(
        "détail de l'éligibilité", default=dict, blank=True, help_text="Instantané au dépôt."
    )
    motif_refus = models.TextField("motif de non-retenue", blank=True)
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("déposée le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = CandidatureQuerySet.as_manager()

    class Meta:
        verbose_name = "candidature"
        verbose_name_plural = "candidatures"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["programme", "statut"]),
            models.Index(fields=["prescripteur", "created_at"]),
            # The default ordering, with the admin's tie-break on the id.
            models.Index(fields=["created_at", "id"], name="candidature_created_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["filleul", "programme"], name="candidature_unique_par_programme"
            ),
        ]

    def __str__(self):
        return f"{self.filleul} — {self.programme}"

    def _decider(self, cible, par):
        self._passer_a(cible)
        self.decidee_le = timezone.now()
        self.decidee_par = par

    def etudier(self, par=None):
        self._decider(self.Statut.EN_ETUDE, par)

    def inviter_a_la_selection(self, par=None):
        """Invited to a selection session (cohort): the jury decides at its end."""
        self._decider(self.Statut.INVITEE_SELECTION, par)

    def mettre_en_attente(self, par=None):
        """Retained in principle, but the programme is full: on the waiting list."""
        self._decider(self.Statut.LISTE_ATTENTE, par)

    def retenir(self, par=None):
        self._decider(self.Statut.RETENUE, par)

    def refuser(self, motif: str, par=None):
        if not motif.strip():
            raise ValidationError({"motif_refus": "Indiquez le motif de la décision."})
        self._decider(self.Statut.REFUSEE, par)
        self.motif_refus = motif

    def desister(self):
        self._passer_a(self.Statut.DESISTEE)

    def deposer_avec_accord(self):
        """The guardian consented: the application is deposited, as any other."""
        self._passer_a(self.Statut.DEPOSEE)

    def retirer_faute_d_accord(self, motif: str):
        """The guardian refused: the application is withdrawn, with their reason."""
        self._passer_a(self.Statut.DESISTEE)
        self.decidee_le = timezone.now()
        self.motif_refus = motif


class ParrainageQuerySet(models.QuerySet):
    def ouverts(self):
        return self.filter(statut__in=Parrainage.STATUTS_OUVERTS)

    def actifs(self):
        return self.filter(statut=Parrainage.Statut.ACTIF)

    def formes(self):
        """Pairs that were accepted at some point (active or ended)."""
        return self.filter(statut__in=Parrainage.STATUTS_FORMES)

    def du_programme(self, programme):
        return self.filter(programme=programme)

    def prenant_une_place(self):
        """Pairs that hold one of their mentor's places: the open ones, except the options
        a mentee is still choosing among (an option reserves nothing until it is chosen)."""
        return self.filter(Parrainage.q_place_prise())

    def vus_du_parrain(self):
        """What a mentor may see: only what was sent to them — never a proposal before it
        reaches them (the mentee answers first, or chooses among several), nor one cancelled
        or expired before, nor an option the mentee did not choose."""
        return self.exclude(statut__in=Parrainage.STATUTS_AVANT_PARRAIN).exclude(
            statut__in=[Parrainage.Statut.ANNULE, Parrainage.Statut.EXPIRE], envoye_le__isnull=True
        )

    def avec_libelle(self):
        """With what the pair's label reads (``__str__``): no query a row to name it."""
        return self.select_related(*Parrainage.RELATIONS_DU_LIBELLE)


class Parrainage(StatusMachine, models.Model):
    class Statut(models.TextChoices):
        PROPOSITION = "proposition", "Proposition à valider"
        # Programmes where the mentee has a say (``Programme.avis_filleul``): the mentee
        # accepts the proposed mentor, or chooses one of their options, before the mentor.
        ATTENTE_FILLEUL = "attente_filleul", "En attente du choix du filleul"
        ATTENTE_PARRAIN = "attente_parrain", "En attente de la réponse du parrain"
        ACTIF = "actif", "En cours"
        DECLINE = "decline", "Décliné par le parrain"
        REFUSE_FILLEUL = "refuse_filleul", "Refusé par le filleul"
        NON_CHOISI = "non_choisi", "Non choisi par le filleul"
        EXPIRE = "expire", "Proposition expirée"
        ANNULE = "annule", "Annulé"
        TERMINE = "termine", "Terminé"
        INTERROMPU = "interrompu", "Interrompu"

    RELATIONS_DU_LIBELLE = ("programme", "parrain__user", "filleul__user")
    STATUTS_OUVERTS = (
        Statut.PROPOSITION,
        Statut.ATTENTE_FILLEUL,
        Statut.ATTENTE_PARRAIN,
        Statut.ACTIF,
    )
    STATUTS_FORMES = (Statut.ACTIF, Statut.TERMINE, Statut.INTERROMPU)
    # Before the mentor is asked, or a mentee's answer the mentor never hears of.
    STATUTS_AVANT_PARRAIN = (
        Statut.PROPOSITION,
        Statut.ATTENTE_FILLEUL,
        Statut.REFUSE_FILLEUL,
        Statut.NON_CHOISI,
    )

    TRANSITIONS = {
        Statut.PROPOSITION: (Statut.ATTENTE_PARRAIN, Statut.ATTENTE_FILLEUL, Statut.ANNULE),
        Statut.ATTENTE_FILLEUL: (
            Statut.ATTENTE_PARRAIN,
            Statut.REFUSE_FILLEUL,
            Statut.NON_CHOISI,
            Statut.EXPIRE,
            Statut.ANNULE,
        ),
        Statut.ATTENTE_PARRAIN: (Statut.ACTIF, Statut.DECLINE, Statut.EXPIRE, Statut.ANNULE),
        Statut.ACTIF: (Statut.TERMINE, Statut.INTERROMPU),
        Statut.DECLINE: (),
        Statut.REFUSE_FILLEUL: (),
        Statut.NON_CHOISI: (),
        Statut.EXPIRE: (),
        Statut.ANNULE: (),
        Statut.TERMINE: (),
        Statut.INTERROMPU: (),
    }

    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name="programme",
        on_delete=models.PROTECT,
        related_name="parrainages",
    )
    parrain = models.ForeignKey(
        "Parrain", verbose_name="parrain", on_delete=models.PROTECT, related_name="parrainages"
    )
    filleul = models.ForeignKey(
        "Filleul", verbose_name="filleul", on_delete=models.PROTECT, related_name="parrainages"
    )
    candidature = models.ForeignKey(
        Candidature,
        verbose_name="candidature",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parrainages",
    )
    forme = models.CharField("forme", max_length=20, choices=Forme, default=Forme.REGULIER)
    statut = models.CharField(
        "statut", max_length=20, choices=Statut, default=Statut.PROPOSITION, db_index=True
    )
    objectifs = models.TextField("objectifs", blank=True)
    score = models.FloatField("score d'appariement", null=True, blank=True)
    raisons = models.JSONField("raisons de l'appariement", default=list, blank=True)
    # What the matching read when it proposed the pair, for the list staff confirm from:
    # each score component in short words ({"secteur": "secteur ✓", …}) and the distance.
    raisons_breves = models.JSONField(
        "raisons en bref", default=dict, blank=True, help_text="Par composante du score."
    )
    # Metropolitan France and the overseas departments: under 20,000 km between two communes.
    distance_km = models.FloatField(
        "distance (km)", null=True, blank=True, validators=bornes(0, 20_000)
    )
    matching_run = models.ForeignKey(
        "MatchingRun",
        verbose_name="appariement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parrainages",
        help_text="L'appariement automatique qui a proposé ce binôme.",
    )
    # One of up to three mentors a mentee chooses among (``Programme.avis_filleul``
    # « choisir »): it holds no place of the mentor until chosen.
    option = models.BooleanField(
        "option au choix du filleul",
        default=False,
        help_text="Une des propositions (jusqu'à 3) parmi lesquelles le filleul choisit.",
    )
    propose_le = models.DateTimeField("proposé le", default=timezone.now)
    soumis_au_filleul_le = models.DateTimeField("soumis au filleul le", null=True, blank=True)
    filleul_repondu_le = models.DateTimeField("réponse du filleul le", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé au parrain le", null=True, blank=True)
    # When the mail server accepted the proposal's e-mail to the mentor: the answer delay (and
    # so the expiry) runs from there, never from a message still waiting in the outbox.
    notifie_le = models.DateTimeField("reçue par le parrain le", null=True, blank=True)
    repondu_le = models.DateTimeField("réponse le", null=True, blank=True)
    motif_declin = models.TextField("motif du refus", blank=True)
    date_debut = models.DateField("date de début", null=True, blank=True)
    date_fin_prevue = models.DateField("date de fin prévue", null=True, blank=True)
    date_fin = models.DateField("date de fin", null=True, blank=True)
    motif_fin = models.TextField("motif de fin", blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    # The start of the pair's last meeting held: kept by the database itself (triggers of
    # migration 0046, on every write of a meeting, COPY and bulk updates included), never
    # written by the application. The follow-up page sorts the stalled pairs on it
    # (``parrainages/suivi.py``) instead of looking up the last meeting of every active pair.
    derniere_rencontre_le = models.DateTimeField(
        "dernière rencontre tenue le", null=True, blank=True, editable=False
    )
    # Where the pair's mentee and mentor live (their ``commune``), copied on the pair by the
    # database itself (triggers of migration 0049, on every write of a pair or of a person's
    # commune, COPY and bulk updates included), never written by the application. A regional
    # team's pairs, meetings and follow-up page test the territory on the pairs' own table
    # (``ParrainageAdmin.portee``) instead of joining the mentee, the mentor and both their
    # communes for every pair of the programme before the region kept one in ten (the
    # follow-up page's stalled pairs 220–240 → 37–44 ms for Hauts-de-France on national data).
    # No foreign key constraint in the database: the copies only ever hold a commune the
    # person's own column holds (and so checked), and SQLite can then drop the columns
    # without rebuilding the pairs' table under the meetings' triggers (migration 0046).
    lieu_filleul = models.ForeignKey(
        "programmes.Commune",
        verbose_name="commune du filleul",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    lieu_parrain = models.ForeignKey(
        "programmes.Commune",
        verbose_name="commune du parrain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    objects = ParrainageQuerySet.as_manager()

    class Meta:
        verbose_name = "parrainage"
        verbose_name_plural = "parrainages"
        ordering = ["-propose_le"]
        indexes = [
            models.Index(fields=["parrain", "statut"]),
            models.Index(fields=["filleul", "statut"]),
            models.Index(fields=["programme", "statut"]),
            # The default ordering, with the admin's tie-break on the id; and by status, the
            # changelist's first filter (its rows and its date hierarchy's bounds).
            models.Index(fields=["propose_le", "id"], name="parrainage_propose_le_id_idx"),
            models.Index(fields=["statut", "propose_le"], name="parrainage_statut_propose_idx"),
            # A partner's pairs (``partenaires.indicateurs.binomes_du_partenaire``): found from
            # the mentees it referred and from the mentors it brought, read from the index alone.
            models.Index(fields=["filleul", "programme", "id"], name="parrainage_filleul_prog_idx"),
            models.Index(fields=["parrain", "programme", "id"], name="parrainage_parrain_prog_idx"),
        ]
        constraints = [
            # Options a mentee chooses among are open side by side; the one chosen (sent to
            # its mentor) is the mentee's only open pair again.
            models.UniqueConstraint(
                fields=["filleul", "programme"],
                condition=Q(statut__in=["attente_parrain", "actif"])
                | Q(statut__in=["proposition", "attente_filleul"], option=False),
                name="parrainage_un_binome_ouvert_par_filleul",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=F("date_debut")),
                name="parrainage_dates_ordonnees",
            ),
            models.CheckConstraint(
                condition=Q(date_fin_prevue__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin_prevue__gte=F("date_debut")),
                name="parrainage_fin_prevue_apres_debut",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0), name="parrainage_score_positif"
            ),
        ]

    def __str__(self):
        return f"{self.parrain} × {self.filleul} ({self.programme})"

    def get_portal_url(self):
        return reverse("parrain:binome", kwargs={"pk": self.pk})

    @classmethod
    def q_place_prise(cls, prefixe: str = "") -> Q:
        """The condition of a pair holding a place of its mentor (``prenant_une_place``), on
        the pair at ``prefixe`` (``"parrainages__"``…)."""
        return Q(**{f"{prefixe}statut__in": cls.STATUTS_OUVERTS}) & ~Q(
            **{
                f"{prefixe}option": True,
                f"{prefixe}statut__in": [cls.Statut.PROPOSITION, cls.Statut.ATTENTE_FILLEUL],
            }
        )

    @classmethod
    def rang_a_montrer(cls):
        """Which of a mentee's pairs proposed at the same moment (her options) tells where she
        stands, lowest first: the pair formed or holding its place, then the one sent to its
        mentor (chosen), then the others (not chosen, refused, waiting for her)."""
        return Case(
            When(cls.q_place_prise() | Q(statut__in=cls.STATUTS_FORMES), then=Value(0)),
            When(envoye_le__isnull=False, then=Value(1)),
            default=Value(2),
            output_field=models.IntegerField(),
        )

    @property
    def prend_une_place(self) -> bool:
        return self.statut in self.STATUTS_OUVERTS and not (
            self.option and self.statut in (self.Statut.PROPOSITION, self.Statut.ATTENTE_FILLEUL)
        )

    @property
    def est_ouvert(self) -> bool:
        return self.statut in self.STATUTS_OUVERTS

    @property
    def est_forme(self) -> bool:
        """The pair was formed (active, ended or broken off): it has a page of its own."""
        return self.statut in self.STATUTS_FORMES

    def confirmer(self, *, au_filleul: bool = False):
        """Staff confirm a proposal: it goes to the mentor, or first to the mentee in a
        programme that gives them a say, or when it is one of her options (``au_filleul``:
        she has options open beside it)."""
        if self.statut == self.Statut.ATTENTE_FILLEUL:
            # Staff never answer for the mentee (the programme's setting may have changed).
            raise TransitionError(
                "Cette proposition attend la réponse du filleul : elle ne peut être confirmée "
                "qu'une fois, avant de lui être soumise."
            )
        # An option only ever reaches its mentor through the mentee's choice (which checks the
        # mentor's places), even after the programme's setting went back to « aucun ».
        if au_filleul or self.option or self.programme.avis_filleul != AvisFilleul.AUCUN:
            self.soumettre_au_filleul()
            return
        self._passer_a(self.Statut.ATTENTE_PARRAIN)
        self.envoye_le = timezone.now()

    def soumettre_au_filleul(self):
        self._passer_a(self.Statut.ATTENTE_FILLEUL)
        self.soumis_au_filleul_le = timezone.now()

    def choisir(self):
        """The mentee accepts this mentor (or chooses this option): now the mentor is asked."""
        self._passer_a(self.Statut.ATTENTE_PARRAIN)
        self.filleul_repondu_le = self.envoye_le = timezone.now()

    def refuser_par_le_filleul(self, motif: str = ""):
        self._passer_a(self.Statut.REFUSE_FILLEUL)
        self.filleul_repondu_le = timezone.now()
        self.motif_declin = motif

    def ecarter_non_choisie(self):
        """Another option was chosen: this one is released."""
        self._passer_a(self.Statut.NON_CHOISI)
        self.filleul_repondu_le = timezone.now()

    @property
    def raisons_du_filleul(self) -> list[str]:
        """Why this mentor, in the mentee's words: the run's reasons that scored, without the
        points nor what is about the mentee themself (their waiting time)."""
        return raisons_pour_le_filleul(self.raisons)

    def ecarter(self):
        self._passer_a(self.Statut.ANNULE)

    def accepter(self, *, debut=None):
        self._passer_a(self.Statut.ACTIF)
        self.repondu_le = timezone.now()
        self.date_debut = debut or timezone.localdate()
        if not self.date_fin_prevue:
            mois = self.programme.duree_parrainage_mois
            self.date_fin_prevue = add_months(self.date_debut, mois)

    def decliner(self, motif: str):
        if not motif.strip():
            raise ValidationError({"motif_declin": "Indiquez la raison du refus."})
        self._passer_a(self.Statut.DECLINE)
        self.repondu_le = timezone.now()
        self.motif_declin = motif

    def expirer(self):
        self._passer_a(self.Statut.EXPIRE)

    def terminer(self, *, fin=None, motif=""):
        self._finir(self.Statut.TERMINE, fin, motif)

    def interrompre(self, *, motif: str, fin=None):
        if not motif.strip():
            raise ValidationError({"motif_fin": "Indiquez pourquoi le parrainage s'interrompt."})
        self._finir(self.Statut.INTERROMPU, fin, motif)

    def _finir(self, cible, fin, motif):
        fin = fin or timezone.localdate()
        if self.date_debut and fin < self.date_debut:
            raise ValidationError(
                {"date_fin": "La fin ne peut pas précéder le début du parrainage."}
            )
        self._passer_a(cible)
        self.date_fin = fin
        self.motif_fin = motif


# The run's reasons read « <libellé> — <n> points » (``parrainages.matching.Reason``).
_SANS_INTERET_POUR_LE_FILLEUL = ("attend depuis", "retenu aujourd'hui")


def raisons_pour_le_filleul(raisons) -> list[str]:
    phrases = []
    for raison in raisons or ():
        libelle, _, points = str(raison).rpartition(" — ")
        if not libelle:
            libelle, points = str(raison), ""
        if points.split(" ")[0] == "0" or libelle.startswith(_SANS_INTERET_POUR_LE_FILLEUL):
            continue
        if libelle.endswith(" km") and libelle[:-3].isdigit():
            libelle = f"à {libelle} de chez vous"
        elif " d'expérience pour un niveau " in libelle:
            libelle = libelle.split(" pour un niveau ")[0] + " professionnelle"
        phrases.append(libelle[:1].upper() + libelle[1:])
    return phrases


def add_months(day, months: int):
    """The same day ``months`` later, clamped to the end of shorter months."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class Theme(models.TextChoices):
    CV = "cv", "CV et lettre de motivation"
    ENTRETIEN = "entretien", "Simulation d'entretien"
    RESEAU = "reseau", "Réseau et carnet d'adresses"
    PROJET = "projet", "Projet professionnel"
    VISITE = "visite", "Visite d'entreprise"
    FORMATION = "formation", "Conseils de formation"
    CANDIDATURES = "candidatures", "Suivi des candidatures"
    AUTRE = "autre", "Autre"


class RencontreQuerySet(models.QuerySet):
    def a_venir(self):
        return self.filter(statut=Rencontre.Statut.PREVUE, debut__gte=timezone.now())

    def tenues(self):
        return self.filter(statut=Rencontre.Statut.TENUE)


class Rencontre(StatusMachine, models.Model):
    class Modalite(models.TextChoices):
        PRESENTIEL = "presentiel", "En personne"
        VISIO = "visio", "Visioconférence"
        TELEPHONE = "telephone", "Téléphone"

    class Statut(models.TextChoices):
        # Proposed (or moved) by the mentee, awaiting the mentor: neither planned nor held,
        # no reminder (docs/rencontres.md).
        PROPOSEE = "proposee", "À confirmer par le parrain"
        PREVUE = "prevue", "Prévue"
        TENUE = "tenue", "Tenue"
        ANNULEE = "annulee", "Annulée"

    TRANSITIONS = {
        # PROPOSEE → PROPOSEE: the mentee moves their proposal again.
        Statut.PROPOSEE: (Statut.PREVUE, Statut.ANNULEE, Statut.PROPOSEE),
        # Back to PROPOSEE: the mentee moved it, the mentor confirms the new time.
        Statut.PREVUE: (Statut.TENUE, Statut.ANNULEE, Statut.PROPOSEE),
        Statut.TENUE: (),
        Statut.ANNULEE: (),
    }

    parrainage = models.ForeignKey(
        Parrainage, verbose_name="parrainage", on_delete=models.CASCADE, related_name="rencontres"
    )
    debut = models.DateTimeField("date et heure")
    duree_minutes = models.PositiveSmallIntegerField(
        "durée (minutes)", default=60, validators=bornes(15, 480)
    )
    modalite = models.CharField(
        "modalité", max_length=20, choices=Modalite, default=Modalite.PRESENTIEL
    )
    lieu = models.CharField("lieu", max_length=250, blank=True)
    lien = models.URLField("lien de visioconférence", blank=True)
    sujet = models.CharField("sujet", max_length=200, blank=True)
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.PREVUE)
    themes = models.JSONField("thèmes abordés", default=list, blank=True)
    compte_rendu = models.TextField(
        "notes privées", blank=True, help_text="Visibles du parrain et de l'équipe uniquement."
    )
    acceptee_le = models.DateTimeField(
        "confirmée par le filleul le",
        null=True,
        blank=True,
        help_text="Le filleul a confirmé (ou proposé lui-même) la date de la rencontre.",
    )
    # RFC 5545 §3.8.7.4: each new version of the meeting sent to the calendars (moved) carries
    # a higher SEQUENCE under the same UID.
    sequence = models.PositiveSmallIntegerField("version de l'invitation", default=0)
    au_calendrier = models.BooleanField(
        "invitation envoyée",
        default=True,
        help_text="Une invitation (.ics) a été envoyée aux agendas : une annulation doit l'en "
        "retirer.",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)

    objects = RencontreQuerySet.as_manager()

    class Meta:
        verbose_name = "rencontre"
        verbose_name_plural = "rencontres"
        ordering = ["-debut"]
        indexes = [
            models.Index(fields=["parrainage", "debut"]),
            models.Index(fields=["statut", "debut"]),
            # The default ordering, with the admin's tie-break on the id.
            models.Index(fields=["debut", "id"], name="rencontre_debut_id_idx"),
            # A partner's meetings held (``partenaires.indicateurs``), counted from the index
            # alone, pair by pair.
            models.Index(
                fields=["parrainage", "debut"],
                condition=Q(statut="tenue"),
                name="rencontre_tenue_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duree_minutes__gt=0) & Q(duree_minutes__lte=600),
                name="rencontre_duree_valide",
            ),
            # A pair meets once at a given instant: a form posted twice creates one meeting.
            models.UniqueConstraint(
                fields=["parrainage", "debut"],
                condition=~Q(statut="annulee"),
                name="rencontre_unique_par_instant",
            ),
        ]

    def __str__(self):
        return f"Rencontre du {timezone.localtime(self.debut):%d/%m/%Y %H:%M}"

    @property
    def fin(self):
        return plus_minutes(self.debut, self.duree_minutes)

    def marquer_tenue(self, *, themes=(), compte_rendu=""):
        unknown = set(themes) - set(Theme.values)
        if unknown:
            raise ValidationError({"themes": "Thème inconnu : " + ", ".join(sorted(unknown))})
        self._passer_a(self.Statut.TENUE)
        self.themes = list(themes)
        self.compte_rendu = compte_rendu

    def annuler(self):
        self._passer_a(self.Statut.ANNULEE)

    def confirmer(self):
        """The mentor accepts the time the mentee proposed."""
        self._passer_a(self.Statut.PREVUE)

    def deplacer(self, debut):
        """The mentee moves it: the mentor has to confirm the new time."""
        self._passer_a(self.Statut.PROPOSEE)
        self.debut = debut
        self.sequence += 1


class SortieQuerySet(models.QuerySet):
    def positives(self):
        """The outcomes that count as positive (``Sortie.compte_positive``)."""
        return self.filter(Sortie.compte_positive())


class Sortie(models.Model):
    """The situation of a mentee at the end of a pair, and six months later."""

    class Moment(models.TextChoices):
        FIN = "fin", "Fin du parrainage"
        SIX_MOIS = "six_mois", "Six mois après la fin"

    class Type(models.TextChoices):
        CDI = "cdi", "CDI"
        CDD_LONG = "cdd_long", "CDD de 6 mois ou plus"
        CDD_COURT = "cdd_court", "CDD de moins de 6 mois"
        INTERIM_LONG = "interim_long", "Intérim de 6 mois ou plus"
        ALTERNANCE = "alternance", "Alternance (apprentissage, professionnalisation)"
        FORMATION = "formation", "Formation qualifiante"
        CREATION = "creation", "Création d'entreprise"
        AUCUNE = "aucune", "Sans emploi ni formation"
        ABANDON = "abandon", "Abandon du parcours"

    class Source(models.TextChoices):
        PARRAIN = "parrain", "Parrain"
        FILLEUL = "filleul", "Filleul"
        EQUIPE = "equipe", "Équipe"
        ENQUETE = "enquete", "Enquête"

    TYPES_POSITIFS = (
        Type.CDI,
        Type.CDD_LONG,
        Type.INTERIM_LONG,
        Type.ALTERNANCE,
        Type.FORMATION,
    )
    # Who declares an outcome that counts as soon as it is recorded: the mentee, staff, a
    # survey. A mentor's declaration waits for the mentee's confirmation (``compte_positive``).
    SOURCES_SANS_CONFIRMATION = (Source.FILLEUL, Source.EQUIPE, Source.ENQUETE)

    # A pair's outcome, or (people without a pair: retained but never paired, or who left
    # after the selection week) an application's: exactly one of the two.
    parrainage = models.ForeignKey(
        Parrainage,
        verbose_name="parrainage",
        on_delete=models.CASCADE,
        related_name="sorties",
        null=True,
        blank=True,
    )
    candidature = models.ForeignKey(
        Candidature,
        verbose_name="candidature (sans binôme)",
        on_delete=models.CASCADE,
        related_name="sorties",
        null=True,
        blank=True,
        help_text="Pour une personne sans binôme : retenue mais jamais appariée, ou partie "
        "après la semaine de sélection.",
    )
    moment = models.CharField("moment", max_length=10, choices=Moment, default=Moment.FIN)
    type = models.CharField("situation", max_length=20, choices=Type)
    date = models.DateField("date")
    employeur = models.CharField("employeur ou organisme", max_length=200, blank=True)
    commentaire = models.TextField("commentaire", blank=True)
    source = models.CharField("déclarée par", max_length=10, choices=Source, default=Source.EQUIPE)
    confirmee_le = models.DateTimeField(
        "confirmée par la personne le",
        null=True,
        blank=True,
        help_text="Une situation déclarée par le parrain ne compte comme sortie positive "
        "qu'une fois confirmée par la personne, dans sa réponse au questionnaire.",
    )
    created_at = models.DateTimeField("enregistrée le", default=timezone.now)

    objects = SortieQuerySet.as_manager()

    class Meta:
        verbose_name = "sortie"
        verbose_name_plural = "sorties"
        ordering = ["-date"]
        # The admin's list (newest first) and its date bar read this index, not the table.
        indexes = [models.Index(fields=["date", "id"], name="sortie_date_id_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["parrainage", "moment"], name="sortie_unique_par_moment"
            ),
            models.UniqueConstraint(
                fields=["candidature", "moment"], name="sortie_candidature_unique_par_moment"
            ),
            models.CheckConstraint(
                condition=Q(parrainage__isnull=False, candidature__isnull=True)
                | Q(parrainage__isnull=True, candidature__isnull=False),
                name="sortie_binome_ou_candidature",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} ({self.get_moment_display().lower()})"

    def clean(self):
        if (self.parrainage_id is None) == (self.candidature_id is None):
            raise ValidationError(
                "Une sortie concerne soit un parrainage, soit une candidature sans binôme : "
                "choisissez l'un des deux."
            )

    @classmethod
    def compte_positive(cls, prefixe: str = "") -> Q:
        """The one rule of a positive outcome, as a condition on the outcome at ``prefixe``
        (``"parrainages__sorties__"``…): a positive situation (``TYPES_POSITIFS``) declared by
        the mentee, by staff or by a survey, or declared by the mentor and confirmed since by
        the mentee's own answer to the outcome survey (``confirmee_le``). A mentor's word alone
        never feeds the partners' indicators (docs/indicateurs.md, « Situation déclarée par le
        parrain »)."""
        return Q(**{f"{prefixe}type__in": cls.TYPES_POSITIFS}) & (
            Q(**{f"{prefixe}source__in": cls.SOURCES_SANS_CONFIRMATION})
            | Q(**{f"{prefixe}confirmee_le__isnull": False})
        )

    @property
    def a_confirmer(self) -> bool:
        """Declared by the mentor and not yet confirmed by the mentee."""
        return self.source == self.Source.PARRAIN and self.confirmee_le is None

    @property
    def positive(self) -> bool:
        return self.type in self.TYPES_POSITIFS and not self.a_confirmer
