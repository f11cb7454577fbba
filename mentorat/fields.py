"""Model fields shared by the apps."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.dateparse import parse_datetime

from .horaires import instant_local
from .texte import texte_nettoye, valider_texte_saisi


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


class PrivateStorage(Storage):
    """Delegates to the "private" storage of STORAGES at each call.

    A FileField resolves its storage once, at import; delegating keeps the configured backend
    (and a test's temporary folder) authoritative.
    """

    def _backend(self):
        from django.core.files.storage import storages

        return storages["private"]

    def _open(self, name, mode="rb"):
        return self._backend()._open(name, mode)

    def _save(self, name, content):
        return self._backend()._save(name, content)

    def get_available_name(self, name, max_length=None):
        return self._backend().get_available_name(name, max_length=max_length)

    def delete(self, name):
        return self._backend().delete(name)

    def exists(self, name):
        return self._backend().exists(name)

    def listdir(self, path):
        return self._backend().listdir(path)

    def size(self, name):
        return self._backend().size(name)

    def path(self, name):
        return self._backend().path(name)

    def url(self, name):
        raise NotImplementedError("Les documents privés ne sont servis que par une vue.")

    def get_modified_time(self, name):
        return self._backend().get_modified_time(name)


def private_storage():
    """Storage for generated documents: never under a public URL."""
    return PrivateStorage()


def bornes(minimum: int, maximum: int) -> list:
    """Validators that keep a number within what the platform's forms offer, so that a value
    posted past the form's own limits (or typed in the admin) is refused with a French message."""
    return [MinValueValidator(minimum), MaxValueValidator(maximum)]


class DateHeureField(forms.DateTimeField):
    """A date and time typed in Paris, read as one instant even on the two daylight-saving
    days a year (see ``mentorat.horaires.instant_local``), where Django's own field refuses
    02:00–02:59."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                moment = parse_datetime(value.strip())
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
            if moment is None:
                moment = forms.fields.BaseTemporalField.to_python(self, value)
            return self._instant(moment)
        if isinstance(value, dt.datetime):
            return self._instant(value)
        return super().to_python(value)

    def _instant(self, moment):
        # The first minutes of year 1 in Paris (local mean time, +00:09:21) are before the
        # first instant a datetime can hold in UTC: refused as any impossible date.
        try:
            return instant_local(moment)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class NomField(forms.CharField):
    """A name typed by a person (first name, last name, company…): NFC, stripped, and free
    of any character that would break a document (``mentorat.texte``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(*args, **kwargs)
        self.validators.append(valider_texte_saisi)

    def to_python(self, value):
        value = super().to_python(value)
        return texte_nettoye(value) if value else value


def fichier_supprimer_apres_validation(fichier) -> None:
    """Delete a stored file (a ``FieldFile``) once the current transaction is committed.

    A transaction that rolls back leaves the file in place, with the row that names it. The
    deletion is robust: a file that cannot be deleted is logged, and the other callbacks of
    the transaction still run.
    """
    if not fichier:
        return
    stockage, nom = fichier.storage, fichier.name
    transaction.on_commit(lambda: stockage.delete(nom), robust=True)
