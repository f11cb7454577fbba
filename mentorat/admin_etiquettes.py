"""A name for the admin's fields that Django leaves without one (WCAG 1.3.1, 4.1.2).

- The date and the time of a date-and-time field: the field's label points at neither input
  (Django's ``MultiWidget`` has no ``id_for_label``), so each gets an ``aria-label``
  (« Début (date) », « Début (heure) »), in forms and in inlines alike.
- The fields of a list's editable columns (``list_editable``), written in the list's cells
  without a label: each gets an ``aria-label`` naming the column and the row (« Ordre : Non
  présenté à l'entretien »).

``MentoratAdminSite.register`` mixes ``EtiquettesAdminMixin`` into every ModelAdmin and
``DateHeureEtiqueteesMixin`` into their inlines. The tabular inlines' fields and deletion boxes
have labels in their template (``templates/admin/edit_inline/tabular.html``).
"""

from django.contrib.admin.widgets import AdminSplitDateTime


class DateHeureEtiqueteesMixin:
    """For a ModelAdmin or an inline: the date and the time inputs named after their field."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        champ = super().formfield_for_dbfield(db_field, request, **kwargs)
        if champ is not None and isinstance(champ.widget, AdminSplitDateTime):
            date, heure = champ.widget.widgets
            date.attrs.setdefault("aria-label", f"{champ.label} (date)")
            heure.attrs.setdefault("aria-label", f"{champ.label} (heure)")
        return champ


class FormsetEtiquete:
    """Mixed before a changelist formset class: its forms' visible fields named."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for nom, champ in form.fields.items():
            if champ.widget.is_hidden:
                continue
            libelle = champ.label or nom
            champ.widget.attrs.setdefault("aria-label", f"{libelle} : {form.instance}")
        return form


class EtiquettesAdminMixin(DateHeureEtiqueteesMixin):
    """For a ModelAdmin: its date-and-time fields and its list's editable columns named."""

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        if issubclass(formset, FormsetEtiquete):
            return formset
        return type(formset.__name__, (FormsetEtiquete, formset), {})
