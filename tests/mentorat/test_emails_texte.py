"""The text part of an e-mail is plain text: no HTML entities; the HTML part escapes."""

import datetime as dt
import pathlib
from types import SimpleNamespace

import pytest
from django.core import mail

from mentorat.emails import envoyer_email

RACINE = pathlib.Path(__file__).resolve().parents[2]


class Nom:
    def __init__(self, nom):
        self.nom = nom


class Prescription:
    partenaire = Nom("Mission locale de l'Est & du Nord")
    programme = Nom("L'emploi <pour> tous")
    message = "un mot"

    class conseiller:  # noqa: N801
        email = "anne.o'neil@exemple.fr"


# Every variable the text message templates read (each one is checked by itself against the
# GSM-7 alphabet in test_sms_textes.py); the words people typed carry an apostrophe.
CONTEXTE_SMS = {
    **dict.fromkeys(("code", "titre", "avec", "autre", "programme"), "l'agence"),
    "url": "",
    "expire_le": None,
    "minutes": 10,
    "nombre": 3,
    "delai": 7,
    "heure": "18:00",
    "lien_court": "",
    "six_mois": False,
    "annulation": False,
    "a_confirmer": False,
    "evenement": "acceptee",
    "rencontre": SimpleNamespace(debut=dt.datetime(2026, 12, 1, 18, tzinfo=dt.UTC)),
}


def test_text_part_is_not_html_escaped():
    envoyer_email(
        a="zoe@example.org",
        sujet="Invitation",
        gabarit="partenaires/emails/invitation",
        contexte={"prescription": Prescription, "duree_jours": 30, "lien": "https://x/?a=1&b=2"},
    )
    message = mail.outbox[-1]
    texte, (html, _type) = message.body, message.alternatives[0]
    assert "de Mission locale de l'Est & du Nord (compte anne.o'neil@exemple.fr)" in texte
    assert "« L'emploi <pour> tous »" in texte
    assert "https://x/?a=1&b=2" in texte
    assert "&#x27;" not in texte and "&amp;" not in texte and "&lt;" not in texte
    assert "&lt;pour&gt;" in html  # the HTML part still escapes


@pytest.mark.parametrize(
    "gabarit",
    sorted(p.relative_to(RACINE / "templates") for p in RACINE.glob("templates/**/*.txt")),
)
def test_every_text_template_is_rendered_unescaped(gabarit):
    """allauth renders its own .txt through the project's base_message.txt (autoescape off),
    as does the text of an immersion convention (what its parties sign, rendered outside any
    e-mail); every other .txt template has an HTML twin and goes through envoyer_email."""
    nom = str(gabarit)
    if "/sms/" in nom:
        # A text message has no HTML part: rendered by rendre_texte, which never escapes.
        from mentorat.emails import rendre_texte

        assert "l'agence" in rendre_texte(nom, CONTEXTE_SMS)
        return
    if gabarit.name.startswith("_"):
        # A piece shared by an e-mail's two parts: included by a .txt and by its .html twin.
        inclus = f'{{% include "{nom}" %}}'
        parents = [
            p.suffix
            for p in RACINE.glob("templates/**/*.*")
            if p.suffix in (".txt", ".html") and inclus in p.read_text(encoding="utf-8")
        ]
        assert {".txt", ".html"} <= set(parents), parents
        return
    if nom.startswith("account/") or nom == "parrainages/immersion/texte.txt":
        texte = (RACINE / "templates" / gabarit).read_text(encoding="utf-8")
        assert "{% autoescape off %}" in texte
    else:
        assert (RACINE / "templates" / gabarit).with_suffix(".html").exists()
