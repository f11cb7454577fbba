from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .texte import valider_texte_saisi


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("Un super-utilisateur doit avoir is_staff et is_superuser.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person with an account: logs in with an e-mail address, never a username."""

    username = None
    # None for an account a partner's counsellor created with a person who has no address yet
    # (partenaires: referral without e-mail); they choose one when they claim it. Unique among
    # the accounts that have one (PostgreSQL's unique constraints ignore NULL).
    email = models.EmailField("adresse e-mail", unique=True, null=True, blank=True)
    # Names end up in sealed PDFs and spreadsheets: no character that breaks them.
    first_name = models.CharField(
        "prénom", max_length=150, blank=True, validators=[valider_texte_saisi]
    )
    last_name = models.CharField(
        "nom", max_length=150, blank=True, validators=[valider_texte_saisi]
    )
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    # The number is verified by a code sent to it (mentorat.canaux): only then may messages go
    # there. Changing the number clears this (``telephone_changer``).
    telephone_verifie_le = models.DateTimeField("téléphone vérifié le", null=True, blank=True)
    # The person replied STOP to a text message (the provider's inbound callback): no SMS is
    # sent to them any more until they ask for them again on their preferences page.
    sms_refuses_le = models.DateTimeField("SMS refusés le", null=True, blank=True)
    # Kind of message → "email", "sms" or "les_deux" (mentorat.canaux.Genre); a kind not
    # named goes by e-mail.
    canaux = models.JSONField("canaux choisis", default=dict, blank=True)
    relances_non_essentielles = models.BooleanField(
        "reçoit les rappels non essentiels",
        default=True,
        help_text="Rappels de rencontre, fin de parrainage… Les messages essentiels "
        "(codes, invitations, charte) sont toujours envoyés.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email or f"Compte {self.pk}"

    def clean(self):
        super().clean()
        if self.email:
            self.email = self.__class__.objects.normalize_email(self.email).lower()
        else:
            self.email = None


class IdentiteCertifiee(models.Model):
    """A person's identity as FranceConnect asserted it at their last FranceConnect login.

    While it exists, the names and birth date of the account and of its mentee profile are
    those of this identity and cannot be changed by hand
    (docs/connexion-franceconnect-proconnect.md).
    """

    user = models.OneToOneField(
        User, verbose_name="compte", on_delete=models.CASCADE, related_name="identite_certifiee"
    )
    prenoms = models.CharField("prénoms", max_length=150)
    nom = models.CharField("nom de naissance", max_length=150)
    date_naissance = models.DateField("date de naissance")
    # Codes of the INSEE's official geographic code (COG): the commune of birth (empty for a
    # person born abroad) and the country (99100: France).
    lieu_naissance = models.CharField("commune de naissance (code INSEE)", max_length=5, blank=True)
    pays_naissance = models.CharField("pays de naissance (code INSEE)", max_length=5)
    certifiee_le = models.DateTimeField("certifiée le")

    class Meta:
        verbose_name = "identité certifiée"
        verbose_name_plural = "identités certifiées"

    def __str__(self):
        return f"{self.prenoms} {self.nom}"


class EnvoiQuerySet(models.QuerySet):
    def dus(self, maintenant):
        return self.filter(statut=Envoi.Statut.A_ENVOYER, prochain_essai__lte=maintenant)


class Envoi(models.Model):
    """An e-mail to send exactly once: written first with a unique key, then claimed and sent.

    The key says what the e-mail is about (rule, object, recipient, period): generating the same
    reminder twice, from two beats or a rerun, hits the unique constraint and changes nothing.
    """

    class Statut(models.TextChoices):
        A_ENVOYER = "a_envoyer", "À envoyer"
        EN_COURS = "en_cours", "En cours d'envoi"
        ENVOYE = "envoye", "Envoyé"
        ECHEC = "echec", "Échec"
        ANNULE = "annule", "Annulé"
        ANNULE_EFFACEMENT = "annule_effacement", "Annulé (personne effacée)"

    class Canal(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    regle = models.CharField("règle", max_length=50)
    # The queue is the same for every channel; each channel's sender is registered in
    # mentorat.envois (``canal_enregistrer``). ``email`` holds the address on that channel.
    canal = models.CharField(
        "canal", max_length=10, choices=Canal, default=Canal.EMAIL, db_default=Canal.EMAIL
    )
    cle = models.CharField("clé", max_length=200)
    destinataire = models.ForeignKey(
        User,
        verbose_name="destinataire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="envois",
    )
    # Empty once the row is settled and purged, or sent when confidential (mentorat.envois).
    # The address on the row's channel: an e-mail address, or a number in E.164 for an SMS
    # (hence not an EmailField, whose validation would refuse a number).
    email = models.CharField("adresse", max_length=254, blank=True)
    repondre_a = models.CharField(
        "répondre à",
        max_length=254,
        blank=True,
        help_text="Adresse où vont les réponses (l'expéditeur ne les lit pas).",
    )
    sujet = models.CharField("sujet", max_length=250)
    gabarit = models.CharField("gabarit", max_length=150, blank=True)
    contexte = models.JSONField("contexte", default=dict, blank=True)
    # A message rendered when it is written (``courriel_ecrire``): sent as it is. Reminders
    # written in bulk leave these empty and are rendered from ``gabarit`` and ``contexte``.
    texte = models.TextField("texte du message", blank=True, default="")
    html = models.TextField("message HTML", blank=True, default="")
    pieces_jointes = models.JSONField(
        "pièces jointes",
        default=list,
        blank=True,
        help_text="Nom, type et contenu (base64) ou fichier du stockage privé de chacune.",
    )
    refus_definitif = models.BooleanField(
        "refus définitif",
        default=False,
        help_text="Le serveur de messagerie a refusé l'adresse pour de bon (réponse 5xx).",
    )
    confidentiel = models.BooleanField(
        "confidentiel",
        default=False,
        help_text="Porte un code ou un lien d'accès : jamais affiché dans l'administration, "
        "vidé une fois envoyé ou annulé.",
    )
    essentiel = models.BooleanField(
        "essentiel", default=True, help_text="Un envoi non essentiel respecte le désabonnement."
    )
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.A_ENVOYER)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    prochain_essai = models.DateTimeField("prochain essai", default=timezone.now)
    reserve_le = models.DateTimeField("réservé le", null=True, blank=True)
    reserve_par = models.CharField("réservé par", max_length=40, blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    erreur = models.TextField("erreur", blank=True)
    # The column keeps its first name: renaming a column takes two releases (deploiement.md).
    created_at = models.DateTimeField("créé le", default=timezone.now, db_column="cree_le")

    objects = EnvoiQuerySet.as_manager()

    class Meta:
        verbose_name = "envoi d'e-mail"
        verbose_name_plural = "envois d'e-mails"
        ordering = ["-created_at"]
        # Few indexes: every claim rewrites the row. The key is unique through a constraint,
        # not ``unique=True``, which on PostgreSQL adds a second index for LIKE searches.
        indexes = [models.Index(fields=["statut", "prochain_essai"])]
        constraints = [models.UniqueConstraint(fields=["cle"], name="envoi_cle_unique")]

    def __str__(self):
        return f"{self.sujet} → {self.email}"


class Session(AbstractBaseSession):
    """A browser session, in the database, with the account it belongs to.

    The account is read from the session's data at each save (``mentorat.sessions``): signed
    in, or part-way through a login (password given, second factor pending). Erasing an account
    deletes its sessions, wherever they were opened.
    """

    # No constraint in the database: a request still running while its account is erased must
    # not fail to save its session (the row, orphaned, expires like any other).
    user = models.ForeignKey(
        User,
        verbose_name="compte",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = "session"
        verbose_name_plural = "sessions"

    def __str__(self):
        # Never the key: it is what the browser's cookie holds.
        return f"Session valable jusqu'au {self.expire_date:%d/%m/%Y %H:%M}"

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore


class PartieQuerySet(models.QuerySet):
    def du_modele(self, modele):
        """The parties of every document of one type."""
        from django.contrib.contenttypes.models import ContentType

        return self.filter(
            document_type=ContentType.objects.get_for_model(modele, for_concrete_model=False)
        )

    def du_document(self, document):
        from django.contrib.contenttypes.models import ContentType

        return self.filter(
            document_type=ContentType.objects.get_for_model(document, for_concrete_model=False),
            document_id=document.pk,
        )

    def signees(self):
        return self.filter(signee_le__isnull=False)

    def a_signer(self):
        return self.filter(signee_le__isnull=True, refusee_le__isnull=True)


class Partie(models.Model):
    """One party called to sign a document: a charter, an immersion convention, a pupil's
    observation convention, a partnership convention.

    The one signature machinery of the platform (``mentorat.signatures``): each document type
    registers itself there, and creates one row per party. A party with an account signs from
    the document's page once logged in (``user``); a party without one (host company, tutor,
    guardian, head teacher) signs from a link of their own (``jeton_hash``: only the hash of
    the link's secret is kept). Either way the signature is confirmed by a one-time code
    e-mailed to the party. The identity is frozen at issue: the sealed PDF shows it, never a
    live profile.
    """

    class Methode(models.TextChoices):
        CODE_EMAIL = "code_email", "Case cochée et code à usage unique envoyé par e-mail"

    document_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="type de document", on_delete=models.PROTECT
    )
    document_id = models.PositiveBigIntegerField("document")
    role = models.CharField("rôle", max_length=30)
    libelle = models.CharField("qualité", max_length=120)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    user = models.ForeignKey(
        User,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parties",
    )
    prenom = models.CharField("prénom", max_length=150, blank=True)
    nom = models.CharField("nom", max_length=150, blank=True)
    fonction = models.CharField("fonction", max_length=200, blank=True)
    organisme = models.CharField("organisme", max_length=200, blank=True)
    email = models.EmailField("e-mail", blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    jeton_hash = models.CharField("empreinte du lien", max_length=64, blank=True, db_index=True)
    jeton_expire_le = models.DateTimeField("lien valable jusqu'au", null=True, blank=True)
    signee_le = models.DateTimeField("signée le", null=True, blank=True)
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=400, blank=True)
    methode = models.CharField("méthode", max_length=20, choices=Methode, blank=True)
    texte_sha256 = models.CharField("empreinte du texte signé", max_length=64, blank=True)
    refusee_le = models.DateTimeField("refusée le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", blank=True)
    created_at = models.DateTimeField("appelée à signer le", default=timezone.now)

    objects = PartieQuerySet.as_manager()

    class Meta:
        verbose_name = "partie signataire"
        verbose_name_plural = "parties signataires"
        ordering = ["document_type", "document_id", "ordre"]
        indexes = [models.Index(fields=["document_type", "document_id", "ordre"])]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_id", "role"], name="partie_unique_par_role"
            ),
            models.CheckConstraint(
                condition=models.Q(signee_le__isnull=True) | models.Q(refusee_le__isnull=True),
                name="partie_signee_ou_refusee",
            ),
        ]

    def __str__(self):
        return f"{self.libelle} — {self.designation}"

    @property
    def document(self):
        return self.document_type.get_object_for_this_type(pk=self.document_id)

    @property
    def nom_complet(self) -> str:
        return " ".join(p for p in (self.prenom, self.nom) if p)

    @property
    def designation(self) -> str:
        return ", ".join(d for d in (self.nom_complet, self.fonction, self.organisme) if d) or "—"

    @property
    def adresse(self) -> str:
        """Where the party's codes and links go: the account's address, else the one given."""
        return self.user.email if self.user_id else self.email

    @property
    def signee(self) -> bool:
        return self.signee_le is not None


class CodeSignature(models.Model):
    """A one-time code e-mailed to a party about to sign; its hash only is kept."""

    DUREE_MINUTES = 10
    ESSAIS_MAX = 5

    partie = models.ForeignKey(
        Partie, verbose_name="partie", on_delete=models.CASCADE, related_name="codes"
    )
    code_hash = models.CharField("empreinte du code", max_length=64)
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    expire_le = models.DateTimeField("expire le")
    essais = models.PositiveSmallIntegerField("essais", default=0)
    utilise_le = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "code de signature"
        verbose_name_plural = "codes de signature"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partie", "-created_at"])]

    def __str__(self):
        return f"Code pour {self.partie.libelle} — {self.created_at:%d/%m/%Y %H:%M}"


class CodeTelephone(models.Model):
    """A six-digit code sent by SMS to the number a person gives, to verify it; its hash only
    is kept (mentorat.canaux)."""

    DUREE_MINUTES = 10
    ESSAIS_MAX = 5

    user = models.ForeignKey(
        User, verbose_name="compte", on_delete=models.CASCADE, related_name="codes_telephone"
    )
    numero = models.CharField("numéro", max_length=20)
    code_hash = models.CharField("empreinte du code", max_length=64)
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    expire_le = models.DateTimeField("expire le")
    essais = models.PositiveSmallIntegerField("essais", default=0)
    utilise_le = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "code de vérification de téléphone"
        verbose_name_plural = "codes de vérification de téléphone"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # The limits per number and for the platform (mentorat.canaux).
            models.Index(fields=["numero", "-created_at"]),
            models.Index(fields=["-created_at"], name="mentorat_codetel_cree_idx"),
        ]

    def __str__(self):
        return f"Code pour le compte {self.user_id} — {self.created_at:%d/%m/%Y %H:%M}"


class LienCourt(models.Model):
    """A short link of a text message (``/l/<code>/``) to a page of the site, valid for a
    while. Only the code's hash is kept: the code is derived from the message's key with the
    site's secret (mentorat.liens), so that a message sent again carries the same link."""

    empreinte = models.CharField("empreinte du code", max_length=64, unique=True)
    cle = models.CharField("clé de l'envoi", max_length=200, unique=True)
    url = models.CharField("adresse", max_length=2000)
    expire_le = models.DateTimeField("expire le")
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "lien court"
        verbose_name_plural = "liens courts"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Lien court de {self.cle}"
