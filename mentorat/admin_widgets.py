"""Admin autocompletes whose HTML is valid before any script runs.

Django's autocomplete renders only the selected option: a required field with nothing chosen
is a ``<select required>`` without any option, one with a value starts with that value, and an
optional one starts with an option without text. HTML forbids all three (a required single
select starts with an empty placeholder option; an option has text), and a screen reader
announces an empty choice. Every autocomplete here starts with « — » of empty value instead.
"""

from django.contrib.admin.widgets import AutocompleteSelect

VIDE = "—"


def avec_option_vide(widget, name, groupes):
    """The options of ``groupes`` with one « — » placeholder first (selected when nothing is)."""
    options = [o for _, opts, _ in groupes for o in opts if o["value"] not in ("", None)]
    vide = widget.create_option(name, "", VIDE, not options, 0)
    for index, option in enumerate(options, start=1):
        option["index"] = str(index)
    return [(None, [vide, *options], 0)]


class AutocompleteAccessible(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        return avec_option_vide(self, name, super().optgroups(name, value, attr))


class AutocompleteAccessibleMixin:
    """For a ModelAdmin or an inline: Django's autocomplete widget, wherever the classes below
    this one created it, becomes the one above (same state, other options); a widget of
    another class (``LoadedAutocompleteSelect`` derives from this one) is left alone."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        champ = super().formfield_for_foreignkey(db_field, request, **kwargs)
        widget = getattr(champ, "widget", None)
        widget = getattr(widget, "widget", widget)  # inside RelatedFieldWidgetWrapper
        if type(widget) is AutocompleteSelect:
            widget.__class__ = AutocompleteAccessible
        return champ
