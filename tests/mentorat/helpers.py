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


class FauxBrevo:
    """Brevo's transactional SMS API, served on a free local port by a thread (docs/sms.md):
    ``POST /v3/transactionalSMS/sms`` with the ``api-key`` header and the JSON body
    ``{sender, recipient, content, type}``, answered 201 ``{reference, messageId, smsCount,
    usedCredits, remainingCredits}``; 401 for a wrong key; 400 ``{code, message}`` for a body
    Brevo would refuse (``numeros_invalides``: recipients refused as a dead number).
    ``pannes`` scripts the next answers: an HTTP status (500, 429, 400…)
    or ``"lent"`` (the answer comes after ``lenteur`` seconds)."""

    CLE = "xkeysib-test-0123456789"

    def __init__(self):
        import json
        import re
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        faux = self
        self.recus, self.pannes, self.lenteur = [], [], 2.0
        self.numeros_invalides = set()  # recipients refused as Brevo refuses a dead number

        class Reponses(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _repondre(self, statut, corps):
                donnees = json.dumps(corps).encode()
                self.send_response(statut)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(donnees)))
                self.end_headers()
                self.wfile.write(donnees)

            def do_POST(self):
                longueur = int(self.headers.get("Content-Length") or 0)
                brut = self.rfile.read(longueur)
                if self.path != "/v3/transactionalSMS/sms":
                    return self._repondre(404, {"code": "not_found", "message": "Not found"})
                if self.headers.get("api-key") != FauxBrevo.CLE:
                    return self._repondre(401, {"code": "unauthorized", "message": "Key not found"})
                panne = faux.pannes.pop(0) if faux.pannes else None
                if panne == "lent":
                    time.sleep(faux.lenteur)
                elif panne is not None:
                    return self._repondre(
                        int(panne), {"code": "simulated", "message": f"Erreur {panne} simulée"}
                    )
                try:
                    corps = json.loads(brut)
                except ValueError:
                    return self._repondre(400, {"code": "bad_request", "message": "Invalid JSON"})
                erreur = faux.invalide(corps, re)
                if not erreur and str(corps.get("recipient")) in faux.numeros_invalides:
                    erreur = "Invalid phone number"
                if erreur:
                    return self._repondre(400, {"code": "invalid_parameter", "message": erreur})
                faux.recus.append(corps)
                self._repondre(
                    201,
                    {
                        "reference": f"ref-{len(faux.recus)}",
                        "messageId": 1_000_000 + len(faux.recus),
                        "smsCount": 1,
                        "usedCredits": 1,
                        "remainingCredits": 99,
                    },
                )

        self.serveur = ThreadingHTTPServer(("127.0.0.1", 0), Reponses)
        self.serveur.daemon_threads = True
        self.serveur.block_on_close = False
        self.url = f"http://127.0.0.1:{self.serveur.server_address[1]}/v3/transactionalSMS/sms"
        self.fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self.fil.start()

    @staticmethod
    def invalide(corps, re) -> str:
        if not isinstance(corps, dict):
            return "Body must be an object"
        expediteur = str(corps.get("sender", ""))
        if not re.fullmatch(r"[A-Za-z0-9]{1,11}|[0-9]{1,15}", expediteur):
            return "Invalid sender"
        if not re.fullmatch(r"[0-9]{8,15}", str(corps.get("recipient", ""))):
            return "Invalid recipient"
        if not corps.get("content"):
            return "content is missing"
        if corps.get("type", "transactional") not in ("transactional", "marketing"):
            return "Invalid type"
        return ""

    def arreter(self):
        self.serveur.shutdown()
        self.serveur.server_close()
