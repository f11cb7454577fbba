"""Times: one way to turn what a person typed into an instant, and to add a duration to it.

A person types a wall-clock time in Europe/Paris. Instants are stored and computed as aware
datetimes in UTC: a duration added to a local aware datetime would add wall-clock time (a 2 h
meeting starting at 01:30 on the last Sunday of March would end at 03:30 CEST, one hour later).

Two wall-clock times a year are not one instant: on the last Sunday of March, 02:00–02:59 does
not exist (clocks go from 02:00 to 03:00); on the last Sunday of October, 02:00–02:59 happens
twice. Both are accepted, as the law sets the change (décret n° 2002-143 and directive
2000/84/CE: at 01:00 UTC): a time in the gap is read with the winter offset (02:30 is then
03:30 summer time), a repeated time as its first occurrence (summer time).
"""

import datetime as dt

from django.utils import timezone


def instant_local(moment: dt.datetime) -> dt.datetime:
    """A naive wall-clock time in the current time zone, as an aware datetime in UTC.

    Already-aware datetimes are only converted to UTC."""
    if timezone.is_aware(moment):
        return moment.astimezone(dt.UTC)
    # fold=0: the earlier offset, for a repeated time as for a time in the gap.
    local = moment.replace(tzinfo=timezone.get_current_timezone(), fold=0)
    return local.astimezone(dt.UTC)


def plus_minutes(debut: dt.datetime, minutes: int) -> dt.datetime:
    """The instant ``minutes`` after ``debut``, in UTC (elapsed time, not wall-clock time)."""
    return debut.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)


def debut_du_jour(jour: dt.date) -> dt.datetime:
    """The first instant of a day in the current time zone."""
    return instant_local(dt.datetime.combine(jour, dt.time.min))
