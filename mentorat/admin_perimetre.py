"""The back office shows each staff member their structures' programmes and territories only.

``MentoratAdminSite.register`` mixes ``PerimetreAdminMixin`` into every ModelAdmin of the site
(ours and third-party ones) and refuses, at start-up, a ModelAdmin that does not say what its
rows' perimeter is (``portee``):

- a ``Portee`` (``mentorat/perimetre.py``): the paths from a row to its programme and place;
- ``RESERVE_ADMINISTRATEURS``: platform internals and accounts' secrets (the outbox, the audit
  log, the task schedules, the groups, second factors…), for the Administrateur group only;
- ``REFERENTIEL``: shared reference lists every staff member reads (communes, sectors…),
  changed by the Administrateur group only; ``REFERENTIEL_PARTAGE``: shared lists any
  programme's coordinator may extend (the refusal reasons);
- a function ``(request, queryset) -> queryset`` for a model whose perimeter is not a path
  (the accounts: the staff member's own, their structures' staff, the people they may see).

From the declaration follow, in one place: the changelist, the search, the autocomplete, the
change, history and delete pages (another perimeter's id answers 404), the choices of every
foreign key and many-to-many field, the related list filters (only the related rows seen, read
from the related model's perimeter: never a scan of the list for its distinct values), and the
actions (applied only to the rows the staff member's role lets them change).
"""

import functools

from django.contrib.admin import RelatedFieldListFilter, RelatedOnlyFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.forms import ModelMultipleChoiceField
from django.http import Http404

from .perimetre import (
    COORDINATEUR,
    LECTURE,
    RESERVE_ADMINISTRATEURS,
    Portee,
    perimetre_de,
)

REFERENTIEL = "referentiel"
REFERENTIEL_PARTAGE = "referentiel_partage"
DECLARATIONS = (RESERVE_ADMINISTRATEURS, REFERENTIEL, REFERENTIEL_PARTAGE)

# Third-party models of the site: all of them are platform internals or accounts' secrets.
PORTEES_TIERCES = {
    "auth.group": RESERVE_ADMINISTRATEURS,
    "auth.user": RESERVE_ADMINISTRATEURS,  # swapped for mentorat.User: never shown
    "auditlog.logentry": RESERVE_ADMINISTRATEURS,
    "account.emailaddress": RESERVE_ADMINISTRATEURS,
    "mfa.authenticator": RESERVE_ADMINISTRATEURS,
    # Registered by allauth, then taken out of the admin (mentorat/admin.py).
    "socialaccount.socialapp": RESERVE_ADMINISTRATEURS,
    "socialaccount.socialaccount": RESERVE_ADMINISTRATEURS,
    "socialaccount.socialtoken": RESERVE_ADMINISTRATEURS,
    "django_celery_beat.periodictask": RESERVE_ADMINISTRATEURS,
    "django_celery_beat.intervalschedule": RESERVE_ADMINISTRATEURS,
    "django_celery_beat.crontabschedule": RESERVE_ADMINISTRATEURS,
    "django_celery_beat.solarschedule": RESERVE_ADMINISTRATEURS,
    "django_celery_beat.clockedschedule": RESERVE_ADMINISTRATEURS,
}


def declaration_valide(portee) -> bool:
    return isinstance(portee, Portee) or portee in DECLARATIONS or callable(portee)


def borner(portee, request, queryset, role: str = LECTURE):
    """``queryset`` limited to what ``request``'s staff member may see (or do, with ``role``)."""
    perimetre = perimetre_de(request)
    if perimetre.tout:
        return queryset
    if isinstance(portee, Portee):
        return perimetre.filtrer(queryset, portee, role)
    if portee in (REFERENTIEL, REFERENTIEL_PARTAGE):
        return queryset
    if callable(portee) and portee not in DECLARATIONS:
        return portee(request, queryset, role) if not perimetre.vide else queryset.none()
    return queryset.none()


def choix_bornes(admin_site, db_field, request, formfield, role: str):
    """A related field's choices on a form that writes: the related rows the staff member may
    write with ``role`` (the related model's perimeter), shared reference lists whole."""
    if formfield is None or not hasattr(formfield, "queryset"):
        return formfield
    if perimetre_de(request).tout:
        return formfield
    cible = admin_site._registry.get(db_field.remote_field.model)
    portee = getattr(cible, "portee", None)
    if cible is None:
        portee = getattr(db_field.remote_field.model, "portee_des_choix", None)
    if portee is not None and portee not in (REFERENTIEL, REFERENTIEL_PARTAGE):
        formfield.queryset = borner(portee, request, formfield.queryset, role)
    return formfield


class PerimetreInlineMixin:
    """An inline of a ModelAdmin: its rows and its related fields' choices follow the
    perimeter too (``MentoratAdminSite.register`` mixes it into every inline). Rows: the
    inline's own ``portee`` if it declares one, else its model's ModelAdmin's; the parent's
    perimeter holds for inlines of neither (a convention's actions)."""

    portee = None

    def _portee_des_lignes(self):
        if self.portee is not None:
            return self.portee
        return getattr(self.admin_site._registry.get(self.model), "portee", None)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        portee = self._portee_des_lignes()
        if portee is None:
            return queryset
        return borner(portee, request, queryset)

    def _role_ecriture(self) -> str:
        return getattr(self._portee_des_lignes(), "ecriture", COORDINATEUR)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        champ = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return choix_bornes(self.admin_site, db_field, request, champ, self._role_ecriture())

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        champ = super().formfield_for_manytomany(db_field, request, **kwargs)
        return choix_bornes(self.admin_site, db_field, request, champ, self._role_ecriture())


class PerimetreRelatedFieldListFilter(RelatedFieldListFilter):
    """A related list filter offering the related rows the staff member sees (the related
    model's perimeter): no scan of the listed table for its distinct values."""

    def field_choices(self, field, request, model_admin):
        cible = model_admin.admin_site._registry.get(field.remote_field.model)
        portee = getattr(cible, "portee", None)
        ordering = self.field_admin_ordering(field, request, model_admin)
        lignes = borner(portee, request, field.remote_field.model._default_manager.all())
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": lignes.values("pk")}, ordering=ordering
        )


def _filtre_borne(model_admin, champ):
    """The list filter class of a relation for a staff member who does not see everything."""
    cible = model_admin.admin_site._registry.get(champ.remote_field.model)
    portee = getattr(cible, "portee", None)
    if portee in (REFERENTIEL, REFERENTIEL_PARTAGE):
        return RelatedFieldListFilter  # shared lists: every value
    if isinstance(portee, Portee) or (callable(portee) and portee not in DECLARATIONS):
        return PerimetreRelatedFieldListFilter
    return RelatedOnlyFieldListFilter  # the values of the rows seen


def dans_le_perimetre(request, queryset, role: str = LECTURE):
    """``queryset`` limited as its model's ModelAdmin limits it, for the pages and readers
    outside the changelists (a filter's choices, the dashboard, the follow-up page, a staff
    page outside the admin): the model's declaration is the one rule. A model with no
    ModelAdmin is the Administrateur's."""
    from django.contrib import admin as admin_module

    modele_admin = admin_module.site._registry.get(queryset.model)
    portee = getattr(modele_admin, "portee", RESERVE_ADMINISTRATEURS)
    return borner(portee, request, queryset, role)


class PerimetreAdminMixin:
    portee = None

    # -- rows ----------------------------------------------------------------------------

    def get_queryset(self, request):
        return borner(self.portee, request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        # Another perimeter's row, a deleted one and one that never existed answer alike, and
        # before any question of rights (Django asks whether the staff member may change or
        # delete *a* row before it says there is none: a 403 where the row is not theirs).
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    # -- rights --------------------------------------------------------------------------

    def _role_ecriture(self) -> str:
        # A Portee's, or a function's ``ecriture`` attribute; coordinators otherwise.
        return getattr(self.portee, "ecriture", COORDINATEUR)

    def _peut_ecrire(self, request, obj=None) -> bool:
        perimetre = perimetre_de(request)
        if perimetre.tout:
            return True
        if self.portee in (RESERVE_ADMINISTRATEURS, REFERENTIEL):
            return False
        if self.portee == REFERENTIEL_PARTAGE:
            return perimetre.peut(COORDINATEUR)
        role = self._role_ecriture()
        if obj is None or obj.pk is None:
            return perimetre.peut(role)
        if perimetre.peut_partout(role) and not getattr(self.portee, "ligne_par_ligne", False):
            return perimetre.peut(role)
        cache = request.__dict__.setdefault("_ecriture_permise", {})
        cle = (self.model._meta.label, obj.pk)
        if cle not in cache:
            lignes = self.model._default_manager.filter(pk=obj.pk)
            cache[cle] = borner(self.portee, request, lignes, role).exists()
        return cache[cle]

    def has_module_permission(self, request):
        if self.portee == RESERVE_ADMINISTRATEURS and not perimetre_de(request).tout:
            return False
        return super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if self.portee == RESERVE_ADMINISTRATEURS and not perimetre_de(request).tout:
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self._peut_ecrire(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._peut_ecrire(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._peut_ecrire(request, obj)

    # -- actions: applied only to the rows the role lets the staff member change ------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if perimetre_de(request).tout:
            return actions
        role = self._role_ecriture()
        portee = self.portee
        ecrire = self._peut_ecrire(request)
        enveloppees = {}
        for nom, (fonction, libelle, description) in actions.items():
            lecture = set(getattr(fonction, "allowed_permissions", ())) == {"view"}
            if not lecture and not ecrire:
                # An action that changes rows (or makes some: a matching run, a report) is
                # not offered to a role that may change none of them.
                continue

            def bornee(modeladmin, req, queryset, _fonction=fonction, _lecture=lecture):
                if not _lecture:
                    queryset = borner(portee, req, queryset, role)
                return _fonction(modeladmin, req, queryset)

            functools.update_wrapper(bornee, fonction)
            enveloppees[nom] = (bornee, libelle, description)
        return enveloppees

    def save_related(self, request, form, formsets, change):
        """A many-to-many field offers only the values of the perimeter: the values it holds
        outside of it (a mentor of two structures' programmes, a convention of several) are
        not the staff member's to remove, and stay."""
        gardes = {}
        if change and not perimetre_de(request).tout:
            for nom, champ in form.fields.items():
                if not isinstance(champ, ModelMultipleChoiceField):
                    continue
                try:
                    champ_modele = self.model._meta.get_field(nom)
                except FieldDoesNotExist:
                    continue
                if not champ_modele.many_to_many or champ_modele.auto_created:
                    continue
                avant = set(getattr(form.instance, nom).values_list("pk", flat=True))
                vus = set(champ.queryset.filter(pk__in=avant).values_list("pk", flat=True))
                if avant - vus:
                    gardes[nom] = avant - vus
        super().save_related(request, form, formsets, change)
        for nom, ids in gardes.items():
            getattr(form.instance, nom).add(*ids)

    # -- choices of related fields and filters --------------------------------------------

    def _borner_choix(self, formfield, db_field, request):
        # A form writes: the related rows the staff member may write with this model's role
        # (a counsellor in one structure and read-only in another places nothing in the other).
        return choix_bornes(self.admin_site, db_field, request, formfield, self._role_ecriture())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        champ = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._borner_choix(champ, db_field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        champ = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._borner_choix(champ, db_field, request)

    def get_list_filter(self, request):
        filtres = super().get_list_filter(request)
        if perimetre_de(request).tout:
            return filtres
        bornes = []
        for filtre in filtres:
            if isinstance(filtre, str):
                chemin, classe = filtre, None
            elif isinstance(filtre, tuple | list):
                chemin, classe = filtre[0], filtre[1]
            else:  # a SimpleListFilter: its own choices
                chemin, classe = None, filtre
            if isinstance(chemin, str) and classe in (None, RelatedFieldListFilter):
                try:
                    champ = get_fields_from_path(self.model, chemin)[-1]
                except (FieldDoesNotExist, Exception):
                    champ = None
                if champ is not None and champ.is_relation:
                    bornes.append((chemin, _filtre_borne(self, champ)))
                    continue
            bornes.append(filtre)
        return bornes


# The accounts a staff member sees: their own, their structures' staff, and the accounts of the
# people (mentors, mentees, partners' members) their perimeter holds; by the models' admins,
# named here by label (this core app does not import the apps above it).
COMPTES_PAR = (
    ("parrainages.parrain", "parrain"),
    ("parrainages.filleul", "filleul"),
    ("partenaires.membre", "adhesions"),
)


def comptes_du_perimetre(request, queryset, role: str = LECTURE):
    """The accounts seen (``LECTURE``), or changed (a higher role): colleagues' staff accounts
    are only seen, so a change is checked account by account (``ligne_par_ligne``)."""
    from django.apps import apps
    from django.contrib import admin as admin_module
    from django.db.models import Q

    # Their structures' staff, whether or not a structure runs a programme yet: read only
    # (a staff account's rights are the Administrateur's to change).
    condition = Q(pk=request.user.pk)
    if role == LECTURE:
        condition |= Q(affectations__structure__affectations__user_id=request.user.pk)
    site = admin_module.site
    for label, chemin in COMPTES_PAR:
        app_label, model_name = label.split(".")
        modele = apps.get_model(app_label, model_name)
        admin_modele = site._registry.get(modele)
        if admin_modele is None:
            continue
        lignes = borner(admin_modele.portee, request, modele._default_manager.all(), role)
        condition |= Q(**{f"{chemin}__in": lignes.values("pk")})
    ids = queryset.model._default_manager.filter(condition).values("pk")
    return queryset.filter(pk__in=ids)


comptes_du_perimetre.ligne_par_ligne = True
