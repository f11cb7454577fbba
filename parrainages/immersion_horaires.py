"""The weekly hours of an immersion: per weekday, a list of time ranges.

Stored as JSON on the convention, ``{"lundi": [["09:00", "12:00"], ["13:30", "17:00"]], …}``
(a day without ranges is a day off). The same week repeats from the first to the last day of
the convention; the totals (per day, per week, over the whole period, days of presence) are
computed from it, never typed. A range never crosses midnight.

Compared with immersion-facile (which stores the ranges of every calendar date), a weekly
pattern is what a tutor fills in on a phone, one line per weekday; the calendar totals still
come out exactly (``heures_par_semaine_civile``, ``jours_de_presence``).
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_HEURE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
PLAGES_MAX_PAR_JOUR = 4


def minutes(heure: str) -> int:
    heures, mins = heure.split(":")
    return int(heures) * 60 + int(mins)


def heure(minutes_: int) -> str:
    return f"{minutes_ // 60:02d}:{minutes_ % 60:02d}"


def duree_texte(minutes_: int) -> str:
    """« 7 h », « 7 h 30 »: how a duration reads in the interface and the PDF."""
    heures, reste = divmod(minutes_, 60)
    return f"{heures} h {reste:02d}" if reste else f"{heures} h"


@dataclass(frozen=True)
class Semaine:
    """The week as minutes since midnight, per weekday (0 = Monday)."""

    plages: tuple[tuple[tuple[int, int], ...], ...]

    def minutes_du_jour(self, jour: int) -> int:
        return sum(fin - debut for debut, fin in self.plages[jour])

    @property
    def minutes_par_semaine(self) -> int:
        return sum(self.minutes_du_jour(j) for j in range(7))

    @property
    def jours_travailles(self) -> list[int]:
        return [j for j in range(7) if self.plages[j]]

    def debut(self, jour: int) -> int:
        return self.plages[jour][0][0]

    def fin(self, jour: int) -> int:
        return self.plages[jour][-1][1]

    def vers_json(self) -> dict:
        return {
            JOURS[j]: [[heure(d), heure(f)] for d, f in self.plages[j]]
            for j in range(7)
            if self.plages[j]
        }


def lire(horaires) -> Semaine:
    """The week described by ``horaires`` (the stored JSON), or a ValidationError saying in
    French what is wrong (a crafted value is refused the same way as a mistyped one)."""
    if horaires in (None, ""):
        horaires = {}
    if not isinstance(horaires, dict):
        raise ValidationError("Les horaires doivent être donnés jour par jour.")
    inconnus = set(horaires) - set(JOURS)
    if inconnus:
        raise ValidationError(f"Jour inconnu dans les horaires : {', '.join(sorted(inconnus))}.")
    semaine = []
    for jour in JOURS:
        plages = horaires.get(jour) or []
        if not isinstance(plages, list) or len(plages) > PLAGES_MAX_PAR_JOUR:
            raise ValidationError(
                f"{jour.capitalize()} : indiquez au plus {PLAGES_MAX_PAR_JOUR} plages horaires."
            )
        lues = []
        for plage in plages:
            if (
                not isinstance(plage, list | tuple)
                or len(plage) != 2
                or not all(isinstance(h, str) and _HEURE.match(h) for h in plage)
            ):
                raise ValidationError(
                    f"{jour.capitalize()} : une plage horaire s'écrit de HH:MM à HH:MM."
                )
            debut, fin = minutes(plage[0]), minutes(plage[1])
            if fin <= debut:
                raise ValidationError(
                    f"{jour.capitalize()} : la plage de {plage[0]} à {plage[1]} doit finir après "
                    "son début (une plage ne passe pas minuit)."
                )
            lues.append((debut, fin))
        lues.sort()
        for (_d1, f1), (d2, _f2) in zip(lues, lues[1:], strict=False):
            if d2 < f1:
                raise ValidationError(f"{jour.capitalize()} : deux plages horaires se chevauchent.")
        semaine.append(tuple(lues))
    return Semaine(tuple(semaine))


def jours_de_presence(semaine: Semaine, debut: dt.date, fin: dt.date) -> list[dt.date]:
    """The dates from ``debut`` to ``fin`` on which the week has hours."""
    jours = []
    jour = debut
    while jour <= fin:
        if semaine.plages[jour.weekday()]:
            jours.append(jour)
        jour += dt.timedelta(days=1)
    return jours


def minutes_sur_la_periode(semaine: Semaine, debut: dt.date, fin: dt.date) -> int:
    return sum(semaine.minutes_du_jour(j.weekday()) for j in jours_de_presence(semaine, debut, fin))


def heures_par_semaine_civile(
    semaine: Semaine, debut: dt.date, fin: dt.date
) -> list[tuple[dt.date, int]]:
    """For each calendar week (Monday to Sunday) the period touches: its Monday and the
    minutes of presence that fall in it (a first or last week may be partial)."""
    par_lundi: dict[dt.date, int] = {}
    for jour in jours_de_presence(semaine, debut, fin):
        lundi = jour - dt.timedelta(days=jour.weekday())
        par_lundi[lundi] = par_lundi.get(lundi, 0) + semaine.minutes_du_jour(jour.weekday())
    return sorted(par_lundi.items())


def lignes(semaine: Semaine) -> list[tuple[str, str, str]]:
    """One line per weekday: its name, its ranges (« 09:00–12:00, 13:30–17:00 » or
    « — »), and its total."""
    resultat = []
    for j, nom in enumerate(JOURS):
        plages = ", ".join(f"{heure(d)}–{heure(f)}" for d, f in semaine.plages[j])
        total = semaine.minutes_du_jour(j)
        resultat.append((nom.capitalize(), plages or "—", duree_texte(total) if total else ""))
    return resultat
