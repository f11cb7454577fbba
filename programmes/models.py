import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mentorat.fields import ChoiceListField, bornes, private_storage
from mentorat.televersements import FORMATS, taille_lisible
from mentorat.territoires import DEPARTEMENTS, DEPARTEMENTS_DE_REGION, REGION_CHOIX


class Forme(models.TextChoices):
    REGULIER = "regulier", "Parrainage régulier"
    PONCTUEL = "ponctuel", "Actions ponctuelles"
    IMMERSION = "immersion", "Immersion en entreprise"


class NiveauDiplome(models.IntegerChoices):
    """Levels of the French national qualifications framework (2019 nomenclature)."""

    AUCUN = 0, "Aucun diplôme"
    BREVET = 2, "Brevet des collèges"
    CAP_BEP = 3, "CAP, BEP (niveau 3)"
    BAC = 4, "Baccalauréat (niveau 4)"
    BAC_2 = 5, "Bac+2 : BTS, DUT, DEUST (niveau 5)"
    BAC_3 = 6, "Bac+3 / Bac+4 : licence, BUT, master 1 (niveau 6)"
    BAC_5 = 7, "Bac+5 : master, diplôme d'ingénieur (niveau 7)"
    BAC_8 = 8, "Doctorat (niveau 8)"


class Situation(models.TextChoices):
    DEMANDEUR_EMPLOI = "demandeur_emploi", "Demandeur d'emploi inscrit à France Travail"
    MISSION_LOCALE = "mission_locale", "Jeune suivi par une Mission locale"
    ELEVE_3E_REP = "eleve_3e_rep", "Élève de 3e dans un collège REP ou REP+"
    ETUDIANT = "etudiant", "Étudiant ou étudiante"
    JEUNE_DIPLOME = "jeune_diplome", "Jeune diplômé en recherche d'emploi"
    SALARIE = "salarie", "Salarié en reconversion ou en recherche"
    SANS_ACTIVITE = "sans_activite", "Sans activité, non inscrit"


class Disponibilite(models.TextChoices):
    LUNDI_MATIN = "lun_matin", "Lundi matin"
    LUNDI_APREM = "lun_aprem", "Lundi après-midi"
    LUNDI_SOIR = "lun_soir", "Lundi soir"
    MARDI_MATIN = "mar_matin", "Mardi matin"
    MARDI_APREM = "mar_aprem", "Mardi après-midi"
    MARDI_SOIR = "mar_soir", "Mardi soir"
    MERCREDI_MATIN = "mer_matin", "Mercredi matin"
    MERCREDI_APREM = "mer_aprem", "Mercredi après-midi"
    MERCREDI_SOIR = "mer_soir", "Mercredi soir"
    JEUDI_MATIN = "jeu_matin", "Jeudi matin"
    JEUDI_APREM = "jeu_aprem", "Jeudi après-midi"
    JEUDI_SOIR = "jeu_soir", "Jeudi soir"
    VENDREDI_MATIN = "ven_matin", "Vendredi matin"
    VENDREDI_APREM = "ven_aprem", "Vendredi après-midi"
    VENDREDI_SOIR = "ven_soir", "Vendredi soir"
    SAMEDI_MATIN = "sam_matin", "Samedi matin"


class TransitionError(ValidationError):
    """An illegal status move: the message says which and why, in French."""


class StatusMachine:
    """Mixin for models whose ``statut`` moves only along ``TRANSITIONS``."""

    TRANSITIONS: dict = {}

    def peut_passer_a(self, cible) -> bool:
        return cible in self.TRANSITIONS.get(self.statut, ())

    def _passer_a(self, cible):
        if not self.peut_passer_a(cible):
            courant = self.Statut(self.statut).label
            raise TransitionError(
                f"Passage impossible de « {courant} » à « {self.Statut(cible).label} »."
            )
        self.statut = cible


class Secteur(models.Model):
    """One of the 14 "grands domaines" of the ROME occupations directory (A to N)."""

    code = models.CharField("code ROME", max_length=1, unique=True)
    libelle = models.CharField("libellé", max_length=120)

    class Meta:
        verbose_name = "secteur"
        verbose_name_plural = "secteurs"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.libelle}"


# Paris, Lyon and Marseille are divided into municipal arrondissements, which the postcode
# files list in place of the city (Code officiel géographique, INSEE: 75101–75120,
# 69381–69389, 13201–13216; the cities themselves are 75056, 69123, 13055).
VILLES_A_ARRONDISSEMENTS = {
    "paris": ("75056", [f"751{n:02d}" for n in range(1, 21)]),
    "lyon": ("69123", [f"6938{n}" for n in range(1, 10)]),
    "marseille": ("13055", [f"132{n:02d}" for n in range(1, 17)]),
}
RE_ARRONDISSEMENT = re.compile(
    r"^(paris|lyon|marseille)[\s-]*(\d{1,2})\s*(?:e|er|ème|eme|è)?"
    r"(?:\s+arr(?:ondissement|\.)?)?$",
    re.IGNORECASE,
)


def arrondissement_code(terme: str) -> str | None:
    """INSEE code of « Paris 1er », « Lyon 3e », « Marseille 13 arrondissement »…, else None."""
    trouve = RE_ARRONDISSEMENT.match(" ".join(terme.split()))
    if not trouve:
        return None
    _, codes = VILLES_A_ARRONDISSEMENTS[trouve.group(1).lower()]
    numero = int(trouve.group(2))
    return codes[numero - 1] if 1 <= numero <= len(codes) else None


def ville_codes(terme: str) -> list[str]:
    """INSEE codes of a city typed by its name and of its arrondissements, or []."""
    ville = VILLES_A_ARRONDISSEMENTS.get(" ".join(terme.split()).lower())
    return [ville[0], *ville[1]] if ville else []


class CommuneQuerySet(models.QuerySet):
    def recherche(self, terme: str):
        """Communes for a typed postcode, INSEE code or name, best matches first.

        « Paris » offers Paris or its arrondissements, whatever their names in the file
        (« Paris 01 », « Paris 1er Arrondissement »), before the names that merely contain
        it (« Cormeilles-en-Parisis »).
        """
        terme = terme.strip()
        if terme.isdigit():
            return self.filter(
                Q(code_postal__startswith=terme)
                | Q(codes_postaux__contains=terme)
                | Q(code_insee__startswith=terme)
            ).order_by("nom", "code_insee")
        ville = ville_codes(terme)
        arrondissement = arrondissement_code(terme)
        codes = ville + ([arrondissement] if arrondissement else [])
        return (
            self.filter(Q(nom__icontains=terme) | Q(code_insee__in=codes))
            .annotate(
                rang=models.Case(
                    models.When(nom__iexact=terme, then=0),
                    models.When(code_insee__in=codes, then=1),
                    models.When(nom__istartswith=terme, then=2),
                    default=3,
                    output_field=models.IntegerField(),
                )
            )
            .order_by("rang", "nom", "code_insee")
        )


class Commune(models.Model):
    code_insee = models.CharField("code INSEE", max_length=5, unique=True)
    nom = models.CharField("nom", max_length=100, db_index=True)
    code_postal = models.CharField("code postal principal", max_length=5, db_index=True)
    codes_postaux = models.CharField(
        "codes postaux",
        max_length=200,
        blank=True,
        help_text="Tous les codes postaux, séparés par des espaces.",
    )
    departement = models.CharField("département", max_length=3, db_index=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="commune_latitude_valide",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="commune_longitude_valide",
            ),
        ]

    def __str__(self):
        return f"{self.nom} ({self.code_postal})"


class QuartierPrioritaireQuerySet(models.QuerySet):
    def autour(self, *, longitude: float, latitude: float):
        """The neighbourhoods whose bounding box holds the point: a fast pre-filter on any
        database, before the exact point-in-polygon test (``programmes.qpv``)."""
        return self.filter(
            lon_min__lte=longitude,
            lon_max__gte=longitude,
            lat_min__lte=latitude,
            lat_max__gte=latitude,
        )


class QuartierPrioritaire(models.Model):
    """A priority neighbourhood of the city policy (QPV) and its official perimeter.

    Loi n° 2014-173 du 21 février 2014, art. 5; the 2024 list and perimeters: décret
    n° 2023-1314 du 28 décembre 2023 (metropolitan France) and décrets n° 2024-1211 and
    2024-1212 du 27 décembre 2024 (overseas).
    Imported from ANCT's open-data file by ``import_qpv`` (see ``programmes/data/README.md``).
    The geometry is kept as GeoJSON text (WGS 84), with its bounding box in plain columns: no
    spatial database is needed (SQLite runs the demo).
    """

    code = models.CharField("code", max_length=10, unique=True, help_text="Ex. QN06710I.")
    nom = models.CharField("nom", max_length=200)
    communes = models.CharField(
        "communes (codes INSEE)", max_length=200, blank=True, help_text="Séparés par des espaces."
    )
    departement = models.CharField("département", max_length=3, db_index=True)
    geometrie = models.TextField("périmètre (GeoJSON, WGS 84)")
    lon_min = models.FloatField("longitude minimale")
    lon_max = models.FloatField("longitude maximale")
    lat_min = models.FloatField("latitude minimale")
    lat_max = models.FloatField("latitude maximale")
    source = models.CharField("fichier importé", max_length=200, blank=True)
    importe_le = models.DateTimeField("importé le", default=timezone.now)

    objects = QuartierPrioritaireQuerySet.as_manager()

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["lon_min", "lon_max", "lat_min", "lat_max"], name="qpv_bbox_idx")
        ]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class ProgrammeQuerySet(models.QuerySet):
    def ouverts(self):
        return self.filter(statut=Programme.Statut.OUVERT)

    def publics(self):
        return self.filter(statut__in=[Programme.Statut.OUVERT, Programme.Statut.EN_COURS])


class AvisFilleul(models.TextChoices):
    """The mentee's say on who mentors them, before the mentor is asked (docs/appariement.md)."""

    AUCUN = "aucun", "Aucun : le parrain proposé est sollicité directement"
    ACCEPTER = "accepter", "Accepter ou refuser le parrain proposé"
    CHOISIR = "choisir", "Choisir parmi jusqu'à 3 parrains"


class Programme(StatusMachine, models.Model):
    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        OUVERT = "ouvert", "Ouvert aux candidatures"
        EN_COURS = "en_cours", "En cours (candidatures fermées)"
        CLOS = "clos", "Clos"

    TRANSITIONS = {
        Statut.BROUILLON: (Statut.OUVERT,),
        Statut.OUVERT: (Statut.EN_COURS, Statut.CLOS),
        Statut.EN_COURS: (Statut.OUVERT, Statut.CLOS),
        Statut.CLOS: (),
    }

    nom = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant d'URL", max_length=80, unique=True)
    porteur = models.CharField("porteur", max_length=200, help_text="Qui pilote le programme.")
    accroche = models.CharField("accroche", max_length=300)
    description = models.TextField("description")
    public_vise = models.TextField("public visé")
    engagements_filleul = models.TextField("ce à quoi s'engage le filleul", blank=True)
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.BROUILLON)
    date_debut = models.DateField("date de début")
    date_fin = models.DateField("date de fin", null=True, blank=True)
    cible_binomes = models.PositiveIntegerField(
        "objectif de binômes", default=0, validators=bornes(0, 1_000_000)
    )

    offre_reguliere = models.BooleanField("parrainage régulier", default=True)
    offre_ponctuelle = models.BooleanField("actions ponctuelles", default=False)
    offre_immersion = models.BooleanField("immersion en entreprise", default=False)

    # Eligibility criteria. An empty criterion does not restrict.
    age_min = models.PositiveSmallIntegerField(
        "âge minimum", null=True, blank=True, validators=bornes(0, 99)
    )
    age_max = models.PositiveSmallIntegerField(
        "âge maximum", null=True, blank=True, validators=bornes(0, 99)
    )
    qpv_requis = models.BooleanField(
        "résidence en quartier prioritaire (QPV) exigée", default=False
    )
    niveau_diplome_min = models.PositiveSmallIntegerField(
        "niveau de diplôme minimum", choices=NiveauDiplome, null=True, blank=True
    )
    situations_acceptees = ChoiceListField(
        "situations acceptées", item_choices=Situation.choices, help_text="Aucune cochée : toutes."
    )
    inscription_france_travail_min_mois = models.PositiveSmallIntegerField(
        "ancienneté d'inscription à France Travail minimum (mois)",
        validators=bornes(0, 240),
        null=True,
        blank=True,
        help_text="Pour les programmes réservés aux demandeurs d'emploi de longue durée.",
    )
    public_eleves = models.BooleanField(
        "programme pour des élèves (collégiens de 3e)",
        default=False,
        help_text="Les immersions y sont des séquences d'observation en milieu professionnel "
        "(Code de l'éducation, art. L332-3-1) et l'éligibilité vérifie la classe et "
        "l'établissement (REP ou REP+) de l'élève.",
    )
    departements = ChoiceListField(
        "territoire (départements)",
        item_choices=DEPARTEMENTS,
        help_text="Aucun : tout le territoire national.",
    )

    # Running rules.
    distance_max_km = models.PositiveSmallIntegerField(
        "distance maximale parrain–filleul (km)", validators=bornes(1, 1000), null=True, blank=True
    )
    duree_parrainage_mois = models.PositiveSmallIntegerField(
        "durée d'un parrainage (mois)", validators=bornes(1, 60), default=6
    )
    delai_reponse_jours = models.PositiveSmallIntegerField(
        "délai de réponse à une proposition (jours)", validators=bornes(1, 90), default=7
    )
    avis_filleul = models.CharField(
        "avis du filleul sur son parrain",
        max_length=10,
        choices=AvisFilleul,
        default=AvisFilleul.AUCUN,
        help_text="Le filleul accepte ou choisit son parrain avant que celui-ci soit sollicité ; "
        "il dispose du délai de réponse ci-dessus, avec une relance.",
    )
    # Reminders (see parrainages/relances.py).
    relance_proposition_jours = models.PositiveSmallIntegerField(
        "relancer une proposition sans réponse après (jours)", validators=bornes(1, 90), default=3
    )
    relance_charte_jours = models.PositiveSmallIntegerField(
        "relancer une charte non signée tous les (jours)", validators=bornes(1, 90), default=3
    )
    relance_sans_rencontre_jours = models.PositiveSmallIntegerField(
        "alerter sans rencontre consignée depuis (jours)",
        validators=bornes(1, 365),
        default=21,
        help_text="Le parrain est relancé ; au double de ce délai, l'équipe est alertée.",
    )
    alerte_fin_jours = models.PositiveSmallIntegerField(
        "prévenir de la fin du parrainage (jours avant)", validators=bornes(1, 365), default=14
    )
    # Matching weights (see parrainages/matching): points of each component for a perfect fit.
    poids_secteur = models.PositiveSmallIntegerField(
        "poids : secteur",
        validators=bornes(0, 100),
        default=35,
        help_text="Points quand le parrain travaille dans un secteur souhaité par le filleul.",
    )
    poids_distance = models.PositiveSmallIntegerField(
        "poids : proximité",
        validators=bornes(0, 100),
        default=25,
        help_text="Points pour une même commune, décroissant avec la distance.",
    )
    poids_disponibilites = models.PositiveSmallIntegerField(
        "poids : disponibilités communes",
        validators=bornes(0, 100),
        default=15,
        help_text="Points pour trois créneaux de disponibilité communs ou plus.",
    )
    poids_niveau = models.PositiveSmallIntegerField(
        "poids : expérience adaptée",
        validators=bornes(0, 100),
        default=10,
        help_text=(
            "Points quand l'expérience du parrain suffit au niveau de diplôme du filleul "
            "(plus le niveau est élevé, plus l'expérience attendue l'est)."
        ),
    )
    poids_attente = models.PositiveSmallIntegerField(
        "poids : ancienneté de l'attente",
        validators=bornes(0, 100),
        default=15,
        help_text="Points pour les filleuls retenus depuis 90 jours ou plus (au prorata avant).",
    )
    controle_honorabilite_requis = models.BooleanField(
        "contrôle d'honorabilité exigé des parrains de mineurs",
        default=False,
        help_text="Un mineur n'est proposé qu'à un parrain dont l'équipe a enregistré le "
        "contrôle (date, qui l'a fait).",
    )
    # Outcomes counted over the whole selection cohort (parrainages/relances.py: the surveys of
    # the people without a pair; partenaires/indicateurs.py: the figures; docs/indicateurs.md).
    sorties_sur_la_cohorte = models.BooleanField(
        "sorties comptées sur la cohorte",
        default=False,
        help_text="Programmes qui sélectionnent par une semaine de sélection (100 chances "
        "100 emplois) : les sorties positives sont comptées sur toute la cohorte invitée à la "
        "semaine, avec ou sans binôme, et non sur les seuls binômes.",
    )
    signature_coordinateur = models.BooleanField(
        "la charte est aussi signée par un coordinateur", default=False
    )
    coordinateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="coordinateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programmes_coordonnes",
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = "programme"
        verbose_name_plural = "programmes"
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=F("date_debut")),
                name="programme_dates_ordonnees",
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_max__gte=F("age_min")),
                name="programme_ages_ordonnes",
            ),
            models.CheckConstraint(
                condition=Q(offre_reguliere=True)
                | Q(offre_ponctuelle=True)
                | Q(offre_immersion=True),
                name="programme_au_moins_une_forme",
            ),
        ]

    def __str__(self):
        return self.nom

    def get_absolute_url(self):
        return reverse("programmes:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.date_fin and self.date_debut and self.date_fin < self.date_debut:
            errors["date_fin"] = "La date de fin doit suivre la date de début."
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            errors["age_max"] = "L'âge maximum doit être supérieur ou égal à l'âge minimum."
        if not (self.offre_reguliere or self.offre_ponctuelle or self.offre_immersion):
            errors["offre_reguliere"] = "Cochez au moins une forme de parrainage."
        if errors:
            raise ValidationError(errors)

    @property
    def formes(self) -> list[str]:
        return formes_offertes(self)

    def ouvrir(self):
        self._passer_a(self.Statut.OUVERT)

    def fermer_candidatures(self):
        self._passer_a(self.Statut.EN_COURS)

    def clore(self):
        self._passer_a(self.Statut.CLOS)


def formes_offertes(obj) -> list[str]:
    """The forms a programme or a mentor offers, from their three flags."""
    return [
        forme
        for forme, offered in (
            (Forme.REGULIER, obj.offre_reguliere),
            (Forme.PONCTUEL, obj.offre_ponctuelle),
            (Forme.IMMERSION, obj.offre_immersion),
        )
        if offered
    ]


class Etape(models.Model):
    """A step of a programme's selection or insertion path (e.g. the selection week)."""

    programme = models.ForeignKey(
        Programme, verbose_name="programme", on_delete=models.CASCADE, related_name="etapes"
    )
    ordre = models.PositiveSmallIntegerField("ordre", validators=bornes(0, 1000))
    nom = models.CharField("nom", max_length=150)
    description = models.TextField("description", blank=True)

    class Meta:
        verbose_name = "étape"
        verbose_name_plural = "étapes"
        ordering = ["programme", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "ordre"], name="etape_ordre_unique"),
        ]

    def __str__(self):
        return f"{self.ordre}. {self.nom}"


# The goals a pair may pick from when the programme lists none of its own.
OBJECTIFS_PAR_DEFAUT = (
    "Clarifier mon projet professionnel",
    "Améliorer mon CV et ma lettre de motivation",
    "Préparer mes entretiens d'embauche",
    "Développer mon réseau professionnel",
    "Trouver un emploi ou une formation",
)


class ObjectifSuggere(models.Model):
    """A goal the programme suggests to its pairs; a pair may also write its own."""

    programme = models.ForeignKey(
        Programme,
        verbose_name="programme",
        on_delete=models.CASCADE,
        related_name="objectifs_suggeres",
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0, validators=bornes(0, 1000))
    libelle = models.CharField("objectif", max_length=150)

    class Meta:
        verbose_name = "objectif proposé aux binômes"
        verbose_name_plural = "objectifs proposés aux binômes"
        ordering = ["programme", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "libelle"], name="objectif_suggere_unique"
            ),
        ]

    def __str__(self):
        return self.libelle


class ModeleChartes(models.QuerySet):
    def courant(self, programme):
        return self.filter(programme=programme).order_by("-version").first()


class ModeleCharte(models.Model):
    """A version of a programme's charter text. Editing makes a new version."""

    programme = models.ForeignKey(
        Programme, verbose_name="programme", on_delete=models.PROTECT, related_name="modeles_charte"
    )
    version = models.PositiveIntegerField("version")
    titre = models.CharField("titre", max_length=200)
    texte = models.TextField(
        "texte",
        help_text="Engagements du parrain, du filleul et du programme. Variables : "
        "{parrain}, {filleul}, {programme}, {date_debut}, {date_fin}.",
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ModeleChartes.as_manager()

    class Meta:
        verbose_name = "modèle de charte"
        verbose_name_plural = "modèles de charte"
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "version"], name="modele_charte_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.titre} (v{self.version})"

    def texte_generique(self) -> str:
        """The text as a mentor reads it before any pair: the placeholders in words."""
        valeurs = {
            "parrain": "le parrain ou la marraine",
            "filleul": "le filleul ou la filleule",
            "programme": self.programme.nom,
            "date_debut": "la date de début du parrainage",
            "date_fin": "la date de fin prévue",
        }
        texte = self.texte
        for cle, valeur in valeurs.items():
            texte = texte.replace("{" + cle + "}", valeur)
        return texte


class RessourceQuerySet(models.QuerySet):
    def publiees(self):
        return self.filter(publiee=True)


class Ressource(models.Model):
    """A resource staff give a programme's mentors: a guide to download or a useful link.

    The file is kept in the private storage and served only through a view that checks who
    asks (``parrainages/views/ressources.py``); its format and size, read at upload, are kept
    with it to be shown without opening it.
    """

    class Type(models.TextChoices):
        GUIDE = "guide", "Guide"
        FICHE = "fiche", "Fiche pratique"
        MODELE = "modele", "Modèle de document"
        VIDEO = "video", "Vidéo"
        SITE = "site", "Site utile"
        AUTRE = "autre", "Autre"

    programme = models.ForeignKey(
        Programme, verbose_name="programme", on_delete=models.PROTECT, related_name="ressources"
    )
    titre = models.CharField("titre", max_length=200)
    type = models.CharField("type", max_length=20, choices=Type, default=Type.GUIDE)
    description = models.CharField("description courte", max_length=300, blank=True)
    fichier = models.FileField(
        "fichier",
        storage=private_storage,
        upload_to="ressources/%Y/",
        blank=True,
        max_length=200,
    )
    fichier_format = models.CharField("format du fichier", max_length=10, blank=True)
    fichier_taille = models.PositiveIntegerField(
        "taille du fichier (octets)", null=True, blank=True
    )
    lien = models.URLField("lien", max_length=500, blank=True)
    ordre = models.PositiveSmallIntegerField(
        "ordre", default=0, validators=bornes(0, 1000), help_text="Les plus petits en premier."
    )
    publiee = models.BooleanField(
        "publiée", default=False, help_text="Visible des parrains et marraines du programme."
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = RessourceQuerySet.as_manager()

    class Meta:
        verbose_name = "ressource pour les parrains"
        verbose_name_plural = "ressources pour les parrains"
        ordering = ["programme", "ordre", "titre"]
        indexes = [models.Index(fields=["programme", "publiee", "ordre"])]
        constraints = [
            # A file or a link, never both nor neither.
            models.CheckConstraint(
                condition=(Q(fichier="") & ~Q(lien="")) | (~Q(fichier="") & Q(lien="")),
                name="ressource_fichier_ou_lien",
            ),
        ]

    def __str__(self):
        return self.titre

    @property
    def format_libelle(self) -> str:
        format_ = FORMATS.get(self.fichier_format)
        return format_.libelle if format_ else "Fichier"

    @property
    def taille_libelle(self) -> str:
        return taille_lisible(self.fichier_taille) if self.fichier_taille is not None else ""

    @property
    def lien_externe(self) -> bool:
        """Whether the link leaves the platform (then the page says so)."""
        hote = urlsplit(self.lien).hostname or ""
        return bool(self.lien) and hote != urlsplit(settings.SITE_URL).hostname


class Public(models.TextChoices):
    """Who may register to an event, each in their own space."""

    FILLEULS = "filleuls", "Filleuls"
    PARRAINS = "parrains", "Parrains et marraines"
    PARTENAIRES = "partenaires", "Membres des partenaires (conseillers, managers d'entreprise)"


def publics_par_defaut() -> list[str]:
    """An event is for the programme's mentees unless staff open it to others."""
    return [Public.FILLEULS]


class EvenementQuerySet(models.QuerySet):
    def ouverts_a(self, public: str):
        """Events whose registration is open to ``public``. ``publics`` is a JSON list: its
        text holds the quoted value (no value is part of another), read the same way by
        PostgreSQL and SQLite."""
        return self.filter(publics__icontains=f'"{Public(public).value}"')

    def a_venir_publies(self):
        return self.filter(statut=Evenement.Statut.PUBLIE, debut__gt=timezone.now())


class Evenement(StatusMachine, models.Model):
    Public = Public

    class Type(models.TextChoices):
        VISITE_ENTREPRISE = "visite_entreprise", "Visite d'entreprise"
        RENCONTRE_METIER = "rencontre_metier", "Rencontre métier"
        SEMAINE_SELECTION = "semaine_selection", "Semaine de mobilisation et de sélection"
        SIMULATION_ENTRETIEN = "simulation_entretien", "Atelier de simulation d'entretien"
        WEBINAIRE = "webinaire", "Webinaire"
        REUNION_INFORMATION = "reunion_information", "Réunion d'information"
        JOB_DATING = "job_dating", "Job dating"
        SALON_EN_LIGNE = "salon_en_ligne", "Salon en ligne"
        TABLE_RONDE = "table_ronde", "Table ronde"

    class Statut(models.TextChoices):
        PROPOSE = "propose", "Proposé (à publier)"
        PUBLIE = "publie", "Publié"
        ANNULE = "annule", "Annulé"
        TERMINE = "termine", "Terminé"

    TRANSITIONS = {
        Statut.PROPOSE: (Statut.PUBLIE, Statut.ANNULE),
        Statut.PUBLIE: (Statut.TERMINE, Statut.ANNULE),
        Statut.ANNULE: (),
        Statut.TERMINE: (),
    }

    programme = models.ForeignKey(
        Programme, verbose_name="programme", on_delete=models.CASCADE, related_name="evenements"
    )
    type = models.CharField("type", max_length=30, choices=Type)
    titre = models.CharField("titre", max_length=200)
    description = models.TextField("description", blank=True)
    debut = models.DateTimeField("début")
    fin = models.DateTimeField("fin")
    lieu = models.CharField("lieu", max_length=250, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    en_ligne = models.BooleanField("en ligne", default=False)
    lien = models.URLField("lien de connexion", blank=True)
    places = models.PositiveIntegerField(
        "nombre de places", null=True, blank=True, validators=bornes(1, 100_000)
    )
    organisateur = models.ForeignKey(
        "parrainages.Parrain",
        verbose_name="parrain organisateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evenements_organises",
    )
    publics = ChoiceListField(
        "ouvert aux inscriptions de",
        item_choices=Public.choices,
        default=publics_par_defaut,
        blank=False,
        help_text="Chacun s'inscrit depuis son espace : les filleuls et les parrains des "
        "programmes de l'événement, les membres des partenaires qui ont une convention avec "
        "ce programme ou y orientent des personnes.",
    )
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.PROPOSE)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    objects = EvenementQuerySet.as_manager()

    class Meta:
        verbose_name = "événement"
        verbose_name_plural = "événements"
        ordering = ["-debut"]
        indexes = [models.Index(fields=["programme", "statut", "debut"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__gt=F("debut")), name="evenement_dates_ordonnees"
            ),
            # A mentor's action posted twice is one action.
            models.UniqueConstraint(
                fields=["organisateur", "programme", "debut", "titre"],
                condition=Q(organisateur__isnull=False) & ~Q(statut="annule"),
                name="evenement_unique_par_organisateur",
            ),
        ]

    def __str__(self):
        return f"{self.titre} ({self.debut:%d/%m/%Y})"

    def clean(self):
        if self.debut and self.fin and self.fin <= self.debut:
            raise ValidationError({"fin": "La fin doit suivre le début."})

    def publier(self):
        self._passer_a(self.Statut.PUBLIE)

    def annuler(self):
        self._passer_a(self.Statut.ANNULE)

    def terminer(self):
        self._passer_a(self.Statut.TERMINE)


class Inscription(models.Model):
    """One person's registration to an event: a mentee, a mentor or a partner member
    (``public`` says which, and exactly that person's link is set).

    A person registers once per event: a cancelled registration is taken up again by the
    same row. A mentee's or a mentor's registration stays with their profile when their
    account is erased (the profile stays, without identity, for the figures); a partner
    member's loses its link to the account deleted, and keeps its audience and attendance.
    """

    class Statut(models.TextChoices):
        INSCRIT = "inscrit", "Inscrit"
        PRESENT = "present", "Présent"
        ABSENT = "absent", "Absent"
        ANNULE = "annule", "Inscription annulée"

    Public = Public

    evenement = models.ForeignKey(
        Evenement, verbose_name="événement", on_delete=models.CASCADE, related_name="inscriptions"
    )
    # A mentee's by default: every registration was one before events opened to others.
    public = models.CharField(
        "inscrit en tant que", max_length=20, choices=Public, default=Public.FILLEULS
    )
    filleul = models.ForeignKey(
        "parrainages.Filleul",
        verbose_name="filleul",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inscriptions",
    )
    parrain = models.ForeignKey(
        "parrainages.Parrain",
        verbose_name="parrain ou marraine",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inscriptions",
    )
    membre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="membre d'un partenaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inscriptions_evenements",
    )
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.INSCRIT)
    created_at = models.DateTimeField("inscrit le", default=timezone.now)

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["evenement", "filleul"], name="inscription_unique"),
            models.UniqueConstraint(
                fields=["evenement", "parrain"], name="inscription_unique_parrain"
            ),
            models.UniqueConstraint(
                fields=["evenement", "membre"], name="inscription_unique_membre"
            ),
            # Exactly the person of the audience (a partner member's link goes with their
            # erased account).
            models.CheckConstraint(
                condition=(
                    Q(
                        public=Public.FILLEULS,
                        filleul__isnull=False,
                        parrain__isnull=True,
                        membre__isnull=True,
                    )
                    | Q(
                        public=Public.PARRAINS,
                        filleul__isnull=True,
                        parrain__isnull=False,
                        membre__isnull=True,
                    )
                    | Q(public=Public.PARTENAIRES, filleul__isnull=True, parrain__isnull=True)
                ),
                name="inscription_une_personne",
            ),
        ]
        indexes = [models.Index(fields=["evenement", "public", "statut"])]

    def __str__(self):
        return f"{self.personne_libelle} → {self.evenement}"

    @property
    def personne(self):
        """The registered person's profile or account (None once a member's account went)."""
        return {
            Public.FILLEULS: self.filleul,
            Public.PARRAINS: self.parrain,
            Public.PARTENAIRES: self.membre,
        }.get(self.public)

    @property
    def personne_libelle(self) -> str:
        personne = self.personne
        if personne is None:
            return "Personne anonymisée"
        user = personne if self.public == Public.PARTENAIRES else personne.user
        return (user.get_full_name() or user.email) if user else "Personne anonymisée"

    @property
    def personne_nom(self) -> str:
        """The registrant's name for the event's organiser (a mentor): never an e-mail address,
        which only staff see; a registration without a name says so."""
        personne = self.personne
        user = None
        if personne is not None:
            user = personne if self.public == Public.PARTENAIRES else personne.user
        if user is None:
            return "Personne anonymisée"
        return user.get_full_name() or f"Inscription n° {self.pk} (nom non renseigné)"

    def clean(self):
        personnes = {
            Public.FILLEULS: "filleul",
            Public.PARRAINS: "parrain",
            Public.PARTENAIRES: "membre",
        }
        champ = personnes.get(self.public)
        if champ is None:
            return
        erreurs = {}
        # A member's registration whose account was erased keeps its attendance.
        efface = self.pk is not None and self.public == Public.PARTENAIRES
        if getattr(self, f"{champ}_id") is None and not efface:
            erreurs[champ] = "Indiquez la personne inscrite."
        for autre in personnes.values():
            if autre != champ and getattr(self, f"{autre}_id") is not None:
                erreurs[autre] = "Une inscription est celle d'une seule personne."
        if erreurs:
            raise ValidationError(erreurs)


class Structure(models.Model):
    """An organisation whose staff work in the back office: the city's employment service, a
    Mission locale, a national programme's national team or one of its regional teams…

    It runs programmes and may be limited to a territory (a region, départements, communes):
    its staff then see and change only those programmes' records placed in that territory
    (``mentorat/perimetre.py``). ``parent``: the team a regional team reports to (the figures
    roll up from one to the other).
    """

    class Type(models.TextChoices):
        VILLE = "ville", "Service emploi d'une collectivité"
        MISSION_LOCALE = "mission_locale", "Mission locale"
        FRANCE_TRAVAIL = "france_travail", "Agence France Travail"
        ASSOCIATION = "association", "Association"
        NATIONALE = "nationale", "Équipe nationale d'un programme"
        REGIONALE = "regionale", "Équipe régionale d'un programme"
        AUTRE = "autre", "Autre"

    nom = models.CharField("nom", max_length=200, unique=True)
    type = models.CharField("type", max_length=20, choices=Type, default=Type.AUTRE)
    parent = models.ForeignKey(
        "self",
        verbose_name="rattachée à",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipes",
        help_text="Pour une équipe régionale : l'équipe nationale du programme.",
    )
    programmes = models.ManyToManyField(
        Programme, verbose_name="programmes menés", related_name="structures", blank=True
    )
    region = models.CharField(
        "région",
        max_length=3,
        choices=REGION_CHOIX,
        blank=True,
        help_text="Limite la structure aux départements de la région.",
    )
    departements = ChoiceListField(
        "départements",
        item_choices=DEPARTEMENTS,
        help_text="Limite la structure à ces départements.",
    )
    communes = models.ManyToManyField(
        Commune,
        verbose_name="communes",
        related_name="+",
        blank=True,
        help_text="Limite la structure à ces communes (en plus des départements cochés).",
    )
    operateur = models.BooleanField(
        "exploite la plateforme",
        default=False,
        help_text="Son personnel voit aussi, dans son territoire, les personnes inscrites qui ne "
        "sont encore rattachées à aucun programme (un filleul sans candidature ni orientation, "
        "un parrain sans programme) : le service de la ville qui ouvre la plateforme.",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["nom"]
        permissions = [
            (
                "tout_voir",
                "Voir et modifier tous les programmes et tous les territoires",
            )
        ]

    def __str__(self):
        return self.nom

    def clean(self):
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError(
                {"parent": "Une structure ne peut pas être rattachée à elle-même."}
            )

    @property
    def departements_du_territoire(self) -> list[str]:
        """The départements it is limited to: its region's and those ticked (none: no limit)."""
        deps = set(self.departements or [])
        if self.region:
            deps |= set(DEPARTEMENTS_DE_REGION.get(self.region, ()))
        return sorted(deps)


class Affectation(models.Model):
    """A staff member's place in a structure, with their role there."""

    class Role(models.TextChoices):
        COORDINATEUR = "coordinateur", "Coordinateur (pilote les programmes de la structure)"
        CONSEILLER = "conseiller", "Conseiller (suit les candidatures et les binômes)"
        LECTURE = "lecture", "Lecture seule"

    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.CASCADE, related_name="affectations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="membre du personnel",
        on_delete=models.CASCADE,
        related_name="affectations",
        limit_choices_to={"is_staff": True},
    )
    role = models.CharField("rôle", max_length=20, choices=Role, default=Role.CONSEILLER)
    created_at = models.DateTimeField("depuis le", default=timezone.now)

    class Meta:
        verbose_name = "affectation"
        verbose_name_plural = "affectations"
        ordering = ["structure__nom"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "user"], name="affectation_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.structure} ({self.get_role_display()})"
