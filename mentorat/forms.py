from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from .fields import NomField


def erreurs_vers_formulaire(
    form: forms.BaseForm,
    exc: ValidationError,
    *,
    champs: dict[str, str] | None = None,
    general: str | None = None,
) -> None:
    """Show a service's refusal on ``form``: each error under the field it names (``champs``
    renames the service's names to the form's), the others under ``general`` (None: above
    the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(general, exc)
        return
    for champ, erreurs in exc.error_dict.items():
        champ = (champs or {}).get(champ, champ)
        form.add_error(champ if champ in form.fields else general, erreurs)


class InscriptionForm(forms.Form):
    """Extra fields of the sign-up form (allauth adds e-mail and password)."""

    first_name = NomField(
        label="Prénom", widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = NomField(label="Nom", widget=forms.TextInput(attrs={"autocomplete": "family-name"}))

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])


# --- Signing a document (``mentorat.signatures``) ----------------------------------------------


class AcceptationForm(forms.Form):
    acceptation = forms.BooleanField(
        label="J'ai lu le document et j'en accepte les termes.",
        error_messages={"required": "Cochez la case pour accepter le document avant de signer."},
    )


class CodeSignatureForm(forms.Form):
    code = forms.CharField(
        label="Code reçu par e-mail ou par SMS (6 chiffres)",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )


class RefusSignatureForm(forms.Form):
    motif = forms.CharField(
        label="Pourquoi refusez-vous de signer ?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez pourquoi vous refusez de signer."},
    )


class ChoixMultiplesBornes(forms.ModelMultipleChoiceField):
    """Rows ticked in a list: an id beyond the database's integer range is an invalid choice.

    Django checks the ids posted with an ``IN`` query, which crashes on SQLite for such a value
    from a tampered form (``OverflowError``) instead of refusing it.
    """

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            texte = str(pk).strip().lstrip("+-").lstrip("0")
            # Compared by length first: int() refuses strings of more than 4,300 digits.
            if texte.isascii() and texte.isdigit() and (len(texte) > 19 or int(texte) >= 2**63):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class SuggestionsInput(forms.TextInput):
    """A text input followed by its own, empty, list of suggestions that a script fills while
    the person types (``static/js/communes.js``, ``etablissements.js``). The ``list`` attribute
    refers to an element the server sent, as HTML requires, one per field, so that two such
    fields on a page never share an id."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        liste = f"{attrs.get('id') or 'id_' + name}-suggestions"
        attrs["list"] = liste
        champ = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}"></datalist>', champ, liste)
