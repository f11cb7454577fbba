"""What the apps above parrainages add to its flows (today: partenaires).

Layers point down only (docs/architecture.md): parrainages never imports partenaires. Where
one of its flows must reach what an upper app holds — the partner space of a signed-in
person, the referral behind a mentee, the rows that an export, an erasure or the retention
rules must reach — it asks the extensions those apps registered in their
``AppConfig.ready()``. Each method's default answers "this app holds nothing of that".
"""

from collections.abc import Iterable


class Extension:
    """One upper app's part in parrainages' flows; override what the app holds."""

    def espace(self, user) -> str | None:
        """The URL name of ``user``'s own space in this app, if they have one."""
        return None

    def profil_enregistre(self, *, request, filleul) -> None:
        """A mentee profile was just saved from ``request`` (link what the session remembers)."""

    def prescripteur(self, *, filleul, programme):
        """The partner who referred ``filleul`` to ``programme``, recorded on the application."""
        return None

    def conseillers_a_informer(self, *, candidature) -> list:
        """The accounts of the prescribing partner to tell of a change of ``candidature``."""
        return []

    def orientations(self, *, candidature, borner=None) -> list[dict]:
        """The referrals behind ``candidature``, for staff: ``{"partenaire", "conseiller",
        "le", "credite", "freins", "diagnostic"}`` each (the counsellors' diagnostics).
        ``borner(queryset) -> queryset``: the referrals this staff member may see (their
        perimeter, ``mentorat.admin_perimetre.dans_le_perimetre``)."""
        return []

    def exporter(self, *, filleul, user) -> dict:
        """Sections of the mentee's personal-data export (``user``: their account, or None)."""
        return {}

    def effacer(self, *, user, filleul) -> tuple[list[str], dict]:
        """Erase what this app holds of the person (inside the erasure's transaction, before
        the pairs change; ``filleul``: their mentee profile, or None).

        Returns the names the person is known by here and this app's records of the person
        (model → ids), both for Django's admin history (``historique_admin_anonymiser``)."""
        return [], {}

    def hors_retention(self):
        """An ``Exists`` on ``User``: accounts this app keeps out of the retention rules."""
        return None

    def retention_appliquer(self, maintenant, *, dry_run: bool) -> dict[str, int]:
        """This app's retention clean-ups, run daily with the others: counts by the field of
        ``parrainages.retention.Bilan`` they fill."""
        return {}


_extensions: list[Extension] = []


def extension_enregistrer(extension: Extension) -> None:
    """Called once by an upper app's ``ready()`` (a second call with the same kind is ignored)."""
    if not any(type(deja) is type(extension) for deja in _extensions):
        _extensions.append(extension)


def extensions() -> Iterable[Extension]:
    return tuple(_extensions)


def espace(user) -> str | None:
    """The URL name of ``user``'s space in an upper app, the first that has one."""
    return next(filter(None, (e.espace(user) for e in extensions())), None)


def prescripteur(*, filleul, programme):
    """The partner who referred ``filleul`` to ``programme``, if an upper app knows one."""
    return next(
        filter(None, (e.prescripteur(filleul=filleul, programme=programme) for e in extensions())),
        None,
    )


def conseillers_a_informer(*, candidature) -> list:
    """The prescribing counsellors to tell of a change of ``candidature`` (no one twice)."""
    vus, conseillers = set(), []
    for extension in extensions():
        for user in extension.conseillers_a_informer(candidature=candidature):
            if user.pk not in vus and user.email:
                vus.add(user.pk)
                conseillers.append(user)
    return conseillers


def orientations(*, candidature, borner=None) -> list[dict]:
    """The referrals behind ``candidature`` and their diagnostics, for staff (those
    ``borner`` keeps, when given)."""
    return [o for e in extensions() for o in e.orientations(candidature=candidature, borner=borner)]


def exporter(*, filleul, user) -> dict:
    """The upper apps' sections of a mentee's personal-data export."""
    sections = {}
    for extension in extensions():
        sections.update(extension.exporter(filleul=filleul, user=user))
    return sections
