"""The eligibility snapshot of a demo candidature, from the platform's eligibility engine."""

import copy
import datetime as dt

from parrainages.eligibilite import Verdict, eligibility
from programmes.models import Programme, Situation


def eligibilite(programme, filleul, jour: dt.date) -> dict:
    """The snapshot stored on a candidature filed on ``jour``.

    Two adjustments to the live verdict: the programme was open when the candidature was
    filed (the Auvergne one has closed since), and a 3e pupil is not asked for a France
    Travail registration (the programme's seniority rule is meant for job seekers, but the
    model cannot say so).
    """
    ouvert = copy.copy(programme)
    ouvert.statut = Programme.Statut.OUVERT
    criteres = eligibility(ouvert, filleul, on=jour).criteres
    if filleul.situation == Situation.ELEVE_3E_REP:
        criteres = [c for c in criteres if c.code != "inscription"]
    return Verdict(eligible=all(c.ok for c in criteres), criteres=criteres).as_snapshot()
