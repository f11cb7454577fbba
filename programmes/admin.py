import functools

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from mentorat.admin import (
    HTTPS_URLS,
    LoadedAutocompleteMixin,
    LoadedRelationsForm,
    SelectRelatedMixin,
    TransitionAdminMixin,
    transition_action,
)
from mentorat.admin_perimetre import REFERENTIEL
from mentorat.perimetre import (
    CONSEILLER,
    COORDINATEUR,
    LECTURE,
    RESERVE_ADMINISTRATEURS,
    Portee,
    perimetre_de,
)
from mentorat.televersements import fichier_televerse_verifier

from .models import (
    Affectation,
    Commune,
    Etape,
    Evenement,
    Inscription,
    ModeleCharte,
    ObjectifSuggere,
    Programme,
    Public,
    QuartierPrioritaire,
    Ressource,
    Secteur,
    Structure,
)
from .services import (
    evenement_annuler,
    modele_charte_versionner,
    presences_noter,
    programme_rattacher,
    ressource_enregistrer,
    ressource_supprimer,
)


@admin.register(Secteur)
class SecteurAdmin(admin.ModelAdmin):
    portee = REFERENTIEL
    list_display = ("code", "libelle")
    list_display_links = ("code", "libelle")
    search_fields = ("code", "libelle")


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    portee = REFERENTIEL
    list_display = ("nom", "code_postal", "code_insee", "departement")
    search_fields = ("nom", "^code_postal", "^code_insee")
    show_full_result_count = False


@admin.register(QuartierPrioritaire)
class QuartierPrioritaireAdmin(admin.ModelAdmin):
    """The imported perimeters: read only (``manage.py import_qpv``, see docs/qpv.md)."""

    portee = REFERENTIEL

    list_display = ("code", "nom", "departement", "communes", "importe_le")
    list_filter = ("departement",)
    search_fields = ("code", "nom", "communes")
    fields = ("code", "nom", "departement", "communes", "source", "importe_le", "emprise")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="emprise (longitudes, latitudes)")
    def emprise(self, obj):
        return f"{obj.lon_min:.4f} à {obj.lon_max:.4f} ; {obj.lat_min:.4f} à {obj.lat_max:.4f}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EtapeInline(admin.TabularInline):
    model = Etape
    extra = 0
    fields = ("ordre", "nom", "description")


class ObjectifSuggereInline(admin.TabularInline):
    """The goals suggested to the programme's pairs (docs/suivi-qualite.md)."""

    model = ObjectifSuggere
    extra = 0
    fields = ("ordre", "libelle")


class ModeleCharteInline(admin.StackedInline):
    """Versions already issued stay as they are: a new text is a new version."""

    model = ModeleCharte
    extra = 0
    fields = ("version", "titre", "texte", "created_at", "created_by")
    readonly_fields = ("version", "created_at", "created_by")
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(TransitionAdminMixin, admin.ModelAdmin):
    portee = Portee("pk", ecriture=COORDINATEUR)
    list_display = (
        "nom",
        "porteur",
        "statut",
        "date_debut",
        "date_fin",
        "cible_binomes",
        "coordinateur",
    )
    list_filter = ("statut", "offre_reguliere", "offre_ponctuelle", "offre_immersion")
    list_select_related = ("coordinateur",)
    search_fields = ("nom", "slug", "porteur")
    prepopulated_fields = {"slug": ("nom",)}
    autocomplete_fields = ("coordinateur",)
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "date_debut"
    inlines = (EtapeInline, ObjectifSuggereInline, ModeleCharteInline)
    fieldsets = (
        (None, {"fields": ("nom", "slug", "porteur", "statut", "coordinateur")}),
        (
            "Présentation",
            {"fields": ("accroche", "description", "public_vise", "engagements_filleul")},
        ),
        ("Calendrier et objectif", {"fields": ("date_debut", "date_fin", "cible_binomes")}),
        (
            "Formes proposées",
            {"fields": ("offre_reguliere", "offre_ponctuelle", "offre_immersion")},
        ),
        (
            "Critères d'éligibilité",
            {
                "fields": (
                    "age_min",
                    "age_max",
                    "qpv_requis",
                    "niveau_diplome_min",
                    "situations_acceptees",
                    "inscription_france_travail_min_mois",
                    "departements",
                )
            },
        ),
        (
            "Fonctionnement",
            {
                "fields": (
                    "distance_max_km",
                    "duree_parrainage_mois",
                    "delai_reponse_jours",
                    "avis_filleul",
                    "signature_coordinateur",
                )
            },
        ),
        (
            "Relances",
            {
                "fields": (
                    "relance_proposition_jours",
                    "relance_charte_jours",
                    "relance_sans_rencontre_jours",
                    "alerte_fin_jours",
                )
            },
        ),
        (
            "Appariement (poids du score)",
            {
                "description": (
                    "Chaque poids est le nombre de points d'une paire parfaite sur ce critère ; "
                    "mettre 0 ignore le critère. Les règles strictes (forme, places, territoire, "
                    "distance maximale, refus passés) s'appliquent toujours."
                ),
                "fields": (
                    "poids_secteur",
                    "poids_distance",
                    "poids_disponibilites",
                    "poids_niveau",
                    "poids_attente",
                ),
            },
        ),
        ("Historique", {"fields": ("created_at", "updated_at")}),
    )
    actions = [
        transition_action(
            "ouvrir",
            "Ouvrir aux candidatures",
            ("programme ouvert", "programmes ouverts"),
        ),
        transition_action(
            "fermer_candidatures",
            "Fermer les candidatures",
            ("programme fermé aux candidatures", "programmes fermés aux candidatures"),
        ),
        transition_action("clore", "Clore les programmes", ("programme clos", "programmes clos")),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "departements":
            kwargs["widget"] = forms.SelectMultiple(attrs={"size": 12})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and programme_rattacher(programme=obj, par=request.user):
            # The perimeter read for this request did not hold the new programme yet.
            for porteur in (request, request.user):
                porteur.__dict__.pop("_perimetre", None)
            request.__dict__.pop("_ecriture_permise", None)

    def save_formset(self, request, form, formset, change):
        if formset.model is ModeleCharte:
            # Only new texts reach here (versions are read-only): each is the next version.
            for modele in formset.save(commit=False):
                modele_charte_versionner(modele=modele, par=request.user)
            return
        super().save_formset(request, form, formset, change)


@admin.register(Etape)
class EtapeAdmin(SelectRelatedMixin, admin.ModelAdmin):
    portee = Portee("programme", ecriture=COORDINATEUR)
    list_display = ("nom", "ordre", "programme")
    list_filter = ("programme",)
    list_select_related = ("programme",)
    search_fields = ("nom", "programme__nom")
    autocomplete_fields = ("programme",)
    ordering = ("programme__nom", "ordre")


@admin.register(ModeleCharte)
class ModeleCharteAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """A charter text is never edited once saved: a new text is a new version."""

    portee = Portee("programme", ecriture=COORDINATEUR)

    list_display = ("titre", "programme", "version", "created_at", "created_by")
    list_filter = ("programme",)
    list_select_related = ("programme", "created_by")
    search_fields = ("titre", "programme__nom")
    autocomplete_fields = ("programme",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("version", "created_at", "created_by")
        return ("programme", "version", "titre", "texte", "created_at", "created_by")

    def save_model(self, request, obj, form, change):
        if change:  # only ever reached with nothing to change: every field is read-only
            return super().save_model(request, obj, form, change)
        modele_charte_versionner(modele=obj, par=request.user)


class FichierPriveLien:
    """A stored file as the upload widget shows it: its name, and a link through the view
    that checks access (a private file has no public URL)."""

    def __init__(self, fichier):
        self.fichier = fichier

    def __str__(self):
        return self.fichier.name.rsplit("/", 1)[-1]

    @property
    def url(self):
        return reverse("parrain:ressource_fichier", kwargs={"pk": self.fichier.instance.pk})


class FichierPriveInput(AdminFileWidget):
    def is_initial(self, value):
        # Django's asks the file for its URL, which a private file refuses to give.
        return bool(value) and getattr(value, "instance", None) is not None

    def format_value(self, value):
        if self.is_initial(value):
            return FichierPriveLien(value)
        return None


class RessourceAdminForm(LoadedRelationsForm):
    """A mentors' resource: a file whose content is checked (type, size) or an https link."""

    class Meta:
        model = Ressource
        fields = (
            "programme",
            "titre",
            "type",
            "description",
            "fichier",
            "lien",
            "ordre",
            "publiee",
        )
        field_classes = {"lien": functools.partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format_code = ""
        self.fields["fichier"].help_text = (
            f"PDF, Word, Excel, PowerPoint, OpenDocument, image ou texte ; "
            f"{settings.TELEVERSEMENT_TAILLE_MAX // (1024 * 1024)} Mo au plus. "
            "Conservé hors de tout accès public : seuls les parrains et marraines du programme "
            "et l'équipe le téléchargent."
        )
        self.fields["lien"].help_text = "Ou l'adresse d'une page (https://…), sans fichier."

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        if isinstance(fichier, UploadedFile):
            self.format_code = fichier_televerse_verifier(fichier).code
        return fichier

    def clean_lien(self):
        lien = self.cleaned_data.get("lien", "")
        if lien and not lien.lower().startswith("https://"):
            raise ValidationError("Indiquez une adresse sécurisée, commençant par https://.")
        return lien

    def clean(self):
        donnees = super().clean()
        fichier, lien = donnees.get("fichier"), donnees.get("lien")
        if "fichier" in self.errors or "lien" in self.errors:
            return donnees
        if fichier and lien:
            raise ValidationError(
                "Une ressource est un fichier ou un lien, pas les deux : retirez l'un des deux."
            )
        if not fichier and not lien:
            raise ValidationError("Joignez un fichier ou indiquez un lien.")
        return donnees


@admin.register(Ressource)
class RessourceAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Guides and links for a programme's mentors (their page « Ressources » in the mentor
    portal). Files stay private: the link « Télécharger » goes through the access check."""

    portee = Portee("programme", ecriture=CONSEILLER)
    form = RessourceAdminForm
    formfield_overrides = HTTPS_URLS
    list_display = ("titre", "programme", "type", "contenu", "ordre", "publiee", "updated_at")
    list_display_links = ("titre",)
    list_filter = ("publiee", "type", "programme")
    list_select_related = ("programme",)
    search_fields = ("titre", "description", "programme__nom")
    autocomplete_fields = ("programme",)
    ordering = ("programme__nom", "ordre", "titre")
    fieldsets = (
        (None, {"fields": ("programme", "titre", "type", "description")}),
        (
            "Contenu",
            {
                "description": "Un fichier à télécharger ou un lien vers une page, pas les deux.",
                "fields": ("fichier", "telechargement", "lien"),
            },
        ),
        ("Publication", {"fields": ("ordre", "publiee", "created_at", "updated_at")}),
    )
    readonly_fields = ("telechargement", "created_at", "updated_at")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "fichier":
            kwargs["widget"] = FichierPriveInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="contenu")
    def contenu(self, obj):
        if obj.fichier:
            return f"{obj.format_libelle}, {obj.taille_libelle}"
        return "Lien"

    @admin.display(description="fichier enregistré")
    def telechargement(self, obj):
        if obj is None or not obj.pk or not obj.fichier:
            return "—"
        return format_html(
            '<a href="{}">Télécharger</a> ({}, {})',
            reverse("parrain:ressource_fichier", kwargs={"pk": obj.pk}),
            obj.format_libelle,
            obj.taille_libelle,
        )

    def save_model(self, request, obj, form, change):
        ressource_enregistrer(ressource=obj, format_code=form.format_code)

    def delete_model(self, request, obj):
        ressource_supprimer(ressource=obj)

    def delete_queryset(self, request, queryset):
        for ressource in queryset:
            ressource_supprimer(ressource=ressource)


# A mentee's or a mentor's registration is placed by their own commune, a partner member's
# (who has none here) by the event's: a territory's team never reads the names of the people
# of other territories who registered to an event it sees.
PORTEE_INSCRIPTIONS_DES_PERSONNES = Portee(
    "evenement__programme", ("filleul__commune", "parrain__commune")
)
PORTEE_INSCRIPTIONS_DES_MEMBRES = Portee("evenement__programme", "evenement__commune")


def inscriptions_du_perimetre(request, queryset, role=LECTURE):
    perimetre = perimetre_de(request)
    personnes = perimetre.filtrer(
        Inscription.objects.exclude(public=Public.PARTENAIRES),
        PORTEE_INSCRIPTIONS_DES_PERSONNES,
        role,
    )
    membres = perimetre.filtrer(
        Inscription.objects.filter(public=Public.PARTENAIRES),
        PORTEE_INSCRIPTIONS_DES_MEMBRES,
        role,
    )
    return queryset.filter(Q(pk__in=personnes.values("pk")) | Q(pk__in=membres.values("pk")))


inscriptions_du_perimetre.ecriture = CONSEILLER


class InscriptionInline(LoadedAutocompleteMixin, admin.TabularInline):
    """The event's registrations, whatever the audience: staff record attendance here."""

    model = Inscription
    extra = 0
    fields = ("public", "filleul", "parrain", "membre", "statut", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("filleul", "parrain", "membre")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("evenement", "filleul__user", "parrain__user", "membre")
        )


@admin.register(Evenement)
class EvenementAdmin(TransitionAdminMixin, admin.ModelAdmin):
    portee = Portee("programme")
    formfield_overrides = HTTPS_URLS
    list_display = (
        "titre",
        "programme",
        "type",
        "debut",
        "commune",
        "en_ligne",
        "places_prises",
        "statut",
    )
    list_filter = ("statut", "type", "en_ligne", "programme")
    list_select_related = ("programme", "commune")
    search_fields = ("titre", "lieu", "programme__nom")
    autocomplete_fields = ("programme", "commune", "organisateur")
    readonly_fields = ("created_at",)
    ordering = ("-debut",)
    date_hierarchy = "debut"
    inlines = (InscriptionInline,)
    actions = [
        transition_action("publier", "Publier", ("événement publié", "événements publiés")),
        transition_action(
            "annuler",
            "Annuler (les personnes inscrites sont prévenues)",
            ("événement annulé", "événements annulés"),
            apply=lambda evenement, _request: evenement_annuler(evenement=evenement),
        ),
        transition_action(
            "terminer", "Marquer comme terminés", ("événement terminé", "événements terminés")
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                nb_inscrits=Count(
                    "inscriptions", filter=~Q(inscriptions__statut=Inscription.Statut.ANNULE)
                )
            )
        )

    @admin.display(description="inscrits / places", ordering="nb_inscrits")
    def places_prises(self, obj):
        return f"{obj.nb_inscrits} / {obj.places}" if obj.places else str(obj.nb_inscrits)


def _presence_action(statut: str, description: str, fait: str):
    def action(modeladmin, request, queryset):
        n = presences_noter(inscriptions=queryset, statut=statut)
        ignorees = queryset.count() - n
        message = f"{n} inscription(s) marquée(s) « {fait} »."
        if ignorees:
            message += (
                f" {ignorees} ignorée(s) : inscription annulée, ou événement pas encore "
                "commencé, annulé ou non publié."
            )
        modeladmin.message_user(request, message, messages.SUCCESS if n else messages.WARNING)

    action.__name__ = f"marquer_{statut}"
    action.__qualname__ = action.__name__
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Inscription)
class InscriptionAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Registrations of mentees, mentors and partner members; a registration is placed by
    its person's commune (a mentee's, a mentor's) or its event's."""

    portee = staticmethod(inscriptions_du_perimetre)
    list_display = ("personne", "public", "evenement", "statut", "created_at")
    list_filter = ("statut", "public", "evenement__type", "evenement__programme")
    list_select_related = ("filleul__user", "parrain__user", "membre", "evenement")
    search_fields = (
        "filleul__user__email",
        "filleul__user__last_name",
        "filleul__user__first_name",
        "parrain__user__email",
        "parrain__user__last_name",
        "parrain__user__first_name",
        "membre__email",
        "membre__last_name",
        "membre__first_name",
        "evenement__titre",
    )
    autocomplete_fields = ("evenement", "filleul", "parrain", "membre")
    fields = ("evenement", "public", "filleul", "parrain", "membre", "statut", "created_at")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = [
        _presence_action(Inscription.Statut.PRESENT, "Marquer présent(e)s", "présent"),
        _presence_action(Inscription.Statut.ABSENT, "Marquer absent(e)s", "absent"),
    ]

    @admin.display(description="personne")
    def personne(self, obj):
        return obj.personne_libelle


class AffectationInline(admin.TabularInline):
    model = Affectation
    extra = 1
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    verbose_name = "membre du personnel"
    verbose_name_plural = "membres du personnel et leur rôle"


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    """The structures whose staff work here, their programmes, territory and staff: what each
    staff member sees follows from them (mentorat/perimetre.py). The Administrateur's."""

    portee = RESERVE_ADMINISTRATEURS
    list_display = ("nom", "type", "operateur", "parent", "region", "territoire", "nb_personnel")
    list_filter = ("type", "region", "programmes")
    search_fields = ("nom",)
    autocomplete_fields = ("parent", "communes")
    filter_horizontal = ("programmes",)
    inlines = (AffectationInline,)
    fieldsets = (
        (None, {"fields": ("nom", "type", "operateur", "parent", "programmes")}),
        (
            "Territoire",
            {
                "fields": ("region", "departements", "communes"),
                "description": "Sans région, département ni commune : tout le territoire des "
                "programmes menés.",
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .annotate(_nb_personnel=Count("affectations"))
        )

    @admin.display(description="territoire")
    def territoire(self, obj):
        deps = obj.departements_du_territoire
        if not deps:
            return "Tout le territoire"
        return ", ".join(deps[:8]) + (" …" if len(deps) > 8 else "")

    @admin.display(description="personnel", ordering="_nb_personnel")
    def nb_personnel(self, obj):
        return obj._nb_personnel
