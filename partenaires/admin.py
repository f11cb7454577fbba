from django.contrib import admin
from django.db.models import Count

from mentorat.admin import (
    HTTPS_URLS,
    LoadedAutocompleteMixin,
    SelectRelatedMixin,
    TransitionAdminMixin,
    transition_action,
)

from .models import Convention, Membre, Objectif, Partenaire, Prescription, Rapport


class MembreInline(LoadedAutocompleteMixin, admin.TabularInline):
    model = Membre
    extra = 0
    fields = ("user", "role", "actif", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partenaire", "user")


@admin.register(Partenaire)
class PartenaireAdmin(SelectRelatedMixin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("nom", "type", "commune", "email", "telephone", "nb_membres", "actif")
    list_filter = ("type", "actif")
    list_select_related = ("commune",)
    search_fields = ("nom", "siret", "email")
    autocomplete_fields = ("commune",)
    readonly_fields = ("created_at",)
    ordering = ("nom",)
    inlines = (MembreInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nombre_membres=Count("adhesions"))

    @admin.display(description="membres", ordering="nombre_membres")
    def nb_membres(self, obj):
        return obj.nombre_membres


@admin.register(Membre)
class MembreAdmin(SelectRelatedMixin, admin.ModelAdmin):
    list_display = ("user", "user__email", "partenaire", "role", "actif", "created_at")
    list_filter = ("role", "actif", "partenaire__type")
    list_select_related = ("user", "partenaire")
    search_fields = ("user__email", "user__last_name", "user__first_name", "partenaire__nom")
    autocomplete_fields = ("partenaire", "user")
    readonly_fields = ("created_at",)


class ObjectifInline(admin.TabularInline):
    model = Objectif
    extra = 0
    fields = ("indicateur", "valeur_cible", "periode")


@admin.register(Convention)
class ConventionAdmin(TransitionAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "titre",
        "partenaire",
        "date_debut",
        "date_fin",
        "signee_le",
        "statut",
    )
    list_filter = ("statut", "partenaire__type", "programmes")
    list_select_related = ("partenaire",)
    search_fields = ("reference", "titre", "partenaire__nom")
    autocomplete_fields = ("partenaire", "programmes")
    readonly_fields = ("signee_le", "created_at")
    date_hierarchy = "date_debut"
    inlines = (ObjectifInline,)
    fieldsets = (
        (None, {"fields": ("reference", "titre", "partenaire", "programmes", "statut")}),
        ("Durée", {"fields": ("date_debut", "date_fin")}),
        (
            "Contenu",
            {
                "fields": (
                    "plan_action",
                    "engagements_partenaire",
                    "engagements_ville",
                    "modalites_suivi",
                    "criteres_evaluation",
                )
            },
        ),
        ("Signature", {"fields": ("signataires", "signee_le", "pdf_signe", "created_at")}),
    )
    actions = [
        transition_action(
            "signer", "Signer la convention", ("convention signée", "conventions signées")
        ),
        transition_action("activer", "Activer", ("convention activée", "conventions activées")),
        transition_action("terminer", "Terminer", ("convention terminée", "conventions terminées")),
    ]


@admin.register(Objectif)
class ObjectifAdmin(SelectRelatedMixin, admin.ModelAdmin):
    list_display = ("__str__", "convention", "indicateur", "valeur_cible", "periode")
    list_filter = ("indicateur", "periode")
    list_select_related = ("convention",)
    search_fields = ("convention__reference", "convention__titre")
    autocomplete_fields = ("convention",)


@admin.register(Rapport)
class RapportAdmin(TransitionAdminMixin, admin.ModelAdmin):
    """Reports are produced by a task; staff request one and then only read it."""

    list_display = (
        "__str__",
        "convention",
        "periode_debut",
        "periode_fin",
        "progression",
        "automatique",
        "created_at",
        "statut",
    )
    list_filter = ("statut", "automatique")
    list_select_related = ("convention", "demande_par")
    search_fields = ("convention__reference", "convention__titre")
    autocomplete_fields = ("convention",)
    readonly_fields = (
        "progression",
        "automatique",
        "demande_par",
        "pdf",
        "csv",
        "xlsx",
        "erreur",
        "created_at",
        "genere_le",
    )
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["convention", "periode_debut", "periode_fin"]
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.demande_par = request.user
        super().save_model(request, obj, form, change)


@admin.register(Prescription)
class PrescriptionAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Referrals are made in the partner portal (the service e-mails the invitation): read-only."""

    list_display = (
        "nom",
        "prenom",
        "email",
        "programme",
        "partenaire",
        "conseiller",
        "created_at",
        "utilisee_le",
        "filleul",
    )
    list_filter = ("programme", "partenaire__type")
    list_select_related = ("programme", "partenaire", "conseiller", "filleul__user")
    search_fields = ("nom", "prenom", "email", "partenaire__nom")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
