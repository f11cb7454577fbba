"""Hypothesis strategies for what a browser, a script or an attacker can post to a form.

Each form field gets a strategy of plausible values (``valide``); the harness mixes them with
hostile ones (``bizarre``: unicode, control characters, very long strings, odd numbers and
dates, several values for one field), drops fields and adds unexpected ones.
"""

import datetime as dt

from hypothesis import strategies as st

ABSENT = object()  # the field is left out of the request

# Everything UTF-8 can carry (lone surrogates cannot be encoded, so no browser sends them).
CARACTERES = st.characters(codec="utf-8")
CONTROLES = st.sampled_from(
    ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u200b", "\u202e", "\ufeff"]
    + ["\r\n", "\t", "\u2028", "\U0001f600", "\u0301", "ﷺ", "𝔘"]
)
texte = st.text(CARACTERES, max_size=40)
texte_controle = st.lists(st.one_of(CONTROLES, texte), min_size=1, max_size=6).map("".join)
texte_long = st.builds(
    lambda motif, n: (motif or "é") * n,
    st.text(CARACTERES, min_size=1, max_size=4),
    st.sampled_from([151, 201, 251, 1001, 5001, 60_000]),
)
nombres = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["1e309", "-0", "٣", "²", "¹²", "0x10", " 7 ", "1_000", "9" * 40, "-1", "1.5", "1,5"]
        + ["Infinity", "NaN", "+3", "٣٠", "9223372036854775808", "32768", "-32769"]
        # Beyond Python's 4,300-digit limit on int(): a ValueError of its own.
        + ["9" * 5001, "-" + "1" * 4301, "0" * 5000 + "7"]
    ),
)
DATES_BIZARRES = [
    "31/02/2024",
    "2024-02-30",
    "2024-13-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "1/1/1",
    "29/02/2023",
    "+002024-01-01",
    "2024-01-01T25:00",
    "2024-06-01T12:00:00+99:00",
    "2031-03-30T02:30",  # the hour that does not exist in Paris (spring forward)
    "2031-10-26T02:30",  # the hour that happens twice (fall back)
    "maintenant",
    "1700000000",
    "2024-W05-3",
    "２０２５-０１-０１",
    "1900-01-01",
    "1899-12-31",
]
dates = st.one_of(
    st.dates().map(str),
    st.dates().map(lambda d: f"{d:%d/%m/%Y}"),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(DATES_BIZARRES),
)
avec_nul = st.builds(lambda a, b: f"{a}\x00{b}", texte, texte)  # PostgreSQL refuses NUL
scalaire = st.one_of(st.just(""), texte, texte_controle, avec_nul, texte_long, nombres, dates)
bizarre = st.one_of(scalaire, st.lists(scalaire, min_size=2, max_size=3))

# Fields a form does not expect, as a tampering user would add them.
CHAMPS_EN_TROP = [
    "id",
    "pk",
    "user",
    "user_id",
    "statut",
    "is_staff",
    "is_superuser",
    "parrain",
    "filleul",
    "partenaire",
    "programme",
    "conseiller",
    "valide_le",
    "csrfmiddlewaretoken",
    "next",
]
en_trop = st.dictionaries(
    st.one_of(st.sampled_from(CHAMPS_EN_TROP), st.text(CARACTERES, min_size=1, max_size=12)),
    bizarre,
    max_size=3,
)


# --- Plausible values, by kind ------------------------------------------------------------------

LETTRES = st.characters(codec="utf-8", categories=["L", "M", "Zs", "Pd", "Po"])


def nom(max_size=150):
    return st.one_of(
        st.text(LETTRES, min_size=1, max_size=max_size).filter(lambda s: s.strip()),
        st.sampled_from(["Zoé", "N'Diaye", "Jean-Édouard", "李", "Ø", "O'Brien", "Ñúñez"]),
    )


def texte_libre(max_size=300):
    return st.text(CARACTERES, max_size=max_size)


def emails():
    return st.one_of(
        st.emails().map(lambda e: e[:200]),
        st.builds(lambda n: f"personne.{n}@exemple.fr", st.integers(0, 10**9)),
        st.sampled_from(["a@b", "é@exemple.fr", "x@[127.0.0.1]", "@exemple.fr", "a@b.c" * 60]),
    )


def entier(min_value, max_value):
    return st.integers(min_value, max_value).map(str)


def hors_bornes(min_value, max_value):
    return st.sampled_from([str(min_value - 1), str(max_value + 1)])


def date_iso(debut, fin):
    return st.one_of(
        st.dates(debut, fin).map(lambda d: f"{d:%Y-%m-%d}"),
        st.dates(debut, fin).map(lambda d: f"{d:%d/%m/%Y}"),
    )


def datetime_local(debut: dt.datetime, fin: dt.datetime):
    return st.datetimes(debut, fin).map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))


def choix(valeurs, *, plusieurs=False):
    valeurs = [str(v) for v in valeurs]
    if plusieurs:
        return st.lists(st.sampled_from(valeurs), max_size=len(valeurs), unique=True)
    return st.sampled_from(valeurs)


def case():
    return st.sampled_from(["on", "true", "1", "", "false", "0", "off"])


# --- A whole request body -------------------------------------------------------------------------


def corps(champs: dict, hostiles: dict | None = None, *, en_trop=en_trop):
    """A request body for a form whose fields take the ``champs`` strategies (valid values).

    Three shapes, in equal parts: every field valid; one field hostile or missing; every field
    at random, with extra fields. Hostile values are ``bizarre`` ones and, per field, those of
    ``hostiles`` (a wrong choice, someone else's id). Values may be lists (repeated fields).
    """
    hostiles = hostiles or {}
    noms = list(champs)

    def hostile(nom):
        propres = [hostiles[nom]] if nom in hostiles else []
        return st.one_of(st.just(ABSENT), bizarre, *propres)

    @st.composite
    def un_champ_casse(draw):
        donnees = {n: draw(s) for n, s in champs.items()}
        if noms:
            cible = draw(st.sampled_from(noms))
            donnees[cible] = draw(hostile(cible))
        return donnees

    tout_valide = st.fixed_dictionaries(champs)
    au_hasard = st.builds(
        lambda d, extra: {**extra, **d},
        st.fixed_dictionaries({n: st.one_of(s, hostile(n)) for n, s in champs.items()}),
        en_trop,
    )
    return st.one_of(tout_valide, un_champ_casse(), au_hasard).map(
        lambda d: {k: v for k, v in d.items() if v is not ABSENT}
    )


def surtout(valeur, *autres):
    """Mostly ``valeur`` (at least half the draws), sometimes one of ``autres``."""
    return st.one_of(st.just(valeur), st.sampled_from([valeur, *autres]))


# Raw bodies that no form library produces: broken encodings and multipart framing.
CORPS_BRUTS = st.one_of(
    st.tuples(st.just("application/x-www-form-urlencoded"), st.binary(max_size=300)),
    st.tuples(
        st.just("application/x-www-form-urlencoded"),
        st.sampled_from([b"a=%FF%FE", b"%%%=&&=", b"=" * 50, b"a=1&" * 1200, b"\x00=\x00"]),
    ),
    st.tuples(st.just("multipart/form-data; boundary=xyz"), st.binary(max_size=300)),
    st.tuples(
        st.just("multipart/form-data; boundary=xyz"),
        st.sampled_from(
            [
                b"--xyz\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--xyz--\r\n",
                b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\xfe\r\n--xyz',
                b"--xyz--",
            ]
        ),
    ),
    st.tuples(st.just("multipart/form-data"), st.binary(max_size=100)),
    st.tuples(st.just("application/json"), st.sampled_from([b"{}", b"[1,2]", b'{"a": '])),
    st.tuples(st.just("text/plain; charset=latin-1"), st.binary(max_size=100)),
)
