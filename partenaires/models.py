from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from mentorat.fields import bornes, private_storage
from programmes.models import StatusMachine, TransitionError

from .publics import Public


class PartenaireQuerySet(models.QuerySet):
    def du_membre(self, user):
        """The partners ``user`` is an active member of (none for an anonymous visitor)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(actif=True, adhesions__user=user, adhesions__actif=True).distinct()

    def en_ecriture(self, user):
        """The partners ``user`` is an active member of with a role that writes (not
        read-only): referring, codes, letters, the selection week's invitations and grids."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(
            actif=True,
            adhesions__user=user,
            adhesions__actif=True,
            adhesions__role__in=[Membre.Role.REFERENT, Membre.Role.CONSEILLER],
        ).distinct()


class EducationPrioritaire(models.TextChoices):
    REP = "rep", "REP"
    REP_PLUS = "rep_plus", "REP+"


class Partenaire(models.Model):
    class Type(models.TextChoices):
        FRANCE_TRAVAIL = "france_travail", "Agence France Travail"
        MISSION_LOCALE = "mission_locale", "Mission locale"
        ASSOCIATION = "association", "Association"
        ENTREPRISE = "entreprise", "Entreprise"
        COLLECTIVITE = "collectivite", "Collectivité territoriale"
        ETABLISSEMENT_SCOLAIRE = "etablissement_scolaire", "Établissement scolaire"
        CLUB_ENTREPRISES = "club_entreprises", "Club ou réseau d'entreprises"

    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=30, choices=Type)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    # Schools: their national identifier (UAI, formerly RNE: 7 digits and a letter) and their
    # priority-education network, from the ministry's open data (« Adresse et géolocalisation
    # des établissements » and « Établissements de l'éducation prioritaire »).
    uai = models.CharField(
        "code UAI",
        max_length=8,
        blank=True,
        help_text="Établissements scolaires : 7 chiffres et une lettre (ex. 0630001A).",
    )
    education_prioritaire = models.CharField(
        "éducation prioritaire",
        max_length=10,
        choices=EducationPrioritaire,
        blank=True,
        help_text="Établissements scolaires : réseau REP ou REP+ de l'établissement.",
    )
    commune = models.ForeignKey(
        "programmes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    adresse = models.CharField("adresse", max_length=250, blank=True)
    email = models.EmailField("e-mail de contact", blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    site_web = models.URLField("site web", blank=True)
    actif = models.BooleanField("actif", default=True)
    membres = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membre", related_name="partenaires", blank=True
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)

    objects = PartenaireQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire"
        verbose_name_plural = "partenaires"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(fields=["nom", "type"], name="partenaire_nom_type_unique"),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"),
                name="partenaire_siret_valide",
            ),
            models.CheckConstraint(
                condition=Q(uai="") | Q(uai__regex=r"^[0-9]{7}[A-Z]$"),
                name="partenaire_uai_valide",
            ),
            models.UniqueConstraint(
                fields=["uai"], condition=~Q(uai=""), name="partenaire_uai_unique"
            ),
        ]

    def __str__(self):
        return self.nom

    @property
    def en_education_prioritaire(self) -> bool:
        return self.type == self.Type.ETABLISSEMENT_SCOLAIRE and bool(self.education_prioritaire)


class MembreQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True)


class Membre(models.Model):
    """A user's membership of a partner organisation (gives access to the partner portal)."""

    class Role(models.TextChoices):
        REFERENT = "referent", "Référent de la convention"
        CONSEILLER = "conseiller", "Conseiller (prescripteur)"
        LECTEUR = "lecteur", "Lecture seule"

    partenaire = models.ForeignKey(
        Partenaire, verbose_name="partenaire", on_delete=models.CASCADE, related_name="adhesions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="adhesions",
    )
    role = models.CharField("rôle", max_length=20, choices=Role, default=Role.CONSEILLER)
    actif = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField("depuis le", default=timezone.now)

    objects = MembreQuerySet.as_manager()

    class Meta:
        verbose_name = "membre"
        verbose_name_plural = "membres"
        ordering = ["partenaire", "user"]
        indexes = [models.Index(fields=["user", "actif"])]
        constraints = [
            models.UniqueConstraint(fields=["partenaire", "user"], name="membre_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.partenaire}"


class ConventionQuerySet(models.QuerySet):
    def en_vigueur(self):
        return self.filter(statut__in=[Convention.Statut.SIGNEE, Convention.Statut.ACTIVE])

    def actives(self):
        return self.filter(statut=Convention.Statut.ACTIVE)

    def suivies(self):
        """Signed at some point: their indicators are followed and reported."""
        return self.exclude(statut=Convention.Statut.BROUILLON)

    def du_membre(self, user):
        """The conventions one of whose parties ``user`` is an active member of (the lead
        partner is a party too)."""
        return self.des_partenaires(Partenaire.objects.du_membre(user))

    def des_partenaires(self, partenaires):
        """The conventions one of ``partenaires`` is a party to (one row each)."""
        return self.filter(
            pk__in=PartieConvention.objects.filter(partenaire__in=partenaires).values("convention")
        )


class Convention(StatusMachine, models.Model):
    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        SIGNEE = "signee", "Signée"
        ACTIVE = "active", "Active"
        TERMINEE = "terminee", "Terminée"

    TRANSITIONS = {
        Statut.BROUILLON: (Statut.SIGNEE,),
        Statut.SIGNEE: (Statut.ACTIVE, Statut.TERMINEE),
        Statut.ACTIVE: (Statut.TERMINEE,),
        Statut.TERMINEE: (),
    }

    # The lead party (« porteur »): the indicators are attributed to it. Every party, this
    # one included, is a ``PartieConvention`` row.
    partenaire = models.ForeignKey(
        Partenaire,
        verbose_name="partenaire porteur",
        on_delete=models.PROTECT,
        related_name="conventions",
    )
    programmes = models.ManyToManyField(
        "programmes.Programme", verbose_name="programmes", related_name="conventions"
    )
    reference = models.CharField("référence", max_length=40, unique=True)
    titre = models.CharField("titre", max_length=250)
    date_debut = models.DateField("date de début")
    date_fin = models.DateField("date de fin")
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.BROUILLON)
    # Replaced by the actions (``ActionConvention``): the text written before stays readable.
    plan_action = models.TextField("plan d'action (ancien texte libre)", blank=True)
    engagements_partenaire = models.TextField("engagements du partenaire", blank=True)
    engagements_ville = models.TextField("engagements de la ville", blank=True)
    modalites_suivi = models.TextField("modalités de suivi", blank=True)
    criteres_evaluation = models.TextField("critères d'évaluation", blank=True)
    signataires = models.TextField("signataires", blank=True, help_text="Un signataire par ligne.")
    signee_le = models.DateField("signée le", null=True, blank=True)
    pdf_signe = models.FileField(
        "convention signée (PDF)", storage=private_storage, upload_to="conventions/", blank=True
    )
    # Online signing (mentorat.signatures): the fingerprint of the text the parties sign,
    # frozen when the signatures are asked for; the sealed PDF's fingerprint once made.
    signataire_structure = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="signataire pour la ville",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text="La personne de l'équipe qui signe en ligne pour la ville (par un lien reçu "
        "par e-mail).",
    )
    signature_demandee_le = models.DateTimeField(
        "signature en ligne demandée le", null=True, blank=True, editable=False
    )
    texte_sha256 = models.CharField(
        "empreinte du texte soumis à signature", max_length=64, blank=True, editable=False
    )
    pdf_sha256 = models.CharField(
        "empreinte du PDF scellé", max_length=64, blank=True, editable=False
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["-date_debut"]
        indexes = [models.Index(fields=["partenaire", "statut"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__gte=F("date_debut")), name="convention_dates_ordonnees"
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.titre}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The lead partner is always a party (the first one, « porteur »). The admin's form
        # saves its parties itself first (``_parties_du_formulaire``), then asks for this.
        if not getattr(self, "_parties_du_formulaire", False):
            self.partie_porteuse_assurer()

    def partie_porteuse_assurer(self) -> None:
        """The lead partner is the one party « porteur »: its row made or promoted, a former
        lead's row becoming a co-signatory's (a new lead partner does not drop the old one)."""
        if not self.partenaire_id:
            return
        partie, creee = PartieConvention.objects.get_or_create(
            convention=self,
            partenaire_id=self.partenaire_id,
            defaults={"role": PartieConvention.Role.PORTEUR},
        )
        if not creee and partie.role != PartieConvention.Role.PORTEUR:
            partie.role = PartieConvention.Role.PORTEUR
            partie.save(update_fields=["role"])
        PartieConvention.objects.filter(
            convention=self, role=PartieConvention.Role.PORTEUR
        ).exclude(partenaire_id=self.partenaire_id).update(role=PartieConvention.Role.CO_SIGNATAIRE)

    def clean(self):
        if self.date_debut and self.date_fin and self.date_fin < self.date_debut:
            raise ValidationError({"date_fin": "La date de fin doit suivre la date de début."})

    def signer(self, *, le=None):
        if not self.pk or not self.objectifs.exists():
            raise ValidationError("Une convention sans objectif ne peut pas être signée.")
        self._passer_a(self.Statut.SIGNEE)
        self.signee_le = le or timezone.localdate()

    def activer(self):
        self._passer_a(self.Statut.ACTIVE)

    def terminer(self):
        self._passer_a(self.Statut.TERMINEE)

    @property
    def est_suivie(self) -> bool:
        return self.statut != self.Statut.BROUILLON

    @property
    def liste_signataires(self) -> list[str]:
        return [ligne.strip() for ligne in self.signataires.splitlines() if ligne.strip()]

    @property
    def en_signature(self) -> bool:
        """Its parties were asked to sign online and it is not signed yet."""
        return self.statut == self.Statut.BROUILLON and self.signature_demandee_le is not None


class PartieConvention(models.Model):
    """A party to a convention: a partner with its role, and who signs for it.

    Every active member of a party's partner sees the convention in the partner portal. The
    signatory is a member of that partner with an account (signs on the portal's page), or a
    person named here (signs from a link of their own, ``mentorat.signatures``)."""

    class Role(models.TextChoices):
        PORTEUR = "porteur", "Porteur"
        CO_FINANCEUR = "co_financeur", "Co-financeur"
        CO_SIGNATAIRE = "co_signataire", "Co-signataire"
        PRESCRIPTEUR = "prescripteur", "Prescripteur"
        OPERATEUR = "operateur", "Opérateur"

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="parties"
    )
    partenaire = models.ForeignKey(
        Partenaire,
        verbose_name="partenaire",
        on_delete=models.PROTECT,
        related_name="parties_conventions",
    )
    role = models.CharField("rôle", max_length=20, choices=Role, default=Role.CO_SIGNATAIRE)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    signataire = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="signataire (membre du partenaire)",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Un membre actif du partenaire, référent de la convention : il signe depuis "
        "le portail partenaire. Sinon, nommez la personne qui signe ci-contre : elle signe "
        "depuis un lien reçu par e-mail.",
    )
    signataire_prenom = models.CharField("prénom du signataire", max_length=150, blank=True)
    signataire_nom = models.CharField("nom du signataire", max_length=150, blank=True)
    signataire_fonction = models.CharField("fonction du signataire", max_length=200, blank=True)
    signataire_email = models.EmailField("e-mail du signataire", blank=True)

    class Meta:
        verbose_name = "partie à la convention"
        verbose_name_plural = "parties à la convention"
        ordering = ["convention", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "partenaire"], name="partie_convention_unique"
            ),
        ]

    def __str__(self):
        return f"{self.partenaire} ({self.get_role_display().lower()})"

    def clean(self):
        referent = Membre.objects.filter(
            partenaire_id=self.partenaire_id,
            user_id=self.signataire_id,
            actif=True,
            role=Membre.Role.REFERENT,
        )
        if self.signataire_id and self.partenaire_id and not referent.exists():
            raise ValidationError(
                {
                    "signataire": "Le signataire doit être un membre actif de ce "
                    "partenaire avec le rôle « Référent de la convention »."
                }
            )
        if self.signataire_email and not (self.signataire_nom or self.signataire_prenom):
            raise ValidationError({"signataire_nom": "Indiquez le nom de la personne qui signe."})


class ActionConvention(models.Model):
    """One action of a convention's action plan: who does it, by when, where it stands."""

    class Statut(models.TextChoices):
        A_FAIRE = "a_faire", "À faire"
        EN_COURS = "en_cours", "En cours"
        FAITE = "faite", "Faite"
        ABANDONNEE = "abandonnee", "Abandonnée"

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="actions"
    )
    intitule = models.CharField("action", max_length=250)
    responsable = models.ForeignKey(
        PartieConvention,
        verbose_name="partie responsable",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    responsable_libelle = models.CharField(
        "responsable (autre)",
        max_length=200,
        blank=True,
        help_text="Si le responsable n'est pas une partie : la ville, un service, une personne.",
    )
    echeance = models.DateField("échéance")
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.A_FAIRE)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "action du plan d'action"
        verbose_name_plural = "plan d'action"
        ordering = ["convention", "echeance", "ordre", "pk"]

    def __str__(self):
        return f"{self.intitule} (au {self.echeance:%d/%m/%Y})"

    @property
    def responsable_nom(self) -> str:
        if self.responsable_id:
            return str(self.responsable.partenaire)
        return self.responsable_libelle

    def clean(self):
        erreurs = {}
        if not self.responsable_id and not self.responsable_libelle.strip():
            erreurs["responsable_libelle"] = (
                "Indiquez qui porte l'action : une partie à la convention, ou un autre responsable."
            )
        if (
            self.responsable_id
            and self.convention_id
            and self.responsable.convention_id != self.convention_id
        ):
            erreurs["responsable"] = "Le responsable doit être une partie de cette convention."
        convention = self.convention if self.convention_id else None
        if convention and self.echeance and self.echeance < convention.date_debut:
            erreurs["echeance"] = (
                "L'échéance ne peut pas précéder le début de la convention "
                f"({convention.date_debut:%d/%m/%Y})."
            )
        if erreurs:
            raise ValidationError(erreurs)


class Objectif(models.Model):
    class Indicateur(models.TextChoices):
        FILLEULS_ORIENTES = "filleuls_orientes", "Filleuls orientés"
        PARRAINS_APPORTES = "parrains_apportes", "Parrains apportés"
        BINOMES_FORMES = "binomes_formes", "Binômes formés"
        RENCONTRES_TENUES = "rencontres_tenues", "Rencontres tenues"
        SORTIES_POSITIVES_6_MOIS = "sorties_positives_6_mois", "Sorties positives à 6 mois"
        EVENEMENTS_ORGANISES = "evenements_organises", "Événements organisés"
        PARTICIPATION = "participation", "Participations aux événements"
        IMMERSIONS_REALISEES = "immersions_realisees", "Immersions réalisées"
        IMMERSIONS_EMBAUCHE = "immersions_embauche", "Immersions menant à une embauche"
        # Shares, in percent (partenaires.indicateurs.PARTS), not counts.
        SATISFACTION = "satisfaction", "Satisfaction des participants (%)"
        OBJECTIFS_ATTEINTS = "objectifs_atteints", "Objectifs des binômes atteints (%)"

    class Periode(models.TextChoices):
        CONVENTION = "convention", "Sur toute la durée de la convention"
        ANNEE = "annee", "Par année"
        TRIMESTRE = "trimestre", "Par trimestre"
        MOIS = "mois", "Par mois"

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="objectifs"
    )
    indicateur = models.CharField("indicateur", max_length=40, choices=Indicateur)
    valeur_cible = models.PositiveIntegerField("valeur cible", validators=bornes(1, 10_000_000))
    periode = models.CharField(
        "période", max_length=20, choices=Periode, default=Periode.CONVENTION
    )
    # A target public and a sector (partenaires.publics): the objective counts only the rows
    # of the mentees of that public, of that sector.
    public = models.CharField("public visé", max_length=30, choices=Public, blank=True, default="")
    secteur = models.ForeignKey(
        "programmes.Secteur",
        verbose_name="secteur visé (domaine ROME)",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "objectif"
        verbose_name_plural = "objectifs"
        ordering = ["convention", "indicateur"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "indicateur", "periode", "public"],
                condition=Q(secteur__isnull=True),
                name="objectif_unique",
            ),
            models.UniqueConstraint(
                fields=["convention", "indicateur", "periode", "public", "secteur"],
                condition=Q(secteur__isnull=False),
                name="objectif_unique_par_secteur",
            ),
            models.CheckConstraint(
                condition=Q(valeur_cible__gte=0), name="objectif_cible_positive"
            ),
        ]

    def __str__(self):
        periode = self.get_periode_display().lower()
        return (
            f"{self.get_indicateur_display()}{self.cible_libelle} : {self.valeur_cible} ({periode})"
        )

    @property
    def cible_libelle(self) -> str:
        """« — public : …, secteur : … » when the objective targets them, else empty."""
        morceaux = []
        if self.public:
            morceaux.append(f"public : {self.get_public_display()}")
        if self.secteur_id:
            morceaux.append(f"secteur : {self.secteur.libelle}")
        return f" — {', '.join(morceaux)}" if morceaux else ""

    def clean(self):
        from .publics import VENTILABLES

        if (self.public or self.secteur_id) and self.indicateur not in VENTILABLES:
            raise ValidationError(
                {
                    "public": f"L'indicateur « {self.get_indicateur_display()} » ne compte pas "
                    "des personnes accompagnées : il ne se ventile ni par public ni par secteur."
                }
            )


class RapportQuerySet(models.QuerySet):
    def du_membre(self, user):
        """The reports of the conventions one of whose parties ``user`` is an active member of."""
        return self.filter(convention__in=Convention.objects.du_membre(user))


class Rapport(StatusMachine, models.Model):
    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En cours de production"
        PRET = "pret", "Prêt"
        ECHEC = "echec", "Échec"

    TRANSITIONS = {
        Statut.EN_ATTENTE: (Statut.EN_COURS, Statut.ECHEC),
        Statut.EN_COURS: (Statut.PRET, Statut.ECHEC, Statut.EN_ATTENTE),
        Statut.ECHEC: (Statut.EN_ATTENTE,),
        Statut.PRET: (Statut.EN_ATTENTE,),
    }

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="rapports"
    )
    periode_debut = models.DateField("début de la période")
    periode_fin = models.DateField("fin de la période")
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.EN_ATTENTE)
    progression = models.PositiveSmallIntegerField("progression (%)", default=0)
    automatique = models.BooleanField("produit automatiquement", default=False)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pdf = models.FileField("PDF", storage=private_storage, upload_to="rapports/%Y/", blank=True)
    csv = models.FileField("CSV", storage=private_storage, upload_to="rapports/%Y/", blank=True)
    xlsx = models.FileField("XLSX", storage=private_storage, upload_to="rapports/%Y/", blank=True)
    # The indicators broken down by public and sector (partenaires.publics), counts under 5
    # suppressed: a file the partners download.
    csv_ventilation = models.FileField(
        "CSV des indicateurs par public et secteur",
        storage=private_storage,
        upload_to="rapports/%Y/",
        blank=True,
    )
    erreur = models.TextField("erreur", blank=True)
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    demarre_le = models.DateTimeField("production commencée le", null=True, blank=True)
    battement_le = models.DateTimeField(
        "dernier signe de vie de la production", null=True, blank=True, editable=False
    )
    genere_le = models.DateTimeField("produit le", null=True, blank=True)
    reprise_le = models.DateTimeField("remis en production le", null=True, blank=True)
    motif_reprise = models.CharField("motif de la nouvelle production", max_length=250, blank=True)

    objects = RapportQuerySet.as_manager()

    class Meta:
        verbose_name = "rapport"
        verbose_name_plural = "rapports"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["convention", "-created_at"])]
        constraints = [
            # The monthly task may run twice (retries, two beats): one automatic report per
            # convention and period.
            models.UniqueConstraint(
                fields=["convention", "periode_debut", "periode_fin"],
                condition=Q(automatique=True),
                name="rapport_automatique_unique",
            ),
            models.CheckConstraint(
                condition=Q(periode_fin__gte=F("periode_debut")), name="rapport_periode_ordonnee"
            ),
            models.CheckConstraint(
                condition=Q(progression__lte=100), name="rapport_progression_bornee"
            ),
        ]

    def __str__(self):
        du, au = f"{self.periode_debut:%d/%m/%Y}", f"{self.periode_fin:%d/%m/%Y}"
        return f"Rapport {self.convention.reference} du {du} au {au}"

    def clean(self):
        if self.periode_debut and self.periode_fin and self.periode_fin < self.periode_debut:
            raise ValidationError({"periode_fin": "La fin de la période doit suivre son début."})

    @property
    def est_pret(self) -> bool:
        return self.statut == self.Statut.PRET

    @property
    def est_en_production(self) -> bool:
        return self.statut in (self.Statut.EN_ATTENTE, self.Statut.EN_COURS)

    def demarrer(self):
        self._passer_a(self.Statut.EN_COURS)

    def terminer(self):
        self._passer_a(self.Statut.PRET)
        self.progression = 100
        self.genere_le = timezone.now()

    def echouer(self, erreur: str):
        self._passer_a(self.Statut.ECHEC)
        self.erreur = erreur

    def relancer(self):
        """Start a failed production again (a report ready or in production is taken back by
        ``reprendre`` only)."""
        if self.statut != self.Statut.ECHEC:
            courant = self.Statut(self.statut).label
            raise TransitionError(
                f"Passage impossible de « {courant} » à « {self.Statut.EN_ATTENTE.label} » : "
                "seul un rapport en échec se relance."
            )
        self._passer_a(self.Statut.EN_ATTENTE)
        self.progression = 0
        self.erreur = ""

    def reprendre(self, *, motif: str):
        """Produce again a report whose content changed (a person listed was erased): its
        files are let go (the service deletes them once committed), the reason is kept."""
        self._passer_a(self.Statut.EN_ATTENTE)
        self.progression = 0
        self.erreur = ""
        self.genere_le = None
        self.pdf = self.csv = self.xlsx = self.csv_ventilation = ""
        self.reprise_le = timezone.now()
        self.motif_reprise = motif


class PrescriptionQuerySet(models.QuerySet):
    def du_partenaire(self, partenaire):
        return self.filter(partenaire=partenaire)


class Frein(models.TextChoices):
    """The obstacles a counsellor's diagnostic may name (the usual "freins périphériques à
    l'emploi" of the public employment service's assessments)."""

    MOBILITE = "mobilite", "Mobilité"
    LOGEMENT = "logement", "Logement"
    SANTE = "sante", "Santé"
    GARDE_ENFANTS = "garde_enfants", "Garde d'enfants"
    FRANCAIS = "francais", "Maîtrise du français"
    NUMERIQUE = "numerique", "Usage du numérique"
    RESSOURCES = "ressources", "Ressources financières"


class ImportPrescriptions(models.Model):
    """A batch of referrals a partner member imported from a CSV file (the file itself is not
    kept: its rows became referrals, or nothing at all)."""

    partenaire = models.ForeignKey(
        Partenaire, verbose_name="partenaire", on_delete=models.CASCADE, related_name="imports"
    )
    programme = models.ForeignKey(
        "programmes.Programme", verbose_name="programme", on_delete=models.PROTECT, related_name="+"
    )
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="importé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    nom_fichier = models.CharField("fichier", max_length=255)
    lignes = models.PositiveIntegerField("lignes", default=0)
    created_at = models.DateTimeField("importé le", default=timezone.now)

    class Meta:
        verbose_name = "import de prescriptions"
        verbose_name_plural = "imports de prescriptions"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import « {self.nom_fichier} » ({self.partenaire})"


class Prescription(models.Model):
    """A partner counsellor refers a person to a programme: the person gets an invitation link
    (by e-mail), or, met without an e-mail address, an account created with them that they
    claim later with a code (``CodeReclamation``)."""

    class Mode(models.TextChoices):
        INVITATION = "invitation", "Invitation par e-mail"
        COMPTE = "compte", "Compte créé avec la personne"

    partenaire = models.ForeignKey(
        Partenaire,
        verbose_name="partenaire prescripteur",
        on_delete=models.PROTECT,
        related_name="prescriptions",
    )
    conseiller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conseiller",
        on_delete=models.SET_NULL,
        null=True,
        related_name="prescriptions_faites",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name="programme",
        on_delete=models.PROTECT,
        related_name="prescriptions",
    )
    prenom = models.CharField("prénom", max_length=150)
    nom = models.CharField("nom", max_length=150)
    email = models.EmailField("adresse e-mail", blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    mode = models.CharField("mode", max_length=20, choices=Mode, default=Mode.INVITATION)
    message = models.TextField("message du conseiller", blank=True)
    # The counsellor's short diagnostic: read by staff and by the partner who wrote it only.
    freins = models.JSONField("freins identifiés", default=list, blank=True)
    diagnostic = models.TextField("projet et atouts", blank=True)
    lot = models.ForeignKey(
        ImportPrescriptions,
        verbose_name="import",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prescriptions",
    )
    created_at = models.DateTimeField("prescrite le", default=timezone.now)
    utilisee_le = models.DateTimeField("invitation utilisée le", null=True, blank=True)
    filleul = models.ForeignKey(
        "parrainages.Filleul",
        verbose_name="filleul",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prescriptions",
    )

    objects = PrescriptionQuerySet.as_manager()

    class Meta:
        verbose_name = "prescription"
        verbose_name_plural = "prescriptions"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partenaire", "-created_at"])]

    def __str__(self):
        return f"{self.prenom} {self.nom} → {self.programme} ({self.partenaire})"

    def freins_libelles(self) -> list[str]:
        libelles = dict(Frein.choices)
        return [libelles[f] for f in self.freins if f in libelles]

    @property
    def a_reclamer(self) -> bool:
        """An account created with the person that they have not claimed yet: until the
        address they chose is verified (a mistyped one must not lock them out: the counsellor
        issues a new code, see orientations.code_remettre). Lists prefetch
        ``filleul__user__emailaddress_set``."""
        if self.mode != self.Mode.COMPTE or self.filleul_id is None:
            return False
        user = self.filleul.user
        if user is None:
            return False
        if not user.has_usable_password():
            return True
        return not any(adresse.verified for adresse in user.emailaddress_set.all())


class CodeReclamation(models.Model):
    """The code a person met by a counsellor claims the account created for them with.

    Only a keyed hash of the code is stored; it expires, allows few attempts, serves once, and
    a new code issued for the same account replaces it."""

    prescription = models.ForeignKey(
        Prescription,
        verbose_name="prescription",
        on_delete=models.CASCADE,
        related_name="codes",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="compte",
        on_delete=models.CASCADE,
        related_name="codes_reclamation",
    )
    empreinte = models.CharField("empreinte du code", max_length=64, unique=True)
    moyen = models.CharField("remis par", max_length=20)
    expire_le = models.DateTimeField("expire le")
    essais = models.PositiveSmallIntegerField("essais manqués", default=0)
    utilise_le = models.DateTimeField("utilisé le", null=True, blank=True)
    remplace_le = models.DateTimeField("remplacé le", null=True, blank=True)
    created_at = models.DateTimeField("émis le", default=timezone.now)

    class Meta:
        verbose_name = "code de réclamation"
        verbose_name_plural = "codes de réclamation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Code du {timezone.localtime(self.created_at):%d/%m/%Y %H:%M} ({self.moyen})"


class ParrainApporte(models.Model):
    """A mentor a partner brought to the programmes (companies, HR networks, business clubs).

    What the "parrains apportés" indicator counts, and how the pairs, meetings and outcomes
    of that mentor are attributed to the partner (see ``partenaires.indicateurs``).
    """

    partenaire = models.ForeignKey(
        Partenaire,
        verbose_name="partenaire",
        on_delete=models.CASCADE,
        related_name="parrains_apportes",
    )
    parrain = models.ForeignKey(
        "parrainages.Parrain",
        verbose_name="parrain ou marraine",
        on_delete=models.CASCADE,
        related_name="apports",
    )
    created_at = models.DateTimeField("rattaché le", default=timezone.now)

    class Meta:
        verbose_name = "parrain apporté"
        verbose_name_plural = "parrains apportés"
        ordering = ["partenaire", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partenaire", "parrain"], name="parrain_apporte_unique"
            ),
        ]

    def __str__(self):
        return f"{self.parrain} — apporté par {self.partenaire}"
