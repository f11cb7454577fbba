"""Staff admin: the user accounts, and the building blocks every app's admin shares.

Status fields never change by hand in the admin: they are read-only, and they move through
the models' transition methods, either from a list action (``transition_action``) or, for a
single record and when a reason is needed, from the "Décision" section of its change form
(``DecisionAdminMixin``).
"""

import copy
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import allauth.account.admin  # noqa: F401  (registered first, re-registered below)
import allauth.mfa.admin  # noqa: F401
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.html import format_html, format_html_join

from .models import Envoi, User

# --- Shared helpers ----------------------------------------------------------------------------

# Django 5.2 warns on every URL form field that does not say which scheme to assume.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class LoadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that labels its current value from the row's already loaded object.

    Django's widget runs one query per rendered row to label the selected value; in an inline
    whose queryset selects the related row, that object is already in memory.
    """

    loaded = None

    def optgroups(self, name, value, attr=None):
        obj = self.loaded
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if obj is None or selected != {str(obj.pk)}:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(obj)
        options.append(self.create_option(name, obj.pk, label, True, len(options)))
        return [(None, options, 0)]


class LoadedRelationsForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, LoadedAutocompleteSelect):
                model_field = self.instance._meta.get_field(name)
                if model_field.is_cached(self.instance):
                    widget.loaded = model_field.get_cached_value(self.instance)


class LoadedAutocompleteMixin:
    """Autocomplete foreign keys labelled from the loaded row, without a query per field.

    For a model admin or an inline whose ``get_queryset`` selects the related rows (and what
    their ``__str__`` reads).
    """

    form = LoadedRelationsForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LoadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SelectRelatedMixin(LoadedAutocompleteMixin):
    """Load ``list_select_related`` everywhere the admin lists or labels these rows.

    The change list, the autocomplete results and the change form then all avoid one query
    per related object shown (``__str__`` often reads a related row).
    """

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if isinstance(self.list_select_related, list | tuple) and self.list_select_related:
            qs = qs.select_related(*self.list_select_related)
        return qs


def _join_names(objs, limit=5):
    names = ", ".join(f"« {obj} »" for obj in objs[:limit])
    if len(objs) > limit:
        names += f" et {len(objs) - limit} autre(s)"
    return names


def transition_action(
    name: str,
    description: str,
    done: tuple[str, str],
    apply: Callable | None = None,
):
    """An admin action that moves each selected row through a transition method.

    ``name`` is the model method (``retenir``…), ``done`` the singular and plural of what the
    success message counts (``("candidature retenue", "candidatures retenues")``), ``apply``
    an optional ``apply(obj, request)`` when the method needs arguments.
    """

    def action(modeladmin, request, queryset):
        call = apply or (lambda obj, _request: getattr(obj, name)())
        modeladmin.apply_transition(request, queryset, call, done, description)

    action.__name__ = name
    action.__qualname__ = name
    return admin.action(description=description, permissions=["change"])(action)


class TransitionAdminMixin(SelectRelatedMixin):
    """Status is read-only; the transition actions change it, row by row."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "statut" in fields else [*fields, "statut"]

    def apply_transition(self, request, queryset, call, done, description):
        pks = list(queryset.values_list("pk", flat=True))
        rows = (
            self.model._default_manager.filter(pk__in=pks)
            .select_related(*(self.list_select_related or ()))
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        changed = 0
        refused = defaultdict(list)
        with transaction.atomic():
            for obj in rows:
                before = obj.get_statut_display()
                try:
                    with transaction.atomic():
                        call(obj, request)
                        obj.save()
                except ValidationError as exc:
                    refused[" ".join(exc.messages)].append(obj)
                    continue
                changed += 1
                self.log_change(
                    request, obj, f"{description} : {before} → {obj.get_statut_display()}."
                )
        if changed:
            self.message_user(request, f"{changed} {done[changed > 1]}.", messages.SUCCESS)
        for reason, objs in refused.items():
            if len(objs) == 1:
                text = f"{_join_names(objs)} n'a pas été modifié(e) : {reason}"
            else:
                text = (
                    f"{len(objs)} lignes n'ont pas été modifiées ({_join_names(objs)}) : {reason}"
                )
            self.message_user(request, text, messages.WARNING)


@dataclass(frozen=True)
class Decision:
    """A transition offered on a change form; ``apply(obj, motif=..., par=...)`` performs it."""

    label: str
    cible: str
    apply: Callable


DECISION_FIELDS = ("decision", "motif")


class DecisionForm(LoadedRelationsForm):
    """Adds a "decision" (a legal transition of this record) and its reason."""

    decisions: dict = {}

    decision = forms.ChoiceField(label="Décision", required=False)
    motif = forms.CharField(
        label="Motif",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour une non-retenue, une interruption ou une annulation.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        legal = [
            (key, decision.label)
            for key, decision in self.decisions.items()
            if self.instance.pk and self.instance.peut_passer_a(decision.cible)
        ]
        self.fields["decision"].choices = [("", "— Aucune —"), *legal]

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("decision")
        if key:
            trial = copy.copy(self.instance)
            try:
                self.decisions[key].apply(trial, motif=cleaned.get("motif", ""), par=None)
            except ValidationError as exc:
                field = "motif" if hasattr(exc, "error_dict") else "decision"
                self.add_error(field, exc.messages)
        return cleaned


class DecisionAdminMixin(TransitionAdminMixin):
    """A "Décision" section on the change form, for transitions of one record."""

    form = DecisionForm
    decisions: dict[str, Decision] = {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.decisions = self.decisions
        return form

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f not in DECISION_FIELDS]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if (
            obj is not None
            and self.has_change_permission(request, obj)
            and any(obj.peut_passer_a(d.cible) for d in self.decisions.values())
        ):
            fieldsets.append(("Décision", {"fields": DECISION_FIELDS}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        key = form.cleaned_data.get("decision") if change else None
        if key:
            self.decisions[key].apply(
                obj, motif=form.cleaned_data.get("motif", ""), par=request.user
            )
        super().save_model(request, obj, form, change)


def json_html(value):
    """A JSON snapshot (eligibility, match reasons) as a readable list."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong> : {}</li>",
                (
                    (
                        k,
                        v
                        if isinstance(v, str | int | float)
                        else json.dumps(v, ensure_ascii=False),
                    )
                    for k, v in value.items()
                ),
            ),
        )
    if isinstance(value, list):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}</li>",
                (
                    (v if isinstance(v, str | int | float) else json.dumps(v, ensure_ascii=False),)
                    for v in value
                ),
            ),
        )
    return str(value)


def is_platform_admin(user) -> bool:
    """Who may hand out rights: superusers and the "Administrateur" group (it manages groups)."""
    return user.is_superuser or user.has_perm("auth.change_group")


# --- Accounts ----------------------------------------------------------------------------------


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "last_name", "first_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "last_name", "first_name")
    ordering = ("last_name", "first_name", "email")
    readonly_fields = ("last_login", "date_joined")
    date_hierarchy = "date_joined"
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "telephone")}),
        ("Droits", {"fields": ("is_active", *RIGHTS_FIELDS)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not is_platform_admin(request.user):
            fields += RIGHTS_FIELDS
        return fields

    def has_change_permission(self, request, obj=None):
        # A Gestionnaire manages people, not staff: changing a staff account (its e-mail or
        # password) would let them take it over.
        if obj is not None and obj.is_staff and not is_platform_admin(request.user):
            return False
        return super().has_change_permission(request, obj)


# allauth's admins list the account of each row: load it with the row.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(allauth.account.admin.EmailAddressAdmin):
    list_select_related = ("user",)
    show_full_result_count = False


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(allauth.mfa.admin.AuthenticatorAdmin):
    list_select_related = ("user",)


@admin.register(Envoi)
class EnvoiAdmin(admin.ModelAdmin):
    """The outbox: what was sent to whom and when, and what failed (staff can retry)."""

    list_display = ("sujet", "email", "regle", "statut", "tentatives", "envoye_le", "cree_le")
    list_filter = ("statut", "regle", "essentiel")
    search_fields = ("email", "cle", "sujet")
    date_hierarchy = "cree_le"
    show_full_result_count = False
    list_select_related = ("destinataire",)
    readonly_fields = [f.name for f in Envoi._meta.fields]
    actions = ["reessayer"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Renvoyer les envois en échec", permissions=["change"])
    def reessayer(self, request, queryset):
        from django.utils import timezone

        n = queryset.filter(statut=Envoi.Statut.ECHEC).update(
            statut=Envoi.Statut.A_ENVOYER, tentatives=0, prochain_essai=timezone.now()
        )
        self.message_user(request, f"{n} envoi(s) remis dans la file d'envoi.")
