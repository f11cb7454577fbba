"""The fuzzing bench: post generated bodies to a form, classify the answer, compare the database.

Each example runs inside its own savepoint, rolled back at the end, so every example starts from
the same data. ``transaction.on_commit`` callbacks (e-mails, tasks) run as they would after a
real commit: a crash there is a crash of the request.

The rules checked on every example:
- the answer is never a 5xx (an exception raised by the view fails the example too);
- a refusal (4xx, a form shown again with errors, an error message) wrote nothing;
- an acceptance wrote only to the tables the form is meant to touch, and every row it
  created or changed passes the model's own validation (``full_clean``).
"""

import inspect
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from django.apps import apps
from django.contrib.messages import constants as niveaux
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.forms import BaseForm
from django.test import Client, TestCase
from django.test.utils import ContextList
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from .donnees import CORPS_BRUTS

# ``FUZZ_EXEMPLES`` sets the number of examples per form (40 by default; try 500 for a long run).
EXEMPLES = int(os.environ.get("FUZZ_EXEMPLES", "40"))
REGLAGES = hypothesis_settings(
    max_examples=EXEMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Sessions hold the profile steps' answers and the login state on purpose.
TABLES_IGNOREES = {"mentorat.Session"}
# The audit trail records every accepted write, whatever the form.
# Written along with any change: its audit entries, and the messages it causes (the outbox,
# in the same transaction). A refused form writes neither.
TABLES_COMPAGNES = {"auditlog.LogEntry", "mentorat.Envoi"}
# Written by the database itself along with a table: a meeting's pair gets the date of its
# last meeting held (``Parrainage.derniere_rencontre_le``, triggers of ``parrainages 0046``); a
# person's pairs get their new commune (``lieu_filleul``, ``lieu_parrain``, ``parrainages 0049``).
TABLES_DERIVEES = {
    "parrainages.Rencontre": {"parrainages.Parrainage"},
    "parrainages.Filleul": {"parrainages.Parrainage"},
    "parrainages.Parrain": {"parrainages.Parrainage"},
}
# Rows of these apps must pass full_clean() after an accepted form.
APPS_VALIDEES = {"mentorat", "programmes", "parrainages", "partenaires", "account"}


@dataclass
class Fichier:
    """A file to upload, posted as a browser would (any name, any bytes)."""

    nom: str
    contenu: bytes

    def __repr__(self):  # hypothesis prints failing examples: keep a 6 MB file short
        return f"Fichier({self.nom!r}, {len(self.contenu)} octets, {self.contenu[:12]!r}…)"


FRONTIERE = "frontiere-du-banc-7f3a9c"


def multipart(donnees: dict, fichiers: dict) -> bytes:
    parties = []
    for nom, valeurs in donnees.items():
        for valeur in valeurs if isinstance(valeurs, list) else [valeurs]:
            entete = f'--{FRONTIERE}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n'
            parties.append(entete.encode() + str(valeur).encode() + b"\r\n")
    for nom, fichier in fichiers.items():
        nom_fichier = fichier.nom.replace('"', "%22").replace("\r", "").replace("\n", "")
        entete = (
            f'--{FRONTIERE}\r\nContent-Disposition: form-data; name="{nom}"; '
            f'filename="{nom_fichier}"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        parties.append(entete.encode() + fichier.contenu + b"\r\n")
    return b"".join(parties) + f"--{FRONTIERE}--\r\n".encode()


@dataclass
class Requete:
    """One or more POSTs in a row, as one person; the last answer is the one classified."""

    qui: Any  # a User, or None for an anonymous visitor
    url: str
    donnees: dict | None = None
    brut: tuple[str, bytes] | None = None  # (content type, body) instead of form fields
    fichiers: dict = field(default_factory=dict)  # name: Fichier
    avant: list = field(default_factory=list)  # earlier (url, data) posts of the same visit
    meta: dict = field(default_factory=dict)  # extra request headers (HTTP_USER_AGENT…)


@dataclass
class Formulaire:
    """A form of the site, as the bench fuzzes it."""

    requetes: Any  # strategy of Requete
    valide: Requete  # an example that must be accepted and write ``ecrit``
    ecrit: set = field(default_factory=set)  # tables the valid example writes to
    tables: set | None = None  # tables an accepted example may write to (None: any)
    permis_en_refus: set = field(default_factory=set)  # writes kept even when refused
    preparer: Any = None  # (client, requete) -> {placeholder: value}, run before the posts
    verifier: Any = None  # (requete, reponse, diff) -> None, extra checks on acceptance
    bruts: bool = True  # also post raw, broken bodies


def instantane() -> dict[str, dict]:
    """Every row of every table, keyed by model and primary key."""
    etat = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label in TABLES_IGNOREES or model._meta.proxy or not model._meta.managed:
            continue
        champs = [f.attname for f in model._meta.concrete_fields]
        lignes = model._base_manager.order_by().values_list("pk", *champs)
        etat[label] = {ligne[0]: ligne for ligne in lignes}
    return etat


def difference(avant: dict, apres: dict) -> dict[str, set]:
    diff = {}
    for label in avant.keys() | apres.keys():
        a, b = avant.get(label, {}), apres.get(label, {})
        changes = {pk for pk in a.keys() | b.keys() if a.get(pk) != b.get(pk)}
        if changes:
            diff[label] = changes
    return diff


def _contextes(response):
    contexte = getattr(response, "context", None)
    if contexte is None:
        return []
    return list(contexte) if isinstance(contexte, ContextList) else [contexte]


def formulaires_en_erreur(response) -> list:
    erreurs = []
    for contexte in _contextes(response):
        for dico in getattr(contexte, "dicts", [contexte]):
            for valeur in dico.values() if hasattr(dico, "values") else []:
                if isinstance(valeur, BaseForm) and valeur.is_bound and valeur.errors:
                    erreurs.append(valeur.errors)
    return erreurs


def messages_erreur(response) -> list[str]:
    stockage = getattr(response.wsgi_request, "_messages", None)
    if stockage is None:
        return []
    return [str(m) for m in stockage if m.level >= niveaux.WARNING]


def valider_lignes(diff: dict) -> None:
    for label, pks in diff.items():
        model = apps.get_model(label)
        if model._meta.app_label not in APPS_VALIDEES or model._meta.auto_created:
            continue
        for objet in model._base_manager.filter(pk__in=pks):
            objet.full_clean()


def _substituer(valeur, remplacements):
    if isinstance(valeur, str):
        return remplacements.get(valeur, valeur)
    if isinstance(valeur, list):
        return [_substituer(v, remplacements) for v in valeur]
    if isinstance(valeur, dict):
        return {k: _substituer(v, remplacements) for k, v in valeur.items()}
    return valeur


def _poster(client, url, donnees=None, brut=None, fichiers=None, meta=None):
    meta = meta or {}
    if fichiers:
        brut = (f"multipart/form-data; boundary={FRONTIERE}", multipart(donnees or {}, fichiers))
    if brut is not None:
        return client.generic("POST", url, brut[1], content_type=brut[0], **meta)
    return client.post(url, donnees or {}, **meta)


def _fermer(response):
    # Reading a streamed answer to its end closes its file. Never response.close() here: it
    # sends request_finished, which closes the database connection of the test's transaction.
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


@dataclass
class Issue:
    statut: int
    refus: str  # why it counts as a refusal, "" when accepted
    diff: dict


def essayer(formulaire: Formulaire, requete: Requete) -> Issue:
    """Post ``requete`` in a savepoint rolled back afterwards; check the rules above."""
    with transaction.atomic():
        try:
            return _essayer(formulaire, requete)
        finally:
            transaction.set_rollback(True)


def _essayer(formulaire: Formulaire, requete: Requete) -> Issue:
    cache.clear()  # rate limits start afresh
    mail.outbox = []
    client = Client()
    if requete.qui is not None:
        client.force_login(requete.qui, backend="django.contrib.auth.backends.ModelBackend")
    remplacements = formulaire.preparer(client, requete) if formulaire.preparer else {}
    requete = replace(
        requete,
        url=_substituer(requete.url, remplacements),
        donnees=_substituer(requete.donnees, remplacements),
        avant=_substituer(requete.avant, remplacements),
    )
    avant = instantane()
    with TestCase.captureOnCommitCallbacks(execute=True):
        for url, donnees in requete.avant:
            response = _poster(client, url, donnees, meta=requete.meta)
            _fermer(response)
            assert response.status_code < 500, (url, response.status_code)
        response = _poster(
            client, requete.url, requete.donnees, requete.brut, requete.fichiers, requete.meta
        )
        _fermer(response)
    apres = instantane()
    assert response.status_code < 500, f"{requete.url} : {response.status_code}"
    diff = difference(avant, apres)

    refus = ""
    if response.status_code >= 400:
        refus = f"statut {response.status_code}"
    elif erreurs := formulaires_en_erreur(response):
        refus = f"formulaire en erreur {erreurs}"
    elif erreurs := messages_erreur(response):
        refus = f"message d'erreur {erreurs}"

    if refus:
        ecritures = {k: v for k, v in diff.items() if k not in formulaire.permis_en_refus}
        assert not ecritures, f"Refus ({refus}) mais écritures en base : {ecritures}"
    else:
        if formulaire.tables is not None:
            derivees = set().union(*(TABLES_DERIVEES.get(t, set()) for t in formulaire.tables))
            hors = set(diff) - formulaire.tables - TABLES_COMPAGNES - derivees
            assert not hors, f"Écritures hors des tables du formulaire : {hors} ({diff})"
        valider_lignes(diff)
        if formulaire.verifier and diff:
            formulaire.verifier(requete, response, diff)
    return Issue(response.status_code, refus, diff)


def avec_corps_bruts(formulaire: Formulaire):
    """The form's requests, and about one in four with a raw, broken body instead."""
    if not formulaire.bruts:
        return formulaire.requetes
    bruts = st.tuples(formulaire.requetes, CORPS_BRUTS).map(
        lambda rb: replace(rb[0], donnees=None, fichiers={}, brut=rb[1])
    )
    return st.one_of(formulaire.requetes, formulaire.requetes, formulaire.requetes, bruts)


class Bilan(Counter):
    """How many examples were accepted or refused, for the report printed with ``-s``."""

    def noter(self, issue: Issue):
        self[
            "refusés" if issue.refus else ("acceptés avec écriture" if issue.diff else "sans effet")
        ] += 1


def accepte_post(callback) -> bool:
    """Whether a URL's view handles posted data (conservatively: any doubt counts as yes)."""
    classe = getattr(callback, "view_class", None)
    if classe is not None:
        return "post" in classe.http_method_names and hasattr(classe, "post")
    source = inspect.getsource(inspect.unwrap(callback))
    return "POST" in source or "FILES" in source or "as_view(" in source
