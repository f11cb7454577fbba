"""Staff admin: the user accounts, and the building blocks every app's admin shares.

Status fields never change by hand in the admin: they are read-only, and they move either from
a list action (``transition_action``) or, for a single record and when a reason is needed,
from the "Décision" section of its change form (``DecisionAdminMixin``). Forms validate,
services write: a decision's form only checks that the move is legal (and its reason given);
the service it names runs in ``save_model``, once the whole form and its inlines are valid, the
same service the portals call. A service that refuses at that point (the row changed
meanwhile) is an error message on the form, with nothing saved.
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import allauth.account.admin  # noqa: F401  (registered first, re-registered below)
import allauth.mfa.admin  # noqa: F401
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry as AuditLogEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from . import effacement
from .admin_perimetre import comptes_du_perimetre
from .admin_widgets import AutocompleteAccessible, avec_option_vide
from .audit import modeles_journalises
from .canaux import telephone_saisir
from .comptes import activation_renvoyer, compte_creer
from .models import Envoi, IdentiteCertifiee, Partie, User
from .perimetre import RESERVE_ADMINISTRATEURS

# --- Shared helpers ----------------------------------------------------------------------------

# Django 5.2 warns on every URL form field that does not say which scheme to assume.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class LoadedAutocompleteSelect(AutocompleteAccessible):
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
        label = self.choices.field.label_from_instance(obj)
        return avec_option_vide(
            self, name, [(None, [self.create_option(name, obj.pk, label, True, 0)], 0)]
        )


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
    """An admin action that moves each selected row, one after the other.

    ``name`` is the model's transition method (``ouvrir``…), ``done`` the singular and plural
    of what the success message counts (``("candidature retenue", "candidatures retenues")``).
    ``apply(obj, request)``, when given, makes the whole change itself (a service: it saves
    and returns the row); by default the transition method runs and the row is saved.
    """

    def action(modeladmin, request, queryset):
        call = apply or _transition_then_save(name)
        modeladmin.apply_transition(request, queryset, call, done, description)

    action.__name__ = name
    action.__qualname__ = name
    return admin.action(description=description, permissions=["change"])(action)


def _transition_then_save(name):
    def call(obj, _request):
        getattr(obj, name)()
        obj.save()
        return obj

    return call


class TransitionAdminMixin(SelectRelatedMixin):
    """Status is read-only; the transition actions change it."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "statut" in fields else [*fields, "statut"]

    def apply_transition(self, request, queryset, call, done, description):
        """Row by row, each in its savepoint: a refused row leaves the others done."""
        pks = list(queryset.values_list("pk", flat=True))
        rows = (
            self.model._default_manager.filter(pk__in=pks)
            .select_related(*(self.list_select_related or ()))
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        changed = []
        refused = defaultdict(list)
        with transaction.atomic():
            for obj in rows:
                before = obj.get_statut_display()
                try:
                    with transaction.atomic():
                        after = call(obj, request).get_statut_display()
                except ValidationError as exc:
                    refused[" ".join(exc.messages)].append(obj)
                    continue
                changed.append(obj)
                self.log_change(request, obj, f"{description} : {before} → {after}.")
        self.report_transition(request, len(changed), refused, done)

    def report_transition(self, request, changed: int, refused: dict, done):
        """One success message counting the rows changed, one warning per reason of refusal."""
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
    """A transition offered on a change form.

    ``cible``: the status it leads to (offered only when the move is legal). ``service(obj,
    motif=..., par=...)``: the service that makes it, called once the form is valid; it
    returns what ``annonce`` (optional) turns into a message for staff. ``motif_requis``: the
    form refuses the decision without a reason. ``avec_formulaire``: the service also receives
    the form's ``cleaned_data`` (``formulaire=``), for a form that adds fields of its own.
    """

    label: str
    cible: str
    service: Callable
    motif_requis: bool = False
    annonce: Callable | None = None
    avec_formulaire: bool = False


DECISION_FIELDS = ("decision", "motif")
MOTIF_MANQUANT = "Indiquez le motif de la décision."


class DecisionForm(LoadedRelationsForm):
    """Adds a "decision" (a legal transition of this record) and its reason.

    Validation only: nothing is changed nor sent here (``DecisionAdminMixin.save_model``
    calls the decision's service).
    """

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
            decision = self.decisions[key]
            if not self.instance.peut_passer_a(decision.cible):
                self.add_error("decision", "Cette décision n'est plus possible.")
            elif decision.motif_requis and not cleaned.get("motif", "").strip():
                self.add_error("motif", MOTIF_MANQUANT)
        return cleaned


class DecisionRefusee(Exception):
    """The decision's service refused at save time: the change form's work is undone."""

    def __init__(self, raison: str):
        super().__init__(raison)
        self.raison = raison


class DecisionAdminMixin(TransitionAdminMixin):
    """A "Décision" section on the change form, for transitions of one record."""

    form = DecisionForm
    decisions: dict[str, Decision] = {}
    # The decision's own fields (a subclass of ``DecisionForm`` may add some).
    decision_fields = DECISION_FIELDS

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.decisions = self.decisions
        return form

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f not in self.decision_fields]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if (
            obj is not None
            and self.has_change_permission(request, obj)
            and any(obj.peut_passer_a(d.cible) for d in self.decisions.values())
        ):
            fieldsets.append(("Décision", {"fields": self.decision_fields}))
        return fieldsets

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DecisionRefusee as refus:
            # Django's own atomic block around a posted change form rolled back everything
            # the form saved: say so, and show the record as it now is.
            self.message_user(request, f"Rien n'a été enregistré : {refus.raison}", messages.ERROR)
            return redirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Only what the form changed: a whole save would write back the status (and every
        # read-only field) as the page read it, over a change made since by someone else.
        champs = {f.name: f for f in obj._meta.concrete_fields}
        modifies = [nom for nom in form.changed_data if nom in champs]
        if modifies:
            modifies += [nom for nom, f in champs.items() if getattr(f, "auto_now", False)]
            obj.save(update_fields=modifies)
        key = form.cleaned_data.get("decision")
        if not key:
            return
        decision = self.decisions[key]
        extra = {"formulaire": form.cleaned_data} if decision.avec_formulaire else {}
        try:
            resultat = decision.service(
                obj, motif=form.cleaned_data.get("motif", ""), par=request.user, **extra
            )
        except ValidationError as exc:
            raise DecisionRefusee(" ".join(exc.messages)) from exc
        if decision.annonce and (texte := decision.annonce(resultat)):
            self.message_user(request, texte)


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


# --- Audit trail (django-auditlog) -------------------------------------------------------------

ACTIONS_JOURNAL = {
    AuditLogEntry.Action.CREATE: "Création",
    AuditLogEntry.Action.UPDATE: "Modification",
    AuditLogEntry.Action.DELETE: "Suppression",
    AuditLogEntry.Action.ACCESS: "Consultation",
}
OPERATIONS_M2M = {"add": "ajout", "delete": "retrait", "clear": "tout retiré"}
LONGUEUR_MAX = 200


def _valeur_lisible(field, valeur) -> str:
    """A recorded value as staff read it: choice labels, ids of linked rows, oui/non."""
    if valeur in (None, "None", ""):
        return "—"
    valeur = str(valeur)
    if isinstance(field, models.DateTimeField) and (moment := parse_datetime(valeur)):
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        return date_format(timezone.localtime(moment), "d/m/Y H:i")
    if isinstance(field, models.DateField) and (jour := parse_date(valeur)):
        return date_format(jour, "d/m/Y")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(valeur, valeur))
    if field is not None and field.is_relation:
        return f"n° {valeur}"
    if valeur in ("True", "False"):
        return "oui" if valeur == "True" else "non"
    return valeur if len(valeur) <= LONGUEUR_MAX else valeur[:LONGUEUR_MAX] + "…"


def lignes_du_journal(entree) -> list[tuple[str, str, str]]:
    """(field, before, after) rows of an entry, without a query (linked rows shown by id)."""
    model = entree.content_type.model_class()
    lignes = []
    for champ, valeurs in sorted((entree.changes_dict or {}).items()):
        try:
            field = model._meta.get_field(champ) if model else None
        except FieldDoesNotExist:
            field = None
        libelle = str(capfirst(getattr(field, "verbose_name", champ)))
        if isinstance(valeurs, dict):
            operation = OPERATIONS_M2M.get(valeurs.get("operation"), valeurs.get("operation"))
            objets = ", ".join(map(str, valeurs.get("objects", [])))
            lignes.append((libelle, "—", f"{operation} : {objets}"))
        else:
            avant, apres = (list(valeurs) + [None, None])[:2]
            lignes.append((libelle, _valeur_lisible(field, avant), _valeur_lisible(field, apres)))
    return lignes


def journal_html(entree):
    lignes = lignes_du_journal(entree)
    if not lignes:
        return "—"
    return format_html(
        '<table><thead><tr><th scope="col">Champ</th><th scope="col">Avant</th>'
        '<th scope="col">Après</th></tr></thead><tbody>{}</tbody></table>',
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", lignes),
    )


def peut_lire_le_journal(user) -> bool:
    """The audit trail is for the "Administrateur" group (and superusers), not Gestionnaires."""
    return user.has_perm("auditlog.view_logentry")


class JournalAuditAdminMixin:
    """The change page's "Historique" shows the audit trail to those who may read it.

    Everyone else keeps Django's history of admin actions.
    """

    journal_par_page = 50

    def history_view(self, request, object_id, extra_context=None):
        if not peut_lire_le_journal(request.user):
            return super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entrees = (
            AuditLogEntry.objects.get_for_object(obj)
            .select_related("actor", "content_type")
            .order_by("-timestamp", "-pk")
        )
        page = Paginator(entrees, self.journal_par_page).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Journal d'audit : {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "page": page,
            "entrees": [
                (e, ACTIONS_JOURNAL.get(e.action, e.action), lignes_du_journal(e)) for e in page
            ],
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/journal_audit.html", context)


class ModeleJournaliseFilter(admin.SimpleListFilter):
    """The kind of record, from the registered models (not a scan of the whole trail)."""

    title = "type de fiche"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return sorted(
            (
                (model._meta.label_lower, capfirst(model._meta.verbose_name))
                for model in modeles_journalises()
            ),
            key=lambda choix: choix[1],
        )

    def queryset(self, request, queryset):
        if not self.value() or "." not in self.value():
            return queryset
        app_label, model = self.value().split(".", 1)
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


admin.site.unregister(AuditLogEntry)


@admin.register(AuditLogEntry)
class JournalAdmin(LogEntryAdmin):
    """auditlog's entry list, in French, changes shown without a query per linked row.

    Sized for a trail of millions of rows: no date hierarchy nor filter built by scanning
    the table.
    """

    portee = RESERVE_ADMINISTRATEURS

    list_display = ["created", "resource_url", "action_fr", "msg_short", "user_url"]
    list_filter = [("timestamp", admin.DateFieldListFilter), "action", ModeleJournaliseFilter]
    date_hierarchy = None
    search_fields = ["object_repr", "actor__email", "actor__last_name", "actor__first_name"]
    readonly_fields = ["created", "resource_url", "action_fr", "user_url", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "resource_url", "cid"]}),
        ("Changements", {"fields": ["action_fr", "msg"]}),
    ]
    show_full_result_count = False

    @admin.display(description="Date", ordering="timestamp")
    def created(self, obj):
        return super().created(obj)

    @admin.display(description="Objet")
    def resource_url(self, obj):
        return super().resource_url(obj)

    @admin.display(description="Auteur")
    def user_url(self, obj):
        if obj.actor_id is None:
            return "plateforme (aucune personne connectée)"
        return super().user_url(obj)

    @admin.display(description="Action", ordering="action")
    def action_fr(self, obj):
        return ACTIONS_JOURNAL.get(obj.action, obj.action)

    @admin.display(description="Champs modifiés")
    def msg_short(self, obj):
        if obj.action in (AuditLogEntry.Action.DELETE, AuditLogEntry.Action.ACCESS):
            return ""
        return ", ".join(ligne[0] for ligne in lignes_du_journal(obj))

    @admin.display(description="Changements")
    def msg(self, obj):
        return journal_html(obj)


# --- Accounts ----------------------------------------------------------------------------------


class CompteCreationForm(forms.ModelForm):
    """An account opened in the admin: who it is for, and (staff) its groups. No password:
    the person chooses theirs from the activation link (``mentorat.comptes``)."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "groups")
        widgets = {"groups": forms.CheckboxSelectMultiple}
        help_texts = {
            "email": "Le lien d'activation y est envoyé : la personne choisit elle-même son mot "
            "de passe.",
            "groups": "Avec un groupe, le compte est celui d'un membre de l'équipe : il active la "
            "double authentification juste après son mot de passe. Sans groupe, c'est un compte "
            "ordinaire (par exemple celui d'un membre d'un partenaire).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("Un compte existe déjà avec cette adresse.")
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
ADD_FIELDS = ("email", "first_name", "last_name")


def identite_certifiee(obj, user_id) -> bool:
    """Whether FranceConnect certified the identity of ``user_id``, read once for the page's
    ``obj`` (the admin asks for its read-only fields several times)."""
    if not hasattr(obj, "_identite_certifiee"):
        obj._identite_certifiee = IdentiteCertifiee.objects.filter(user_id=user_id).exists()
    return obj._identite_certifiee


@admin.register(User)
class UserAdmin(JournalAuditAdminMixin, DjangoUserAdmin):
    portee = staticmethod(comptes_du_perimetre)
    form = UserEditForm
    add_form = CompteCreationForm
    add_form_template = None
    list_display = (
        "email",
        "last_name",
        "first_name",
        "is_staff",
        "is_active",
        "compte_active",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "last_name", "first_name")
    ordering = ("last_name", "first_name", "email")
    # Only the person verifies a number (a code sent to it) or lifts a STOP.
    readonly_fields = ("last_login", "date_joined", "telephone_verifie_le", "sms_refuses_le")
    date_hierarchy = "date_joined"
    show_full_result_count = False
    actions = ["activation_renvoyer"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Identité",
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "telephone",
                    "telephone_verifie_le",
                    "sms_refuses_le",
                )
            },
        ),
        ("Droits", {"fields": ("is_active", *RIGHTS_FIELDS)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "description": "La personne reçoit par e-mail un lien d'activation, valable une "
                "fois : elle y choisit son mot de passe (un membre de l'équipe active ensuite "
                "sa double authentification). D'ici là, aucun mot de passe n'ouvre le compte.",
                "fields": (*ADD_FIELDS, "groups"),
            },
        ),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None and not is_platform_admin(request.user):
            # Only those who hand out rights open staff accounts.
            return ((None, {**self.add_fieldsets[0][1], "fields": ADD_FIELDS}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not is_platform_admin(request.user):
            fields += RIGHTS_FIELDS
        if obj is not None and identite_certifiee(obj, obj.pk):
            # Certified by FranceConnect: changed by FranceConnect only.
            fields += ["first_name", "last_name"]
        return fields

    def has_change_permission(self, request, obj=None):
        # A Gestionnaire manages people, not staff: changing a staff account (its e-mail or
        # password) would let them take it over.
        if obj is not None and obj.is_staff and not is_platform_admin(request.user):
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="activé", boolean=True)
    def compte_active(self, obj):
        return obj.has_usable_password()

    def save_model(self, request, obj, form, change):
        if change and "telephone" in form.changed_data:
            # Another number is not verified: codes would go to whoever has it now.
            obj.telephone = form.initial.get("telephone") or ""
            telephone_saisir(obj, form.cleaned_data.get("telephone") or "")
        if change:
            return super().save_model(request, obj, form, change)
        compte_creer(user=obj, groupes=form.cleaned_data.get("groups") or [], par=request.user)

    def save_related(self, request, form, formsets, change):
        if change:  # a new account's groups are set by ``compte_creer``
            super().save_related(request, form, formsets, change)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            f"Un lien d'activation est envoyé à {obj.email} : le compte s'ouvre quand la "
            "personne y choisit son mot de passe.",
        )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description="Renvoyer le lien d'activation", permissions=["change"])
    def activation_renvoyer(self, request, queryset):
        selection = queryset.count()
        raison = (
            "seuls les comptes ouverts dans l'administration et pas encore activés reçoivent "
            "un lien (un compte déjà activé passe par « Mot de passe oublié »)"
        )
        if not is_platform_admin(request.user):
            queryset = queryset.filter(is_staff=False)  # staff accounts are not theirs to change
            raison += ", et ceux de l'équipe le reçoivent d'un administrateur"
        n = activation_renvoyer(users=queryset, par=request.user)
        self.message_user(
            request,
            f"{n} lien(s) d'activation envoyé(s) ; les liens envoyés avant ne fonctionnent plus.",
        )
        if n < selection:
            self.message_user(
                request, f"{selection - n} compte(s) ignoré(s) : {raison}.", messages.WARNING
            )

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and user.is_staff and self.has_change_permission(request, user):
            # Nobody sets a staff member's password for them: whoever knew it could enrol
            # their own phone as the account's second factor.
            self.message_user(
                request,
                "Le mot de passe d'un membre de l'équipe ne se choisit pas ici : la personne "
                "le choisit elle-même (lien d'activation, ou « Mot de passe oublié » sur la "
                "page de connexion).",
                messages.ERROR,
            )
            return redirect("admin:mentorat_user_change", user.pk)
        return super().user_change_password(request, id, form_url)

    def get_deleted_objects(self, objs, request):
        # Rows that go with the account (one-time signature codes): nobody deletes them by
        # hand (their admin refuses it), but they never stop an erasure.
        supprimes, comptes, permissions, proteges = super().get_deleted_objects(objs, request)
        for modele in effacement.suivent_le_compte():
            permissions.discard(modele._meta.verbose_name)
        return supprimes, comptes, permissions, proteges

    def delete_model(self, request, obj):
        effacer_compte(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            effacer_compte(user)


def effacer_compte(user):
    """Deleting an account from the admin erases it the way the person would: identity gone
    everywhere (audit trail included), anonymous statistics kept, no e-mail to the person."""
    effacement.compte_effacer(user=user, notifier=False)


# allauth's admins list the account of each row: load it with the row.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(allauth.account.admin.EmailAddressAdmin):
    portee = RESERVE_ADMINISTRATEURS
    list_select_related = ("user",)
    show_full_result_count = False


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(allauth.mfa.admin.AuthenticatorAdmin):
    """Seen and removed (a lost phone: set up again at the next visit), never typed in nor
    read: the TOTP secret and the recovery codes' seed stay out of the page."""

    portee = RESERVE_ADMINISTRATEURS

    list_select_related = ("user",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Envoi)
class EnvoiAdmin(admin.ModelAdmin):
    """The outbox: what was sent to whom and when, and what failed (staff can retry)."""

    portee = RESERVE_ADMINISTRATEURS

    list_display = (
        "sujet",
        "email",
        "canal",
        "regle",
        "statut",
        "tentatives",
        "envoye_le",
        "created_at",
    )
    list_filter = ("statut", "canal", "regle", "essentiel")
    search_fields = ("email", "cle", "sujet")
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_select_related = ("destinataire",)
    CONTENU = ("texte", "html", "contexte", "pieces_jointes")
    actions = ["reessayer"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        champs = [f.name for f in Envoi._meta.fields]
        if obj is not None and obj.confidentiel:
            # A code or an access link: not for staff eyes (it would let them act as the
            # recipient). The row says only that there was one.
            champs = [c for c in champs if c not in self.CONTENU] + ["contenu_confidentiel"]
        return champs

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description="contenu")
    def contenu_confidentiel(self, obj):
        return "Confidentiel : ce message porte un code ou un lien d'accès, qui n'est pas affiché."

    @admin.action(description="Envoyer de nouveau", permissions=["change"])
    def reessayer(self, request, queryset):
        """Any message back in the queue, sent again by the worker (a lost e-mail, a fixed
        address); a confidential one whose content was emptied after sending cannot be."""
        from django.utils import timezone

        from .envois import expedier_apres_commit

        sans_contenu = Q(texte="", gabarit="") | Q(email="")
        vides = queryset.filter(sans_contenu).count()
        n = (
            queryset.exclude(sans_contenu)
            .exclude(statut=Envoi.Statut.EN_COURS)
            .update(
                statut=Envoi.Statut.A_ENVOYER,
                tentatives=0,
                prochain_essai=timezone.now(),
                reserve_par="",
                erreur="",
            )
        )
        if n:
            expedier_apres_commit()
        self.message_user(request, f"{n} envoi(s) remis dans la file d'envoi.")
        if vides:
            self.message_user(
                request,
                f"{vides} envoi(s) sans contenu (confidentiel déjà envoyé, ou adresse effacée) : "
                "à redemander par la personne (nouveau code, nouveau lien).",
                messages.WARNING,
            )


# --- Signatures: evidence, never edited by hand ------------------------------------------------

PARTIE_CHAMPS = (
    "document_type",
    "document_id",
    "role",
    "libelle",
    "ordre",
    "user",
    "prenom",
    "nom",
    "fonction",
    "organisme",
    "email",
    "telephone",
    "jeton_expire_le",
    "signee_le",
    "methode",
    "texte_sha256",
    "adresse_ip",
    "user_agent",
    "refusee_le",
    "motif_refus",
    "created_at",
)


class PartieLectureMixin:
    """Who was called to sign, and the evidence of their signature: written by the signature
    machinery (``mentorat.signatures``) only. Staff read; nobody adds, edits or deletes. The
    hash of a party's link is never shown, nor are one-time codes (not in the admin at all)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Partie)
class PartieAdmin(PartieLectureMixin, JournalAuditAdminMixin, SelectRelatedMixin, admin.ModelAdmin):
    portee = RESERVE_ADMINISTRATEURS
    list_display = (
        "__str__",
        "document_type",
        "document_id",
        "role",
        "user",
        "signee_le",
        "refusee_le",
        "methode",
    )
    list_filter = ("document_type", "methode")
    list_select_related = ("document_type", "user")
    search_fields = ("nom", "prenom", "email", "user__email", "=document_id")
    fields = PARTIE_CHAMPS
    readonly_fields = PARTIE_CHAMPS
    date_hierarchy = "created_at"
    show_full_result_count = False


def _envois_en_echec(request):
    """The outbox's failed messages, for the Administrateur (the outbox is theirs)."""
    from .perimetre import perimetre_de

    if not perimetre_de(request).tout:
        return None
    return Envoi.objects.filter(statut=Envoi.Statut.ECHEC).count()


admin.site.tableau_de_bord_ajouter("envois_en_echec", _envois_en_echec)


# FranceConnect and ProConnect are configured from the environment (settings), never in the
# database: allauth's pages for provider apps, their tokens and the linked accounts stay out.
for _modele in (SocialApp, SocialAccount, SocialToken):
    admin.site.unregister(_modele)
