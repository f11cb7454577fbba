import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache

from mentorat.admin import (
    HTTPS_URLS,
    JournalAuditAdminMixin,
    LoadedAutocompleteMixin,
    LoadedRelationsForm,
    SelectRelatedMixin,
    TransitionAdminMixin,
    transition_action,
)
from mentorat.admin_perimetre import dans_le_perimetre
from mentorat.forms import erreurs_vers_formulaire
from mentorat.limites import LimiteAtteinte
from mentorat.perimetre import COORDINATEUR, Portee

from . import documents, indicateurs, publics, selectors, services, signature
from .forms import PeriodeForm
from .indicateurs import DEFINITIONS, IND
from .models import (
    ActionConvention,
    Convention,
    Membre,
    Objectif,
    ParrainApporte,
    Partenaire,
    PartieConvention,
    Prescription,
    Rapport,
)
from .uai import uai_valider
from .views import reponse_convention_pdf, reponse_convention_signee, reponse_fichier_rapport


class MembreInline(LoadedAutocompleteMixin, admin.TabularInline):
    model = Membre
    extra = 0
    fields = ("user", "role", "actif", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partenaire", "user")


class PartenaireForm(forms.ModelForm):
    """A school's UAI code is checked down to its key letter; only schools have one, and a
    priority-education network."""

    class Meta:
        model = Partenaire
        # What this form checks; the admin adds the other fields of its fieldsets.
        fields = ("nom", "type", "uai", "education_prioritaire")
        help_texts = {
            "uai": "Établissements scolaires : 7 chiffres et la lettre de contrôle (ex. "
            "0750655E), tels que dans l'annuaire de l'Éducation nationale.",
        }

    def clean_uai(self):
        uai = self.cleaned_data["uai"]
        if not uai:
            return ""
        uai = uai_valider(uai)
        autre = Partenaire.objects.filter(uai=uai).exclude(pk=self.instance.pk).first()
        if autre is not None:
            raise ValidationError(f"Ce code UAI est déjà celui de « {autre} ».")
        return uai

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("type") and cleaned["type"] != Partenaire.Type.ETABLISSEMENT_SCOLAIRE:
            for champ in ("uai", "education_prioritaire"):
                if cleaned.get(champ):
                    self.add_error(
                        champ,
                        "Réservé aux établissements scolaires : choisissez ce type, ou videz "
                        "ce champ.",
                    )
        return cleaned


@admin.register(Partenaire)
class PartenaireAdmin(SelectRelatedMixin, admin.ModelAdmin):
    portee = Portee(
        ("conventions__programmes", "prescriptions__programme"),
        "commune",
        multiple=True,
        sans_programme=("conventions", "prescriptions"),
    )
    form = PartenaireForm
    formfield_overrides = HTTPS_URLS
    list_display = (
        "nom",
        "type",
        "commune",
        "uai_ou_tiret",
        "reseau",
        "email",
        "telephone",
        "nb_membres",
        "nb_parrains",
        "actif",
    )
    list_filter = ("type", "education_prioritaire", "actif")
    list_select_related = ("commune",)
    search_fields = ("nom", "siret", "email", "=uai", "commune__nom")
    autocomplete_fields = ("commune",)
    readonly_fields = ("created_at",)
    ordering = ("nom",)
    inlines = (MembreInline,)
    fieldsets = (
        (None, {"fields": ("nom", "type", "actif")}),
        (
            "Établissement scolaire",
            {
                "fields": ("uai", "education_prioritaire"),
                "description": "Pour les établissements scolaires seulement : leur code UAI "
                "et leur réseau d'éducation prioritaire, qui décide de l'éligibilité des "
                "élèves aux programmes « élèves de 3e en REP ».",
            },
        ),
        (
            "Coordonnées",
            {"fields": ("siret", "commune", "adresse", "email", "telephone", "site_web")},
        ),
        ("Historique", {"fields": ("created_at",)}),
    )

    @admin.display(description="code UAI", ordering="uai")
    def uai_ou_tiret(self, obj):
        return obj.uai or "—"

    @admin.display(description="éducation prioritaire", ordering="education_prioritaire")
    def reseau(self, obj):
        return obj.get_education_prioritaire_display() or "—"

    def get_queryset(self, request):
        apports = (
            ParrainApporte.objects.filter(partenaire=OuterRef("pk"))
            .order_by()
            .values("partenaire")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                nombre_membres=Count("adhesions"),
                nombre_parrains=Coalesce(Subquery(apports, output_field=IntegerField()), 0),
            )
        )

    @admin.display(description="membres", ordering="nombre_membres")
    def nb_membres(self, obj):
        return obj.nombre_membres

    @admin.display(description="parrains apportés", ordering="nombre_parrains")
    def nb_parrains(self, obj):
        return obj.nombre_parrains


@admin.register(Membre)
class MembreAdmin(SelectRelatedMixin, admin.ModelAdmin):
    portee = Portee(
        ("partenaire__conventions__programmes", "partenaire__prescriptions__programme"),
        "partenaire__commune",
        multiple=True,
        sans_programme=("partenaire__conventions", "partenaire__prescriptions"),
    )
    list_display = ("user", "user__email", "partenaire", "role", "actif", "created_at")
    list_filter = ("role", "actif", "partenaire__type")
    list_select_related = ("user", "partenaire")
    search_fields = ("user__email", "user__last_name", "user__first_name", "partenaire__nom")
    autocomplete_fields = ("partenaire", "user")
    readonly_fields = ("created_at",)


@admin.register(ParrainApporte)
class ParrainApporteAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Which partner brought which mentor: what the "parrains apportés" indicator counts, and
    how that mentor's pairs are attributed to the partner."""

    portee = Portee(
        "parrain__programmes",
        "parrain__commune",
        multiple=True,
        sans_programme="parrain__programmes",
    )

    list_display = ("parrain", "parrain__entreprise", "partenaire", "created_at")
    list_filter = ("partenaire__type", "partenaire")
    list_select_related = ("parrain__user", "partenaire")
    search_fields = (
        "parrain__user__last_name",
        "parrain__user__first_name",
        "parrain__user__email",
        "parrain__entreprise",
        "partenaire__nom",
    )
    autocomplete_fields = ("partenaire", "parrain")
    readonly_fields = ("created_at",)
    show_full_result_count = False


class ObjectifFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        convention = self.instance
        if convention.pk is None or convention.statut == Convention.Statut.BROUILLON:
            return
        restants = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("indicateur")
        ]
        if not restants:
            raise ValidationError(
                "Une convention signée garde au moins un objectif : modifiez-le plutôt que de "
                "le supprimer."
            )


class ObjectifInline(admin.TabularInline):
    model = Objectif
    formset = ObjectifFormSet
    extra = 0
    fields = ("indicateur", "valeur_cible", "periode", "public", "secteur")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("secteur")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return choix_lus_une_fois(super().formfield_for_foreignkey(db_field, request, **kwargs))


def choix_lus_une_fois(champ):
    """A select whose options are read once for the whole inline, not once per row."""
    if champ is not None and hasattr(champ, "queryset"):
        champ.choices = list(champ.choices)
    return champ


class PartieFormSet(BaseInlineFormSet):
    """A convention has at least one party, its lead partner among them."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        restantes = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("partenaire")
        ]
        porteur = (
            getattr(self.instance, "partenaire", None) if self.instance.partenaire_id else None
        )
        if not restantes and self.instance.pk is not None:
            raise ValidationError(
                "Une convention compte au moins une partie : gardez au moins le partenaire porteur."
            )
        partenaires = [c["partenaire"] for c in restantes]
        if len(set(partenaires)) != len(partenaires):
            raise ValidationError("Un partenaire n'est partie qu'une fois à la convention.")
        if self.instance.pk is not None and porteur is not None and porteur not in partenaires:
            raise ValidationError(
                f"Le partenaire porteur ({porteur}) est une partie de la convention : ne le "
                "retirez pas des parties, ou changez d'abord de porteur."
            )


class PartieConventionInline(LoadedAutocompleteMixin, admin.TabularInline):
    portee = Portee(
        "convention__programmes",
        multiple=True,
        ecriture=COORDINATEUR,
        sans_programme="convention__programmes",
    )
    model = PartieConvention
    formset = PartieFormSet
    extra = 0
    fields = (
        "partenaire",
        "role",
        "ordre",
        "signataire",
        "signataire_prenom",
        "signataire_nom",
        "signataire_fonction",
        "signataire_email",
    )
    autocomplete_fields = ("partenaire", "signataire")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partenaire", "signataire")


class ActionFormSet(BaseInlineFormSet):
    """No action is due before the convention starts (a new convention too: its dates come
    from the main form)."""

    def clean(self):
        super().clean()
        debut = self.instance.date_debut
        for form in self.forms:
            echeance = (form.cleaned_data or {}).get("echeance")
            if form.cleaned_data.get("DELETE") if form.cleaned_data else True:
                continue
            if debut and echeance and echeance < debut and "echeance" not in form.errors:
                form.add_error(
                    "echeance",
                    "L'échéance ne peut pas précéder le début de la convention "
                    f"({debut:%d/%m/%Y}).",
                )


class ActionConventionInline(admin.TabularInline):
    portee = Portee(
        "convention__programmes",
        multiple=True,
        ecriture=COORDINATEUR,
        sans_programme="convention__programmes",
    )
    model = ActionConvention
    formset = ActionFormSet
    extra = 0
    fields = ("intitule", "responsable", "responsable_libelle", "echeance", "statut", "ordre")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("responsable__partenaire")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "responsable":
            # Only this convention's parties.
            convention_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = PartieConvention.objects.filter(
                convention_id=convention_id or 0
            ).select_related("partenaire")
        return choix_lus_une_fois(super().formfield_for_foreignkey(db_field, request, **kwargs))


@admin.register(Convention)
class ConventionAdmin(JournalAuditAdminMixin, TransitionAdminMixin, admin.ModelAdmin):
    portee = Portee("programmes", multiple=True, ecriture=COORDINATEUR, sans_programme="programmes")
    change_form_template = "partenaires/admin/convention_change_form.html"
    change_list_template = "partenaires/admin/convention_change_list.html"
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
    autocomplete_fields = ("partenaire", "programmes", "signataire_structure")
    # The old free-text action plan stays readable; the plan is now its actions (inline).
    readonly_fields = (
        "plan_action",
        "signee_le",
        "signature_demandee_le",
        "created_at",
        "ventilation",
    )
    date_hierarchy = "date_debut"
    inlines = (ObjectifInline, PartieConventionInline, ActionConventionInline)
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
        (
            "Signature",
            {
                "fields": (
                    "signataire_structure",
                    "signature_demandee_le",
                    "signataires",
                    "signee_le",
                    "pdf_signe",
                    "created_at",
                )
            },
        ),
        (
            "Indicateurs par public et secteur",
            {"fields": ("ventilation",), "classes": ("collapse",)},
        ),
    )
    actions = [
        transition_action(
            "signer", "Signer la convention", ("convention signée", "conventions signées")
        ),
        "demander_signatures",
        transition_action("activer", "Activer", ("convention activée", "conventions activées")),
        transition_action("terminer", "Terminer", ("convention terminée", "conventions terminées")),
        "produire_rapport",
    ]

    @admin.display(description="indicateurs depuis le début, par public et par secteur")
    def ventilation(self, obj):
        """Staff read the exact figures (partners' downloads suppress those under 5)."""
        if obj is None or obj.pk is None or not obj.est_suivie:
            return "Suivis une fois la convention signée."
        fin = min(max(timezone.localdate(), obj.date_debut), obj.date_fin)
        lignes = indicateurs.ventiler(obj, obj.date_debut, fin)
        entetes = [DEFINITIONS[ind].libelle for ind in publics.VENTILABLES]
        return format_html(
            "<p>Du {} au {}, chiffres exacts (non masqués).</p><table><thead><tr><th>Axe</th>"
            "<th>Groupe</th>{}</tr></thead><tbody>{}</tbody></table>",
            f"{obj.date_debut:%d/%m/%Y}",
            f"{fin:%d/%m/%Y}",
            format_html_join("", "<th>{}</th>", ((e,) for e in entetes)),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td>{}</tr>",
                (
                    (
                        ligne.axe_libelle,
                        ligne.libelle,
                        format_html_join(
                            "",
                            "<td>{}</td>",
                            ((ligne.valeurs[ind],) for ind in publics.VENTILABLES),
                        ),
                    )
                    for ligne in lignes
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        # The parties' inline saves the lead partner's row if it lists it (with its
        # signatory): the model makes it only afterwards, if missing (save_related).
        obj._parties_du_formulaire = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance._parties_du_formulaire = False
        form.instance.partie_porteuse_assurer()
        if change:
            # Its dates or objectives may have changed: the portal's figures counted again.
            services.tableau_faire_recompter(convention_id=form.instance.pk, change=True)
        if change and form.instance.signature_demandee_le is not None:
            retirees = signature.convention_modifiee(convention=form.instance)
            form.instance.refresh_from_db()
            if form.instance.signature_demandee_le is None:
                self.message_user(
                    request,
                    "La convention a changé pendant sa signature : les signatures en ligne "
                    f"({retirees} déjà donnée{'s' if retirees > 1 else ''}) sont retirées. "
                    "Demandez-les à nouveau une fois le texte arrêté.",
                    messages.WARNING,
                )

    def has_signatures_permission(self, request):
        return request.user.has_perm("partenaires.change_convention")

    @admin.action(description="Demander les signatures en ligne", permissions=["signatures"])
    def demander_signatures(self, request, queryset):
        """Each selected convention: its parties' signatories and the city's are invited."""
        for convention in queryset.select_related("signataire_structure").order_by("reference"):
            try:
                n = signature.convention_signatures_demander(
                    convention=convention,
                    signataire_structure=convention.signataire_structure,
                )
            except ValidationError as exc:
                self.message_user(
                    request, f"{convention.reference} : {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                self.log_change(request, convention, "Signatures en ligne demandées.")
                self.message_user(
                    request,
                    f"{convention.reference} : {n} signataire{'s' if n > 1 else ''} invité"
                    f"{'s' if n > 1 else ''} à signer.",
                    messages.SUCCESS,
                )

    def has_rapport_permission(self, request):
        return request.user.has_perm("partenaires.add_rapport")

    @admin.action(description="Produire un rapport sur une période…", permissions=["rapport"])
    def produire_rapport(self, request, queryset):
        """Ask for a period, then request a report on each selected convention."""
        conventions = list(queryset.select_related("partenaire").order_by("reference"))
        if "appliquer" in request.POST:
            form = PeriodeForm(request.POST)
            if form.is_valid():
                self._demander_rapports(request, conventions, **form.cleaned_data)
                return None
        else:
            debut, fin = services.mois_precedent(timezone.localdate())
            form = PeriodeForm(initial={"debut": debut, "fin": fin})
        return TemplateResponse(
            request,
            "partenaires/admin/produire_rapport.html",
            {
                **self.admin_site.each_context(request),
                "title": "Produire un rapport",
                "opts": self.model._meta,
                "form": form,
                "conventions": conventions,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    def _demander_rapports(self, request, conventions, *, debut, fin):
        demandes, refus = [], []
        for rang, convention in enumerate(conventions):
            try:
                demandes.append(
                    services.rapport_demander(
                        convention=convention, debut=debut, fin=fin, par=request.user
                    )
                )
            except LimiteAtteinte as exc:
                restantes = ", ".join(c.reference for c in conventions[rang:])
                refus.append(f"{' '.join(exc.messages)} Non demandés : {restantes}.")
                break
            except ValidationError as exc:
                refus.append(" ".join(exc.messages))
        if demandes:
            n = len(demandes)
            du, au = f"{debut:%d/%m/%Y}", f"{fin:%d/%m/%Y}"
            self.message_user(
                request,
                f"{n} rapport{'s' if n > 1 else ''} du {du} au {au} en cours de production.",
                messages.SUCCESS,
            )
        for raison in refus:
            self.message_user(request, raison, messages.WARNING)

    def get_urls(self):
        def vue(fonction):
            return self.admin_site.admin_view(never_cache(fonction))

        return [
            path("indicateurs/", vue(self.indicateurs_view), name="partenaires_indicateurs"),
            path(
                "<int:pk>/convention.pdf",
                vue(self.convention_pdf_view),
                name="partenaires_convention_pdf",
            ),
            path(
                "<int:pk>/convention-signee.pdf",
                vue(self.convention_signee_view),
                name="partenaires_convention_signee",
            ),
            *super().get_urls(),
        ]

    def _convention_visible(self, request, pk):
        # Another perimeter's convention answers 404, like its change page.
        convention = get_object_or_404(
            self.get_queryset(request).select_related("partenaire").prefetch_related("programmes"),
            pk=pk,
        )
        if not self.has_view_permission(request, convention):
            raise PermissionDenied
        return convention

    def convention_pdf_view(self, request, pk):
        return reponse_convention_pdf(self._convention_visible(request, pk))

    def convention_signee_view(self, request, pk):
        return reponse_convention_signee(self._convention_visible(request, pk))

    def indicateurs_view(self, request):
        """Every partner's figures side by side, over one period."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        aujourd_hui = timezone.localdate()
        form = PeriodeForm(
            request.GET or None,
            initial={"debut": dt.date(aujourd_hui.year, 1, 1), "fin": aujourd_hui},
        )
        if form.is_bound and form.is_valid():
            debut, fin = form.cleaned_data["debut"], form.cleaned_data["fin"]
        else:
            debut, fin = form.initial["debut"], form.initial["fin"]
        conventions = (
            None
            if form.errors
            else selectors.comparatif_conventions(
                debut, fin, conventions=self.get_queryset(request)
            )
        )
        return TemplateResponse(
            request,
            "partenaires/admin/indicateurs.html",
            {
                **self.admin_site.each_context(request),
                "title": "Indicateurs des partenaires",
                "opts": self.model._meta,
                "form": form,
                "debut": debut,
                "fin": fin,
                "conventions": conventions,
                "entetes": [DEFINITIONS[ind] for ind in IND.values],
            },
        )


@admin.register(Objectif)
class ObjectifAdmin(JournalAuditAdminMixin, SelectRelatedMixin, admin.ModelAdmin):
    portee = Portee(
        "convention__programmes",
        multiple=True,
        ecriture=COORDINATEUR,
        sans_programme="convention__programmes",
    )
    list_display = (
        "__str__",
        "convention",
        "indicateur",
        "valeur_cible",
        "periode",
        "public",
        "secteur",
    )
    list_filter = ("indicateur", "periode", "public")
    list_select_related = ("convention", "secteur")
    search_fields = ("convention__reference", "convention__titre")
    autocomplete_fields = ("convention",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.tableau_faire_recompter(convention_id=obj.convention_id, change=True)
        if change and "convention" in form.changed_data and form.initial.get("convention"):
            services.tableau_faire_recompter(convention_id=form.initial["convention"], change=True)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.tableau_faire_recompter(convention_id=obj.convention_id, change=True)

    def delete_queryset(self, request, queryset):
        conventions = set(queryset.values_list("convention_id", flat=True))
        super().delete_queryset(request, queryset)
        for convention_id in sorted(conventions):
            services.tableau_faire_recompter(convention_id=convention_id, change=True)


class RapportForm(LoadedRelationsForm):
    demandeur = None  # the staff member asking, set by RapportAdmin.get_form

    class Meta:
        model = Rapport
        fields = ("convention", "periode_debut", "periode_fin")

    def clean(self):
        cleaned = super().clean()
        convention = cleaned.get("convention")
        debut, fin = cleaned.get("periode_debut"), cleaned.get("periode_fin")
        if self.instance.pk is None and convention and debut and fin:
            try:
                services.rapport_demande_verifier(
                    convention=convention, debut=debut, fin=fin, par=self.demandeur
                )
            except LimiteAtteinte as exc:
                self.add_error(None, exc)
            except ValidationError as exc:
                erreurs_vers_formulaire(
                    self,
                    exc,
                    champs={"debut": "periode_debut", "fin": "periode_fin"},
                    general="convention",
                )
        return cleaned


@admin.register(Rapport)
class RapportAdmin(TransitionAdminMixin, admin.ModelAdmin):
    """Reports are produced by a task; staff request one and then only read it."""

    portee = Portee(
        "convention__programmes",
        multiple=True,
        ecriture=COORDINATEUR,
        sans_programme="convention__programmes",
    )

    form = RapportForm
    fields = (
        "convention",
        "periode_debut",
        "periode_fin",
        "statut",
        "progression",
        "automatique",
        "demande_par",
        "fichiers",
        "erreur",
        "created_at",
        "demarre_le",
        "genere_le",
        "reprise_le",
        "motif_reprise",
    )

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
        "fichiers",
        "erreur",
        "created_at",
        "demarre_le",
        "genere_le",
        "reprise_le",
        "motif_reprise",
    )
    date_hierarchy = "created_at"
    actions = ["relancer"]

    @admin.display(description="fichiers")
    def fichiers(self, obj):
        if obj.pk is None or not obj.est_pret:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                (
                    (
                        reverse("admin:partenaires_rapport_fichier", args=[obj.pk, extension]),
                        libelle,
                    )
                    for extension, libelle in (
                        ("pdf", "Télécharger le PDF"),
                        ("csv", "Télécharger le CSV"),
                        ("xlsx", "Télécharger le XLSX"),
                        ("ventilation", "Télécharger le CSV par public et secteur"),
                    )
                    if getattr(obj, documents.FICHIERS_RAPPORT[extension][0])
                ),
            ),
        )

    @admin.action(
        description="Relancer la production des rapports en échec", permissions=["change"]
    )
    def relancer(self, request, queryset):
        relances = 0
        for rapport in queryset.filter(statut=Rapport.Statut.ECHEC).order_by("pk"):
            services.rapport_relancer(rapport=rapport)
            relances += 1
        if relances:
            self.message_user(request, f"{relances} rapport(s) relancé(s).", messages.SUCCESS)
        else:
            self.message_user(
                request, "Aucun des rapports choisis n'est en échec.", messages.WARNING
            )

    def get_urls(self):
        return [
            path(
                "<int:pk>/fichier/<str:extension>/",
                self.admin_site.admin_view(never_cache(self.fichier_view)),
                name="partenaires_rapport_fichier",
            ),
            *super().get_urls(),
        ]

    def fichier_view(self, request, pk, extension):
        rapport = get_object_or_404(self.get_queryset(request).select_related("convention"), pk=pk)
        if not self.has_view_permission(request, rapport):
            raise PermissionDenied
        return reponse_fichier_rapport(rapport, extension)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["convention", "periode_debut", "periode_fin"]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"demandeur": request.user})

    def save_model(self, request, obj, form, change):
        if not change:
            obj.demande_par = request.user
        super().save_model(request, obj, form, change)
        if not change:
            services.rapport_planifier(rapport=obj)


@admin.register(Prescription)
class PrescriptionAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Referrals are made in the partner portal (the service e-mails the invitation): read-only."""

    portee = Portee("programme", ("filleul__commune", "partenaire__commune"))

    list_display = (
        "nom",
        "prenom",
        "email",
        "mode",
        "programme",
        "partenaire",
        "conseiller",
        "created_at",
        "utilisee_le",
        "filleul",
    )
    list_filter = ("programme", "partenaire__type", "mode")
    list_select_related = ("programme", "partenaire", "conseiller", "filleul__user")
    search_fields = ("nom", "prenom", "email", "partenaire__nom")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _rapports_en_echec(request):
    """Partners' reports whose production failed, among the conventions the staff member
    sees (their programmes)."""
    return dans_le_perimetre(request, Rapport.objects.filter(statut=Rapport.Statut.ECHEC)).count()


admin.site.tableau_de_bord_ajouter("rapports_en_echec", _rapports_en_echec)
