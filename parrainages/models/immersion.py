"""Immersions in a company as legal conventions, and their end-of-placement assessment.

Two natures share one model (docs/immersion.md):

- a PMSMP (« période de mise en situation en milieu professionnel », Code du travail
  L5135-1 to L5135-8 and D5135-1 to D5135-8, Cerfa 13912) for a job seeker;
- a pupil's « séquence d'observation en milieu professionnel » (Code de l'éducation L332-3-1,
  D331-1 to D331-9 and D332-14; Code du travail L4153-1 and L4153-2) when the pair's programme
  is for pupils (``Programme.public_eleves``).

The parties sign through the platform's one signature machinery (``mentorat.signatures``);
the legal limits live in ``parrainages.immersion_regles`` and are checked by the services.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from mentorat.fields import private_storage
from programmes.models import StatusMachine


class ImmersionQuerySet(models.QuerySet):
    def en_vigueur(self):
        """Neither cancelled nor refused: the ones that hold dates and count as immersions."""
        return self.exclude(statut__in=Immersion.STATUTS_CLOS_SANS_SUITE)

    def a_valider(self):
        return self.filter(statut=Immersion.Statut.A_VALIDER)

    def du_filleul(self, filleul):
        return self.filter(parrainage__filleul=filleul)

    def avec_libelle(self):
        return self.select_related(
            "parrainage__programme", "parrainage__parrain__user", "parrainage__filleul__user"
        )


class Immersion(StatusMachine, models.Model):
    class Nature(models.TextChoices):
        PMSMP = "pmsmp", "Période de mise en situation en milieu professionnel (PMSMP)"
        OBSERVATION = "observation", "Séquence d'observation en milieu professionnel (élève)"

    class Objet(models.TextChoices):
        # Code du travail, art. L5135-1: the three purposes a PMSMP may have.
        DECOUVRIR = "decouvrir", "Découvrir un métier ou un secteur d'activité"
        CONFIRMER = "confirmer", "Confirmer un projet professionnel"
        RECRUTER = "recruter", "Initier une démarche de recrutement"

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon (à compléter avant signature)"
        A_SIGNER = "a_signer", "À signer"
        PARTIELLEMENT_SIGNEE = "partiellement_signee", "Partiellement signée"
        A_VALIDER = "a_valider", "Signée par toutes les parties, à valider"
        VALIDEE = "validee", "Validée"
        TERMINEE = "terminee", "Terminée (bilan reçu)"
        REFUSEE = "refusee", "Refusée"
        ANNULEE = "annulee", "Annulée"

    STATUTS_CLOS_SANS_SUITE = (Statut.REFUSEE, Statut.ANNULEE)
    STATUTS_EN_SIGNATURE = (Statut.A_SIGNER, Statut.PARTIELLEMENT_SIGNEE)
    # A change to the convention is possible up to its validation (every signature is then
    # withdrawn and asked again); a refused one is changed to be signed again.
    STATUTS_MODIFIABLES = (
        Statut.BROUILLON,
        Statut.A_SIGNER,
        Statut.PARTIELLEMENT_SIGNEE,
        Statut.A_VALIDER,
        Statut.REFUSEE,
    )

    TRANSITIONS = {
        Statut.BROUILLON: (Statut.A_SIGNER, Statut.ANNULEE),
        # A change while still to sign issues it again (its parties are asked again).
        Statut.A_SIGNER: (
            Statut.A_SIGNER,
            Statut.PARTIELLEMENT_SIGNEE,
            Statut.A_VALIDER,
            Statut.REFUSEE,
            Statut.ANNULEE,
        ),
        Statut.PARTIELLEMENT_SIGNEE: (
            Statut.A_SIGNER,
            Statut.A_VALIDER,
            Statut.REFUSEE,
            Statut.ANNULEE,
        ),
        Statut.A_VALIDER: (Statut.A_SIGNER, Statut.VALIDEE, Statut.REFUSEE, Statut.ANNULEE),
        Statut.VALIDEE: (Statut.TERMINEE, Statut.ANNULEE),
        Statut.REFUSEE: (Statut.A_SIGNER,),
        Statut.TERMINEE: (),
        Statut.ANNULEE: (),
    }

    uuid = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    parrainage = models.ForeignKey(
        "Parrainage",
        verbose_name="parrainage",
        on_delete=models.CASCADE,
        related_name="immersions",
    )
    nature = models.CharField("nature", max_length=20, choices=Nature, default=Nature.PMSMP)
    renouvelle = models.ForeignKey(
        "self",
        verbose_name="renouvelle la convention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renouvellements",
        help_text="Une PMSMP se renouvelle une fois, pour le même objet et les mêmes objectifs.",
    )
    # What the placement is for (Code du travail, D5135-2, 5°).
    objet = models.CharField("objet", max_length=20, choices=Objet, blank=True)
    objectifs = models.TextField(
        "objectifs précis et modalités d'évaluation", help_text="Ce que la période doit permettre."
    )
    metier_code = models.CharField(
        "code ROME du métier", max_length=5, blank=True, help_text="Par exemple M1607."
    )
    metier_libelle = models.CharField("métier", max_length=200, blank=True)
    # The host structure (D5135-2, 3°).
    entreprise_nom = models.CharField("entreprise d'accueil", max_length=200, blank=True)
    entreprise_siret = models.CharField("SIRET de l'établissement", max_length=14, blank=True)
    entreprise_adresse = models.CharField("adresse de l'établissement", max_length=250, blank=True)
    entreprise_commune = models.ForeignKey(
        "programmes.Commune",
        verbose_name="commune de l'établissement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lieu = models.CharField("lieu d'exécution", max_length=250)
    representant_prenom = models.CharField("prénom du représentant", max_length=150, blank=True)
    representant_nom = models.CharField("nom du représentant", max_length=150, blank=True)
    representant_fonction = models.CharField("fonction du représentant", max_length=200, blank=True)
    representant_email = models.EmailField("e-mail du représentant", blank=True)
    representant_telephone = models.CharField(
        "téléphone du représentant", max_length=20, blank=True
    )
    representant_est_parrain = models.BooleanField(
        "le parrain ou la marraine représente l'entreprise",
        default=False,
        help_text="Il ou elle signe alors depuis son espace.",
    )
    # The person who welcomes, guides and assesses the beneficiary (D5135-5).
    tuteur_prenom = models.CharField("prénom du tuteur", max_length=150, blank=True)
    tuteur_nom = models.CharField("nom du tuteur", max_length=150, blank=True)
    tuteur_fonction = models.CharField("fonction du tuteur", max_length=200, blank=True)
    tuteur_email = models.EmailField("e-mail du tuteur", blank=True)
    tuteur_telephone = models.CharField("téléphone du tuteur", max_length=20, blank=True)
    # The prescribing structure and the beneficiary's counsellor (L5135-2; D5135-2, 1° and 4°);
    # for a pupil, the school.
    prescripteur = models.ForeignKey(
        "partenaires.Partenaire",
        verbose_name="structure prescriptrice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="immersions_prescrites",
    )
    conseiller_prenom = models.CharField("prénom du conseiller", max_length=150, blank=True)
    conseiller_nom = models.CharField("nom du conseiller", max_length=150, blank=True)
    conseiller_fonction = models.CharField("fonction du conseiller", max_length=200, blank=True)
    conseiller_email = models.EmailField("e-mail du conseiller", blank=True)
    conseiller_telephone = models.CharField("téléphone du conseiller", max_length=20, blank=True)
    # Pupils: the school's head and the teacher who follows the pupil (D331-6).
    chef_etablissement_prenom = models.CharField(
        "prénom du chef d'établissement", max_length=150, blank=True
    )
    chef_etablissement_nom = models.CharField(
        "nom du chef d'établissement", max_length=150, blank=True
    )
    chef_etablissement_email = models.EmailField("e-mail du chef d'établissement", blank=True)
    enseignant_prenom = models.CharField(
        "prénom du professeur référent", max_length=150, blank=True
    )
    enseignant_nom = models.CharField("nom du professeur référent", max_length=150, blank=True)
    enseignant_email = models.EmailField("e-mail du professeur référent", blank=True)
    enseignant_telephone = models.CharField(
        "téléphone du professeur référent", max_length=20, blank=True
    )
    date_debut = models.DateField("premier jour")
    date_fin = models.DateField("dernier jour")
    horaires = models.JSONField(
        "horaires de la semaine",
        default=dict,
        blank=True,
        help_text="Par jour de la semaine, les plages de présence (« 09:00 »–« 12:00 »).",
    )
    activites = models.TextField("activités confiées", blank=True)
    competences = models.TextField(
        "compétences observées", blank=True, help_text="Une compétence par ligne."
    )
    epi = models.BooleanField("équipements de protection individuelle nécessaires", default=False)
    epi_detail = models.CharField("équipements fournis", max_length=250, blank=True)
    risques = models.TextField("risques et mesures de prévention", blank=True)
    sans_travaux_dangereux = models.BooleanField(
        "aucun travail dangereux ni machine interdite aux mineurs", default=False
    )
    urgence_nom = models.CharField(
        "personne à prévenir en cas d'urgence", max_length=200, blank=True
    )
    urgence_telephone = models.CharField("téléphone en cas d'urgence", max_length=20, blank=True)
    statut = models.CharField(
        "statut", max_length=20, choices=Statut, default=Statut.A_SIGNER, db_index=True
    )
    # What the parties sign: the convention rendered as text, frozen at each issue.
    texte = models.TextField("texte signé", blank=True)
    texte_sha256 = models.CharField("empreinte SHA-256 du texte", max_length=64, blank=True)
    proposee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="proposée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("proposée le", default=timezone.now)
    soumise_le = models.DateTimeField("soumise à signature le", null=True, blank=True)
    signee_le = models.DateTimeField("signée par toutes les parties le", null=True, blank=True)
    valide_le = models.DateTimeField("validée le", null=True, blank=True)
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="validée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    refusee_le = models.DateTimeField("refusée le", null=True, blank=True)
    refusee_par = models.CharField("refusée par", max_length=250, blank=True)
    motif_refus = models.TextField("motif du refus", blank=True)
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)
    motif_annulation = models.TextField("motif d'annulation", blank=True)
    pdf = models.FileField(
        "PDF scellé", storage=private_storage, upload_to="immersions/%Y/%m/", blank=True
    )
    pdf_sha256 = models.CharField(
        "empreinte SHA-256 du PDF", max_length=64, blank=True, db_index=True
    )
    pdf_produit_le = models.DateTimeField("PDF produit le", null=True, blank=True)
    envoyee_le = models.DateTimeField("PDF envoyé aux parties le", null=True, blank=True)
    bilan_demande_le = models.DateTimeField("bilan demandé au tuteur le", null=True, blank=True)
    bilan_jeton_hash = models.CharField(
        "empreinte du lien du bilan", max_length=64, blank=True, db_index=True
    )
    bilan_jeton_expire_le = models.DateTimeField(
        "lien du bilan valable jusqu'au", null=True, blank=True
    )

    objects = ImmersionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention d'immersion"
        verbose_name_plural = "conventions d'immersion"
        ordering = ["-date_debut"]
        indexes = [
            models.Index(fields=["date_debut", "id"], name="immersion_debut_id_idx"),
            models.Index(fields=["statut", "date_fin"], name="immersion_statut_fin_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__gte=F("date_debut")), name="immersion_dates_ordonnees"
            ),
            models.CheckConstraint(
                condition=Q(entreprise_siret="") | Q(entreprise_siret__regex=r"^[0-9]{14}$"),
                name="immersion_siret_14_chiffres",
            ),
            models.CheckConstraint(
                condition=Q(metier_code="") | Q(metier_code__regex=r"^[A-N][0-9]{4}$"),
                name="immersion_code_rome_valide",
            ),
            # Code du travail, D5135-3: a convention is renewed once.
            models.UniqueConstraint(
                fields=["renouvelle"],
                condition=Q(renouvelle__isnull=False) & ~Q(statut__in=["refusee", "annulee"]),
                name="immersion_renouvelee_une_fois",
            ),
        ]

    def __str__(self):
        nature = "Observation" if self.nature == self.Nature.OBSERVATION else "Immersion"
        return f"{nature} du {self.date_debut:%d/%m/%Y} au {self.date_fin:%d/%m/%Y}"

    @property
    def est_observation(self) -> bool:
        return self.nature == self.Nature.OBSERVATION

    @property
    def titre(self) -> str:
        if self.est_observation:
            return "Convention de séquence d'observation en milieu professionnel"
        return "Convention de mise en situation en milieu professionnel (PMSMP)"

    @property
    def en_signature(self) -> bool:
        return self.statut in self.STATUTS_EN_SIGNATURE

    @property
    def modifiable(self) -> bool:
        return self.statut in self.STATUTS_MODIFIABLES

    @property
    def tuteur_nom_complet(self) -> str:
        return " ".join(p for p in (self.tuteur_prenom, self.tuteur_nom) if p)

    @property
    def representant_nom_complet(self) -> str:
        return " ".join(p for p in (self.representant_prenom, self.representant_nom) if p)

    @property
    def conseiller_nom_complet(self) -> str:
        return " ".join(p for p in (self.conseiller_prenom, self.conseiller_nom) if p)

    def resume_horaires(self) -> dict:
        """The week line by line and its totals (per week, days and hours over the period)."""
        from django.core.exceptions import ValidationError

        from .. import immersion_horaires as H

        try:
            semaine = H.lire(self.horaires)
        except ValidationError:
            return {"lignes": [], "semaine": "", "total": "", "jours": 0}
        jours = H.jours_de_presence(semaine, self.date_debut, self.date_fin)
        total = sum(semaine.minutes_du_jour(j.weekday()) for j in jours)
        return {
            "lignes": H.lignes(semaine),
            "semaine": H.duree_texte(semaine.minutes_par_semaine),
            "total": H.duree_texte(total),
            "jours": len(jours),
        }

    def liste_competences(self) -> list[str]:
        return [ligne.strip() for ligne in self.competences.splitlines() if ligne.strip()]

    # --- Transitions (the services call them, in their transaction) -----------------------

    def soumettre(self):
        """Sent (again) to the parties for signature (after a change: from any status before
        validation, back to the start of the signatures)."""
        self._passer_a(self.Statut.A_SIGNER)
        self.soumise_le = timezone.now()
        self.signee_le = None
        self.refusee_le = None
        self.refusee_par = ""
        self.motif_refus = ""

    def marquer_signature(self):
        """One more party signed, others have still to."""
        self._passer_a(self.Statut.PARTIELLEMENT_SIGNEE)

    def marquer_signee(self):
        """Every party signed: staff validate it next."""
        self._passer_a(self.Statut.A_VALIDER)
        self.signee_le = timezone.now()

    def refuser(self, *, par: str, motif: str):
        from django.core.exceptions import ValidationError

        if not (motif or "").strip():
            raise ValidationError({"motif_refus": "Indiquez le motif du refus."})
        self._passer_a(self.Statut.REFUSEE)
        self.refusee_le = timezone.now()
        self.refusee_par = par[:250]
        self.motif_refus = motif.strip()

    def valider(self, *, par):
        self._passer_a(self.Statut.VALIDEE)
        self.valide_le = timezone.now()
        self.valide_par = par

    def terminer(self):
        self._passer_a(self.Statut.TERMINEE)

    def annuler(self, *, motif: str):
        from django.core.exceptions import ValidationError

        if not (motif or "").strip():
            raise ValidationError({"motif_annulation": "Indiquez le motif de l'annulation."})
        self._passer_a(self.Statut.ANNULEE)
        self.annulee_le = timezone.now()
        self.motif_annulation = motif.strip()


class BilanImmersion(models.Model):
    """The tutor's end-of-placement assessment: one per convention, never changed once sent."""

    class Niveau(models.TextChoices):
        ACQUISE = "acquise", "Acquise"
        EN_COURS = "en_cours", "En cours d'acquisition"
        NON_OBSERVEE = "non_observee", "Non observée"

    class Issue(models.TextChoices):
        EMBAUCHE = "embauche", "Une embauche est envisagée"
        FORMATION = "formation", "Une entrée en formation est envisagée"
        AUTRE = "autre", "Une autre immersion ou une autre orientation est envisagée"
        AUCUNE = "aucune", "Pas de suite prévue"

    immersion = models.OneToOneField(
        Immersion, verbose_name="convention", on_delete=models.CASCADE, related_name="bilan"
    )
    jours_presence = models.PositiveSmallIntegerField("jours de présence")
    jours_absence = models.PositiveSmallIntegerField("jours d'absence", default=0)
    competences = models.JSONField(
        "compétences",
        default=list,
        blank=True,
        help_text="Pour chaque compétence observée : acquise, en cours ou non observée.",
    )
    issue = models.CharField("suite envisagée", max_length=20, choices=Issue)
    commentaire = models.TextField("commentaire du tuteur", blank=True)
    rempli_par = models.CharField("rempli par", max_length=250, blank=True)
    created_at = models.DateTimeField("reçu le", default=timezone.now)

    class Meta:
        verbose_name = "bilan d'immersion"
        verbose_name_plural = "bilans d'immersion"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(jours_presence__lte=366) & Q(jours_absence__lte=366),
                name="bilan_immersion_jours_bornes",
            ),
        ]

    def __str__(self):
        return f"Bilan — {self.immersion}"

    @property
    def realisee(self) -> bool:
        return self.jours_presence > 0

    def competences_a_afficher(self) -> list[tuple[str, str]]:
        libelles = dict(self.Niveau.choices)
        return [
            (c.get("competence", ""), libelles.get(c.get("niveau"), c.get("niveau", "")))
            for c in self.competences
        ]
