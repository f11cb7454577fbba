"""Every text message the platform writes is one GSM-7 part (160 septets at most), rendered
with the longest values it may meet: a long site address, long names and places, a charter's
long title. A template added without a case here fails the last test."""

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from mentorat import gsm7
from mentorat.canaux import TexteSmsTropLong, sms_verifier
from mentorat.emails import rendre_texte
from mentorat.liens import lien_court

pytestmark = pytest.mark.django_db

# The longest site address the texts are written for (docs/sms.md): 40 characters.
SITE_LONG = "https://parrainage.emploi.exemple-ville.fr"
NOM_LONG = "Marie-Bénédicte-Françoise de La Tour d'Auvergne-Lauraguais"
LIEU_LONG = "Centre d'affaires Œcuménique, 123 boulevard du Général-de-Gaulle, 97400 Saint-Denis"
PROGRAMME_LONG = "Club des 1.000 entreprises citoyennes d'Auvergne avec France Travail"
TITRE_LONG = "Convention d'immersion (PMSMP) — Boulangerie-pâtisserie « Au pain doré » de l'Œuvre"


def _rencontre():
    debut = timezone.make_aware(dt.datetime(2026, 12, 31, 23, 59))
    return SimpleNamespace(debut=debut)


def _cas():
    lien = f"{SITE_LONG}/enquete/{'x' * 150}/"
    court = lambda cle: lien_court(url=lien, cle=cle)  # noqa: E731
    rencontre = _rencontre()
    return {
        "mentorat/sms/code_telephone.txt": [{"code": "999999", "minutes": 10}],
        "mentorat/sms/code_signature.txt": [{"code": "999999", "titre": TITRE_LONG, "minutes": 10}],
        "parrainages/sms/relances/rencontre_demain.txt": [
            {"heure": "23:59", "avec": NOM_LONG, "lien_court": court("r")}
        ],
        "parrainages/sms/relances/enquete.txt": [
            {"programme": PROGRAMME_LONG, "lien_court": court("e"), "six_mois": s}
            for s in (True, False)
        ],
        "parrainages/sms/point_etape.txt": [
            {"programme": PROGRAMME_LONG, "lien_court": court("p")}
        ],
        "parrainages/sms/relances/enquete_candidature.txt": [
            {"programme": PROGRAMME_LONG, "lien_court": court("c"), "six_mois": True}
        ],
        "parrainages/sms/relances/proposition_au_filleul.txt": [
            {"programme": PROGRAMME_LONG, "nombre": n, "delai": 365, "lien_court": court("p")}
            for n in (1, 3)
        ],
        "parrainages/sms/relances/choix_filleul_sans_reponse.txt": [
            {"programme": PROGRAMME_LONG, "nombre": n, "lien_court": court("f")} for n in (1, 3)
        ],
        "parrainages/sms/rencontre.txt": [
            {
                "rencontre": rencontre,
                "annulation": annulation,
                "a_confirmer": a_confirmer,
                "avec": avec,
                "lien_court": court("i"),
            }
            for annulation in (True, False)
            for a_confirmer in (True, False)
            for avec in (NOM_LONG, "")
        ],
        "parrainages/sms/rencontre_echange.txt": [
            {
                "rencontre": rencontre,
                "evenement": evenement,
                "autre": NOM_LONG,
                "lien_court": court("x"),
            }
            for evenement in ("proposee", "deplacee", "retiree", "acceptee", "refusee")
        ],
    }


@pytest.fixture
def site_long(settings):
    settings.SITE_URL = SITE_LONG
    assert len(SITE_LONG) <= 42


def test_every_sms_text_is_one_gsm7_part(site_long):
    for gabarit, contextes in _cas().items():
        for contexte in contextes:
            texte = rendre_texte(gabarit, contexte).strip()
            assert sms_verifier(texte) == texte, gabarit
            assert "\n" not in texte


def test_every_sms_template_is_checked(site_long):
    racine = Path(django_settings.BASE_DIR) / "templates"
    gabarits = {str(chemin.relative_to(racine)) for chemin in racine.glob("*/sms/**/*.txt")} - {
        "partenaires/sms/code_reclamation.txt"
    }  # checked with the claim codes
    assert gabarits == set(_cas())


def test_the_claim_code_text_fits_too(site_long):
    texte = rendre_texte(
        "partenaires/sms/code_reclamation.txt",
        {
            "code": "ABCD-EFGH",
            "expire_le": dt.date(2026, 12, 31),
            "url": f"{SITE_LONG}{reverse('reclamer')}",
        },
    ).strip()
    assert gsm7.septets(texte) is not None and gsm7.septets(texte) <= 160


@pytest.mark.parametrize(
    ("texte", "septets"),
    [
        ("Bonjour à tous, ça va ?", None),  # « ç » is not in the alphabet (only « Ç »)
        ("Rendez-vous à 18h, Hôtel de ville", None),  # « ô » neither
        ("Prix : 10 €", 12),  # the euro sign is an extension character: two septets
        ("[ok] {a} ~ ^ | \\", 24),
        ("élève où déjà", 13),
        ("", 0),
    ],
)
def test_septets_count_the_extension_table_twice(texte, septets):
    assert gsm7.septets(texte) == septets


def test_160_septets_fit_161_do_not():
    assert gsm7.tient_en_un_sms("a" * 160)
    assert not gsm7.tient_en_un_sms("a" * 161)
    assert not gsm7.tient_en_un_sms("€" * 81)  # 162 septets in 81 characters
    with pytest.raises(TexteSmsTropLong):
        sms_verifier("a" * 161)
    with pytest.raises(TexteSmsTropLong):
        sms_verifier("Même ça")


def test_what_people_type_is_transliterated_and_cut():
    assert (
        gsm7.vers_gsm7("François l’Œuvre « Hôtel » — île") == 'Francois l\'OEuvre " Hotel " - ile'
    )
    assert gsm7.abreger("  Jean   Dupont ", 20) == "Jean Dupont"
    coupe = gsm7.abreger(NOM_LONG, 20)
    assert len(coupe) == 20 and coupe.endswith(".") and gsm7.septets(coupe) == 20
