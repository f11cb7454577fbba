"""The people of a mentorship: mentors (parrains) and mentees (filleuls)."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone

from mentorat.fields import ChoiceListField, bornes
from mentorat.texte import valider_texte_saisi
from programmes.models import Disponibilite, NiveauDiplome, Situation, formes_offertes

# The most mentees one mentor follows at once (the sign-up and profile forms offer 1 to 10).
CAPACITE_MAX = 10

FRANCE_TRAVAIL_ID = re.compile(r"^[0-9]{7}[0-9A-Z]([0-9]{3})?$")


def validate_identifiant_france_travail(value: str):
    if not FRANCE_TRAVAIL_ID.match(value.strip().upper()):
        raise ValidationError(
            "L'identifiant France Travail compte 7 chiffres suivis d'un chiffre ou d'une lettre "
            "(ex. 1234567A), parfois suivis de 3 chiffres.",
            code="invalid",
        )


class ParrainQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(statut=Parrain.Statut.ACTIF)

    def avec_places(self):
        """Active mentors annotated with ``places_restantes`` (capacity minus open pairs)."""
        from .parrainage import Parrainage

        return self.annotate(
            binomes_ouverts=Count("parrainages", filter=Parrainage.q_place_prise("parrainages__"))
        ).annotate(places_restantes=F("capacite") - F("binomes_ouverts"))


class Parrain(models.Model):
    class Statut(models.TextChoices):
        INVITE = "invite", "Invité (compte à activer)"
        A_VALIDER = "a_valider", "Candidature à valider"
        ACTIF = "actif", "Actif"
        PAUSE = "pause", "En pause (pas de nouvelle proposition)"
        INACTIF = "inactif", "Inactif"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parrain",
    )
    entreprise = models.CharField("entreprise", max_length=200, validators=[valider_texte_saisi])
    fonction = models.CharField("fonction", max_length=200, validators=[valider_texte_saisi])
    secteurs = models.ManyToManyField(
        "programmes.Secteur", verbose_name="secteurs", blank=True, related_name="parrains"
    )
    programmes = models.ManyToManyField(
        "programmes.Programme", verbose_name="programmes", blank=True, related_name="parrains"
    )
    offre_reguliere = models.BooleanField("parrainage régulier", default=True)
    offre_ponctuelle = models.BooleanField("actions ponctuelles", default=False)
    offre_immersion = models.BooleanField("immersion en entreprise", default=False)
    capacite = models.PositiveSmallIntegerField(
        "capacité",
        default=1,
        validators=bornes(1, CAPACITE_MAX),
        help_text=f"Nombre de filleuls suivis en même temps ({CAPACITE_MAX} au plus).",
    )
    disponibilites = ChoiceListField("disponibilités", item_choices=Disponibilite.choices)
    commune = models.ForeignKey(
        "programmes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    distanciel_accepte = models.BooleanField("accepte les rencontres à distance", default=True)
    annees_experience = models.PositiveSmallIntegerField(
        "années d'expérience", default=10, validators=bornes(0, 60)
    )
    bio = models.TextField("présentation", blank=True)
    # Programmes for minors may require it (Programme.controle_honorabilite_requis): recorded by
    # staff, e.g. after the extract of the criminal record (bulletin n° 3) was shown.
    honorabilite_verifiee_le = models.DateField(
        "contrôle d'honorabilité fait le", null=True, blank=True
    )
    honorabilite_verifiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="contrôle fait par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    statut = models.CharField("statut", max_length=20, choices=Statut, default=Statut.A_VALIDER)
    valide_le = models.DateTimeField("validé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    objects = ParrainQuerySet.as_manager()

    class Meta:
        verbose_name = "parrain ou marraine"
        verbose_name_plural = "parrains et marraines"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["statut"]),
            # The default ordering, with the admin's tie-break on the id.
            models.Index(fields=["created_at", "id"], name="parrain_created_at_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacite__gte=0), name="parrain_capacite_positive"),
        ]

    def __str__(self):
        nom = self.user.get_full_name() if self.user_id else "Parrain anonymisé"
        return f"{nom} ({self.entreprise})" if self.entreprise else nom

    @property
    def formes(self) -> list[str]:
        return formes_offertes(self)

    @property
    def disponibilites_libelles(self) -> list[str]:
        return libelles_disponibilites(self.disponibilites)


class FilleulQuerySet(models.QuerySet):
    def avec_identite(self):
        return self.select_related("user", "commune")


class Filleul(models.Model):
    class StatutQPV(models.TextChoices):
        NON = "non", "Non"
        DECLARE = "declare", "Déclaré (à confirmer)"
        CONFIRME = "confirme", "Confirmé"
        INFIRME = "infirme", "Infirmé"

    class ResultatQPV(models.TextChoices):
        """Whether the address lies in a priority neighbourhood (see docs/qpv.md)."""

        DANS = "dans", "Dans un quartier prioritaire"
        HORS = "hors", "Hors quartier prioritaire"
        INDETERMINE = "indetermine", "Indéterminé (à vérifier)"
        EN_COURS = "en_cours", "Vérification en cours"

    class OrigineQPV(models.TextChoices):
        ADRESSE = "adresse", "Calculé depuis l'adresse"
        EQUIPE = "equipe", "Décision de l'équipe"

    class Source(models.TextChoices):
        FRANCE_TRAVAIL = "france_travail", "France Travail"
        MISSION_LOCALE = "mission_locale", "Mission locale"
        ASSOCIATION = "association", "Une association"
        ENTOURAGE = "entourage", "Famille ou amis"
        RESEAUX_SOCIAUX = "reseaux_sociaux", "Réseaux sociaux"
        ETABLISSEMENT = "etablissement", "Mon collège, lycée ou université"
        SITE_VILLE = "site_ville", "Site de la ville"
        AUTRE = "autre", "Autre"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="filleul",
    )
    date_naissance = models.DateField("date de naissance")
    commune = models.ForeignKey(
        "programmes.Commune", verbose_name="commune", on_delete=models.PROTECT, related_name="+"
    )
    qpv = models.CharField(
        "résidence en quartier prioritaire (QPV)",
        max_length=10,
        choices=StatutQPV,
        default=StatutQPV.NON,
        help_text="Ce que la personne a déclaré (et, avant le calcul par l'adresse, ce que "
        "l'équipe en a vérifié). Compte quand l'adresse n'a pas pu être localisée.",
    )
    # The postal address (docs/qpv.md): optional, a person may have no fixed address.
    adresse = models.CharField("adresse (numéro et voie)", max_length=200, blank=True)
    adresse_complement = models.CharField("complément d'adresse", max_length=200, blank=True)
    code_postal = models.CharField(
        "code postal",
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{5}$", "Le code postal compte 5 chiffres.")],
    )
    # Priority neighbourhood from the address (or staff's decision), with its date and source.
    qpv_resultat = models.CharField(
        "QPV selon l'adresse",
        max_length=12,
        choices=ResultatQPV,
        default=ResultatQPV.INDETERMINE,
    )
    qpv_code = models.CharField("code du QPV", max_length=10, blank=True)
    qpv_nom = models.CharField("nom du QPV", max_length=200, blank=True)
    qpv_determine_le = models.DateTimeField("QPV déterminé le", null=True, blank=True)
    qpv_origine = models.CharField(
        "origine du résultat QPV", max_length=10, choices=OrigineQPV, blank=True
    )
    qpv_source = models.CharField("source du résultat QPV", max_length=300, blank=True)
    qpv_motif = models.TextField(
        "motif de la décision de l'équipe (QPV)",
        blank=True,
        help_text="Obligatoire quand l'équipe décide elle-même du résultat.",
    )
    niveau_diplome = models.PositiveSmallIntegerField(
        "niveau de diplôme", choices=NiveauDiplome, default=NiveauDiplome.AUCUN
    )
    situation = models.CharField("situation", max_length=30, choices=Situation)
    inscrit_france_travail_depuis = models.DateField(
        "inscrit à France Travail depuis", null=True, blank=True
    )
    identifiant_france_travail = models.CharField(
        "identifiant France Travail",
        max_length=11,
        blank=True,
        validators=[validate_identifiant_france_travail],
    )
    secteurs_souhaites = models.ManyToManyField(
        "programmes.Secteur", verbose_name="secteurs souhaités", blank=True, related_name="filleuls"
    )
    disponibilites = ChoiceListField("disponibilités", item_choices=Disponibilite.choices)
    mobilite_km = models.PositiveSmallIntegerField(
        "mobilité (km)", default=10, validators=bornes(0, 500)
    )
    source = models.CharField("a connu le programme par", max_length=20, choices=Source, blank=True)
    prescripteur = models.ForeignKey(
        "partenaires.Partenaire",
        verbose_name="prescripteur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="filleuls_prescrits",
    )
    # Pupils (séquence d'observation, Club des 1.000): their school and class.
    etablissement = models.ForeignKey(
        "partenaires.Partenaire",
        verbose_name="établissement scolaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"type": "etablissement_scolaire"},
        related_name="eleves",
    )
    classe = models.CharField(
        "classe", max_length=20, blank=True, help_text="Élèves : la classe suivie (ex. 3e B)."
    )
    # Self-declared, optional (docs/registre-des-traitements.md): read only to break a
    # convention's figures down by public (partenaires.publics), never shown to partners one by
    # one. None: the person did not say.
    parent_isole = models.BooleanField(
        "parent isolé (déclaré)",
        null=True,
        blank=True,
        help_text="Si vous souhaitez le dire : vous élevez seul(e) un ou plusieurs enfants. "
        "Réponse facultative, utilisée seulement pour des statistiques anonymes.",
    )
    consentement_version = models.CharField("version du consentement", max_length=20, blank=True)
    consentement_le = models.DateTimeField("consentement donné le", null=True, blank=True)
    anonymise_le = models.DateTimeField("anonymisé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    objects = FilleulQuerySet.as_manager()

    class Meta:
        verbose_name = "filleul ou filleule"
        verbose_name_plural = "filleuls et filleules"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["prescripteur", "created_at"]),
            # The default ordering, with the admin's tie-break on the id.
            models.Index(fields=["created_at", "id"], name="filleul_created_at_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_naissance__gt=dt.date(1900, 1, 1)),
                name="filleul_date_naissance_plausible",
            ),
        ]

    def __str__(self):
        if self.user_id:
            return self.user.get_full_name() or self.user.email
        return f"Filleul anonymisé n° {self.pk}"

    @property
    def adresse_postale(self) -> str:
        lignes = [self.adresse, self.adresse_complement]
        if self.code_postal:
            lignes.append(f"{self.code_postal} {self.commune.nom}")
        return ", ".join(ligne for ligne in lignes if ligne)

    @property
    def qpv_message(self) -> str:
        """What the person reads about their priority neighbourhood (docs/qpv.md)."""
        resultat = self.ResultatQPV
        if self.qpv_resultat == resultat.DANS:
            if self.qpv_nom:
                return (
                    f"Votre adresse est dans le quartier prioritaire « {self.qpv_nom} » "
                    f"({self.qpv_code})."
                )
            return "Votre adresse est dans un quartier prioritaire de la politique de la ville."
        if self.qpv_resultat == resultat.HORS:
            return (
                "Votre adresse n'est pas dans un quartier prioritaire de la politique de la ville."
            )
        if self.qpv_resultat == resultat.EN_COURS:
            return "Nous vérifions si votre adresse est dans un quartier prioritaire."
        if not self.adresse:
            return (
                "Sans adresse, votre réponse sur le quartier prioritaire compte : elle sera "
                "vérifiée par l'équipe."
            )
        return (
            "Votre adresse n'a pas pu être localisée : votre réponse sur le quartier prioritaire "
            "compte et sera vérifiée par l'équipe."
        )

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.date_naissance:
            if self.date_naissance > today:
                errors["date_naissance"] = "La date de naissance ne peut pas être dans le futur."
            elif (
                age_on(self.date_naissance, today) > 100 or age_on(self.date_naissance, today) < 11
            ):
                errors["date_naissance"] = "Cette date de naissance n'est pas plausible."
        if self.inscrit_france_travail_depuis and self.inscrit_france_travail_depuis > today:
            errors["inscrit_france_travail_depuis"] = "Cette date ne peut pas être dans le futur."
        if self.identifiant_france_travail:
            self.identifiant_france_travail = self.identifiant_france_travail.strip().upper()
        if errors:
            raise ValidationError(errors)

    @property
    def disponibilites_libelles(self) -> list[str]:
        return libelles_disponibilites(self.disponibilites)

    def age(self, on: dt.date | None = None) -> int:
        return age_on(self.date_naissance, on or timezone.localdate())

    def est_mineur(self, on: dt.date | None = None) -> bool:
        return self.age(on) < AGE_MAJORITE


# Code civil, art. 388 and 414: a person is a minor until 18.
AGE_MAJORITE = 18


class RepresentantLegal(models.Model):
    """A minor mentee's legal guardian (Code civil, art. 371-1 and 388-1-1: the holders of
    parental authority act for the minor): consents to the application, signs the charter and
    any convention as a party, receives the meeting invitations. Has no account: acts from
    links of their own.
    """

    class Lien(models.TextChoices):
        MERE = "mere", "Mère"
        PERE = "pere", "Père"
        TUTEUR = "tuteur", "Tuteur ou tutrice légal(e)"
        AUTRE = "autre", "Autre détenteur de l'autorité parentale"

    filleul = models.ForeignKey(
        Filleul,
        verbose_name="filleul",
        on_delete=models.CASCADE,
        related_name="representants_legaux",
    )
    prenom = models.CharField("prénom", max_length=150, validators=[valider_texte_saisi])
    nom = models.CharField("nom", max_length=150, validators=[valider_texte_saisi])
    lien = models.CharField("lien avec le filleul", max_length=10, choices=Lien)
    email = models.EmailField("e-mail")
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    consentement_le = models.DateTimeField("consentement donné le", null=True, blank=True)
    created_at = models.DateTimeField("enregistré le", default=timezone.now)

    class Meta:
        verbose_name = "représentant légal"
        verbose_name_plural = "représentants légaux"
        ordering = ["filleul", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["filleul", "email"], name="representant_legal_unique_par_email"
            ),
        ]

    def __str__(self):
        return f"{self.prenom} {self.nom} ({self.get_lien_display().lower()})"

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}"


def libelles_disponibilites(valeurs) -> list[str]:
    labels = dict(Disponibilite.choices)
    return [labels[v] for v in valeurs if v in labels]


def age_on(naissance: dt.date, jour: dt.date) -> int:
    """Age in whole years on ``jour`` (a birthday counts from its very day)."""
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month, naissance.day))
