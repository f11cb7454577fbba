"""The eligibility engine, on the criteria of the five demo programmes, boundaries included."""

import datetime as dt

import pytest

from demo import programmes as demo_programmes
from demo.programmes import PROGRAMMES as DEMO_PROGRAMMES
from parrainages.eligibilite import eligibility
from parrainages.models import Filleul
from programmes.models import Commune, NiveauDiplome, Programme, Situation

TODAY = dt.date(2026, 11, 24)

PARIS = Commune(
    code_insee="75119", nom="Paris 19e Arrondissement", code_postal="75019", departement="75"
)
STRASBOURG = Commune(code_insee="67482", nom="Strasbourg", code_postal="67000", departement="67")
CLERMONT = Commune(
    code_insee="63113", nom="Clermont-Ferrand", code_postal="63000", departement="63"
)
TOULOUSE = Commune(code_insee="31555", nom="Toulouse", code_postal="31000", departement="31")
LYON = Commune(code_insee="69123", nom="Lyon", code_postal="69001", departement="69")


def programme(slug=None, **overrides):
    """A programme with the criteria of a demo programme (open, so only criteria count)."""
    champs = {"nom": "Programme"}
    if slug:
        demo = next(p for p in DEMO_PROGRAMMES if p.slug == slug)
        champs.update(demo.champs)
    return Programme(**{**champs, "statut": Programme.Statut.OUVERT, **overrides})


# The five demo programmes, as seed_demo creates them.
PARIS_1000, STRASBOURG_100, NQT, AUVERGNE, HAUTE_GARONNE = (
    demo_programmes.PARIS,
    demo_programmes.STRASBOURG,
    demo_programmes.NQT,
    demo_programmes.AUVERGNE,
    demo_programmes.HAUTE_GARONNE,
)


def filleul(**fields):
    base = {
        "date_naissance": dt.date(2000, 1, 1),
        "commune": PARIS,
        "situation": Situation.DEMANDEUR_EMPLOI,
        "niveau_diplome": NiveauDiplome.BAC,
        "qpv": Filleul.StatutQPV.NON,
    }
    return Filleul(**{**base, **fields})


def born_years_ago(years, days=0):
    return TODAY.replace(year=TODAY.year - years) + dt.timedelta(days=days)


def lines(verdict):
    return [c.ligne for c in verdict.criteres]


def test_paris_job_seeker_in_paris_is_eligible():
    verdict = eligibility(programme(PARIS_1000), filleul(), on=TODAY)
    assert verdict.eligible
    assert lines(verdict) == [
        "Âge : 26 ans — au moins 18 ans ✓",
        "Lieu de résidence : Paris 19e Arrondissement (75) — territoire : Paris (75) ✓",
        "Situation : Demandeur d'emploi inscrit à France Travail — acceptées : "
        "Demandeur d'emploi inscrit à France Travail ; Jeune suivi par une Mission locale ✓",
    ]


def test_paris_outside_the_territory_or_situation():
    verdict = eligibility(
        programme(PARIS_1000), filleul(commune=LYON, situation=Situation.ETUDIANT), on=TODAY
    )
    assert not verdict.eligible
    assert [c.code for c in verdict.criteres if not c.ok] == ["territoire", "situation"]
    assert verdict.motifs[0].endswith("✗")


def test_paris_minor_is_not_eligible():
    seventeen = filleul(date_naissance=born_years_ago(18, days=1))
    verdict = eligibility(programme(PARIS_1000), seventeen, on=TODAY)
    assert verdict.motifs == ["Âge : 17 ans — au moins 18 ans ✗"]


@pytest.mark.parametrize(
    "naissance,eligible,age",
    [
        (born_years_ago(18), True, 18),  # 18th birthday today
        (born_years_ago(18, days=1), False, 17),  # 18 tomorrow
        (born_years_ago(31, days=1), True, 30),  # 31 tomorrow: still 30
        (born_years_ago(31), False, 31),  # 31st birthday today
    ],
)
def test_strasbourg_age_boundaries(naissance, eligible, age):
    person = filleul(date_naissance=naissance, commune=STRASBOURG, qpv=Filleul.StatutQPV.DECLARE)
    verdict = eligibility(programme(STRASBOURG_100), person, on=TODAY)
    assert verdict.eligible is eligible
    age_line = verdict.criteres[0]
    assert age_line.code == "age"
    assert age_line.ligne == (f"Âge : {age} ans — entre 18 et 30 ans {'✓' if eligible else '✗'}")


@pytest.mark.parametrize(
    "qpv,ok",
    [
        (Filleul.StatutQPV.DECLARE, True),
        (Filleul.StatutQPV.CONFIRME, True),
        (Filleul.StatutQPV.NON, False),
        (Filleul.StatutQPV.INFIRME, False),
    ],
)
def test_strasbourg_priority_neighbourhood(qpv, ok):
    person = filleul(date_naissance=born_years_ago(22), commune=STRASBOURG, qpv=qpv)
    verdict = eligibility(programme(STRASBOURG_100), person, on=TODAY)
    qpv_line = next(c for c in verdict.criteres if c.code == "qpv")
    assert qpv_line.ok is ok
    assert verdict.eligible is ok


@pytest.mark.parametrize(
    "niveau,ok",
    [
        (NiveauDiplome.BAC_2, False),
        (NiveauDiplome.BAC_3, True),  # exactly the minimum
        (NiveauDiplome.BAC_5, True),
    ],
)
def test_nqt_diploma_minimum(niveau, ok):
    person = filleul(
        date_naissance=born_years_ago(24),
        niveau_diplome=niveau,
        qpv=Filleul.StatutQPV.CONFIRME,
        commune=LYON,
        situation=Situation.JEUNE_DIPLOME,
    )
    verdict = eligibility(programme(NQT), person, on=TODAY)
    assert verdict.eligible is ok
    line = next(c for c in verdict.criteres if c.code == "diplome")
    assert "minimum : Bac+3 / Bac+4" in line.ligne


def test_nqt_under_30_means_at_most_29():
    young = filleul(
        date_naissance=born_years_ago(30, days=1),
        niveau_diplome=NiveauDiplome.BAC_5,
        qpv=Filleul.StatutQPV.CONFIRME,
    )
    assert eligibility(programme(NQT), young, on=TODAY).eligible
    thirty = filleul(
        date_naissance=born_years_ago(30),
        niveau_diplome=NiveauDiplome.BAC_5,
        qpv=Filleul.StatutQPV.CONFIRME,
    )
    verdict = eligibility(programme(NQT), thirty, on=TODAY)
    assert not verdict.eligible
    assert verdict.motifs == ["Âge : 30 ans — au plus 29 ans ✗"]


@pytest.mark.parametrize(
    "depuis,ok,mois",
    [
        (dt.date(2025, 11, 24), True, 12),  # exactly twelve months today
        (dt.date(2025, 11, 25), False, 11),  # twelve months tomorrow
        (dt.date(2023, 3, 1), True, 44),
    ],
)
def test_auvergne_long_term_job_seekers(depuis, ok, mois):
    person = filleul(commune=CLERMONT, inscrit_france_travail_depuis=depuis)
    verdict = eligibility(programme(AUVERGNE), person, on=TODAY)
    assert verdict.eligible is ok
    line = next(c for c in verdict.criteres if c.code == "inscription")
    assert line.valeur.startswith(f"depuis {mois} mois")


def test_auvergne_registration_date_missing():
    verdict = eligibility(programme(AUVERGNE), filleul(commune=CLERMONT), on=TODAY)
    assert not verdict.eligible
    assert verdict.motifs == ["Inscription à France Travail : non renseignée — au moins 12 mois ✗"]


def test_auvergne_rep_pupil_situation_is_accepted_but_not_a_student():
    # Registration seniority concerns job seekers only: a pupil has none to show.
    eleve = filleul(
        commune=CLERMONT, situation=Situation.ELEVE_3E_REP, date_naissance=born_years_ago(14)
    )
    verdict = eligibility(programme(AUVERGNE), eleve, on=TODAY)
    assert verdict.eligible
    assert "inscription" not in {c.code for c in verdict.criteres}
    etudiant = filleul(commune=CLERMONT, situation=Situation.ETUDIANT)
    assert not eligibility(programme(AUVERGNE), etudiant, on=TODAY).eligible


@pytest.mark.parametrize(
    "naissance,commune,eligible",
    [
        (born_years_ago(16), TOULOUSE, True),
        (born_years_ago(16, days=1), TOULOUSE, False),
        (born_years_ago(26, days=1), TOULOUSE, True),
        (born_years_ago(26), TOULOUSE, False),
        (born_years_ago(20), PARIS, False),
    ],
)
def test_haute_garonne(naissance, commune, eligible):
    person = filleul(date_naissance=naissance, commune=commune, situation=Situation.MISSION_LOCALE)
    assert eligibility(programme(HAUTE_GARONNE), person, on=TODAY).eligible is eligible


def test_a_programme_closed_to_applications_says_so():
    closed = programme(statut=Programme.Statut.EN_COURS)
    verdict = eligibility(closed, filleul(), on=TODAY)
    assert not verdict.eligible
    assert verdict.motifs == [
        "Candidatures : en cours (candidatures fermées) — "
        "le programme doit être ouvert aux candidatures ✗"
    ]


def test_no_criteria_means_eligible_and_snapshot_is_json():
    import json

    verdict = eligibility(programme(), filleul(), on=TODAY)
    assert verdict.eligible and verdict.criteres == []
    snap = eligibility(programme(STRASBOURG_100), filleul(), on=TODAY).as_snapshot()
    assert json.loads(json.dumps(snap)) == snap
    assert snap["eligible"] is False
    assert {c["code"] for c in snap["criteres"]} == {"age", "territoire", "qpv", "situation"}


def test_birthday_on_29_february():
    person = filleul(date_naissance=dt.date(2008, 2, 29), commune=TOULOUSE)
    hg = programme(age_min=18, departements=["31"])
    assert not eligibility(hg, person, on=dt.date(2026, 2, 28)).eligible
    assert eligibility(hg, person, on=dt.date(2026, 3, 1)).eligible
