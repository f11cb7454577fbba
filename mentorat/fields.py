"""Model fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models


class ChoiceListField(models.JSONField):
    """A list of values taken from ``choices``, stored as JSON (works on SQLite and PostgreSQL).

    The admin shows it as checkboxes; every value is validated against the choices.
    """

    def __init__(self, *args, item_choices=None, **kwargs):
        self.item_choices = list(item_choices or [])
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["item_choices"] = self.item_choices
        if kwargs.get("default") is list:
            del kwargs["default"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = {key for key, _label in self.item_choices}
        if not isinstance(value, list):
            raise ValidationError("Une liste de valeurs est attendue.", code="invalid")
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ValidationError(
                "Valeur(s) inconnue(s) : %(values)s.",
                code="invalid_choice",
                params={"values": ", ".join(map(str, unknown))},
            )

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.item_choices,
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
            "label": self.verbose_name,
            "help_text": self.help_text,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        for key in ("encoder", "decoder", "max_length"):
            defaults.pop(key, None)
        return form_class(**defaults)


def private_storage():
    """Storage for generated documents: never under a public URL."""
    from django.core.files.storage import storages

    return storages["private"]
