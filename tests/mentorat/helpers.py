"""What several test modules share about the admin."""

import datetime as dt
from html.parser import HTMLParser


def form_data(response):
    """The POST data of a change page as it was displayed (main form and inline formsets)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += list(formset.forms)
        management = formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, dt.datetime):
                data[key + "_0"], data[key + "_1"] = (
                    value.date().isoformat(),
                    value.time().isoformat(),
                )
            elif value is True:
                data[key] = "on"
            else:
                data[key] = str(value)
    return data


class _Champs(HTMLParser):
    """The form fields of a page and the names they get from a label or an ARIA attribute."""

    def __init__(self):
        super().__init__()
        self.champs = []  # (tag, attributes, inside a <label>)
        self.ids = set()
        self.cibles = {}  # a <label>'s for → its text so far
        self._labels = []  # the <label> elements open, their "for" (or None)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "label":
            self._labels.append(attrs.get("for"))
            if attrs.get("for"):
                self.cibles.setdefault(attrs["for"], "")
        elif tag in ("input", "select", "textarea"):
            self.champs.append((tag, attrs, bool(self._labels)))
        elif tag == "img":
            self.handle_data(attrs.get("alt") or "")

    def handle_endtag(self, tag):
        if tag == "label" and self._labels:
            self._labels.pop()

    def handle_data(self, data):
        for cible in self._labels:
            if cible:
                self.cibles[cible] += data


SANS_ETIQUETTE = {"hidden", "submit", "button", "reset"}  # named by their value, or unseen


def champs_sans_nom(html: str) -> list[str]:
    """Each visible ``<input>``, ``<select>`` and ``<textarea>`` of ``html`` that has no name
    for a screen reader: no ``<label for>`` with text, no enclosing ``<label>``, no
    ``aria-label``, no ``aria-labelledby`` pointing at an element of the page."""
    lecteur = _Champs()
    lecteur.feed(html)
    sans = []
    for tag, attrs, dans_un_label in lecteur.champs:
        if tag == "input" and attrs.get("type", "text") in SANS_ETIQUETTE:
            continue
        if (attrs.get("aria-label") or "").strip() or dans_un_label:
            continue
        references = (attrs.get("aria-labelledby") or "").split()
        if references and all(r in lecteur.ids for r in references):
            continue
        if attrs.get("id") and lecteur.cibles.get(attrs["id"], "").strip():
            continue
        sans.append(f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>")
    return sans
