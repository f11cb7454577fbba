"""Features as column arrays, in a canonical order (by id), for vectorised rules and scores."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .features import FORMES, FORMES_A_DISTANCE, FilleulFeatures, ParrainFeatures, ProgrammeRules


def forms_mask(formes: Iterable[str]) -> int:
    return sum(1 << FORMES.index(f) for f in set(formes) if f in FORMES)


REMOTE_FORMS = forms_mask(FORMES_A_DISTANCE)


class Vocabulary:
    """Codes (sectors, availability slots) as bit positions of fixed-width bitsets."""

    def __init__(self, codes: Iterable[str]):
        self.codes = sorted(set(codes))
        self.index = {code: i for i, code in enumerate(self.codes)}
        self.words = max(1, -(-len(self.codes) // 64))

    def encode(self, sets: Sequence[frozenset[str]]) -> np.ndarray:
        out = np.zeros((len(sets), self.words), dtype=np.uint64)
        index = self.index
        for word in range(self.words):
            low = 64 * word
            masks = [
                sum(1 << (index[c] - low) for c in codes if low <= index[c] < low + 64)
                for codes in sets
            ]
            out[:, word] = np.array(masks, dtype=np.uint64) if masks else 0
        return out

    def decode(self, words: np.ndarray) -> list[str]:
        codes = []
        for word, value in enumerate(words.tolist()):
            bit = 0
            while value:
                if value & 1:
                    codes.append(self.codes[64 * word + bit])
                value >>= 1
                bit += 1
        return codes


def bitset_any(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.bitwise_and(a, b).any(axis=1)


def bitset_count(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.bitwise_count(np.bitwise_and(a, b)).sum(axis=1, dtype=np.int32)


def _coordinates(people) -> tuple[np.ndarray, np.ndarray]:
    lat = np.array([np.nan if p.latitude is None else p.latitude for p in people], dtype=np.float64)
    lon = np.array(
        [np.nan if p.longitude is None else p.longitude for p in people], dtype=np.float64
    )
    unknown = np.isnan(lat) | np.isnan(lon)
    lat[unknown] = lon[unknown] = np.nan
    return lat, lon


def _sorted_by_id(people, what: str) -> list:
    ordered = sorted(people, key=lambda p: p.id)
    for previous, current in zip(ordered, ordered[1:], strict=False):
        if previous.id == current.id:
            raise ValueError(f"Identifiant de {what} en double : {current.id}.")
    return ordered


@dataclass
class Mentees:
    people: list[FilleulFeatures]
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    departement: np.ndarray  # codes as objects, for imputing coordinates
    sectors: np.ndarray
    slots: np.ndarray
    level: np.ndarray
    waiting: np.ndarray
    remote: np.ndarray
    forms: np.ndarray  # already restricted to the programme's forms
    minor: np.ndarray

    def __len__(self):
        return len(self.people)


@dataclass
class Mentors:
    people: list[ParrainFeatures]
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    departement: np.ndarray
    sectors: np.ndarray
    slots: np.ndarray
    years: np.ndarray
    places: np.ndarray
    remote: np.ndarray
    forms: np.ndarray
    in_territory: np.ndarray
    checked: np.ndarray  # background check recorded

    def __len__(self):
        return len(self.people)


def mentees_arrays(
    filleuls: Iterable[FilleulFeatures],
    rules: ProgrammeRules,
    sectors: Vocabulary,
    slots: Vocabulary,
) -> Mentees:
    people = _sorted_by_id(filleuls, "filleul")
    programme = forms_mask(rules.formes)
    lat, lon = _coordinates(people)
    return Mentees(
        people=people,
        ids=np.array([p.id for p in people], dtype=np.int64),
        lat=lat,
        lon=lon,
        departement=np.array([p.departement or "" for p in people], dtype=object),
        sectors=sectors.encode([p.secteurs for p in people]),
        slots=slots.encode([p.disponibilites for p in people]),
        level=np.array([p.niveau_diplome for p in people], dtype=np.int16),
        waiting=np.array([max(0, p.attente_jours) for p in people], dtype=np.int32),
        remote=np.array([p.distanciel_accepte for p in people], dtype=bool),
        forms=np.array(
            [programme if p.formes is None else programme & forms_mask(p.formes) for p in people],
            dtype=np.uint8,
        ),
        minor=np.array([p.mineur for p in people], dtype=bool),
    )


def mentors_arrays(
    parrains: Iterable[ParrainFeatures],
    rules: ProgrammeRules,
    sectors: Vocabulary,
    slots: Vocabulary,
) -> Mentors:
    people = _sorted_by_id(parrains, "parrain")
    programme = forms_mask(rules.formes)
    lat, lon = _coordinates(people)
    departements = np.array([p.departement or "" for p in people], dtype=object)
    if rules.departements:
        in_territory = np.isin(departements, list(rules.departements))
    else:
        in_territory = np.ones(len(people), dtype=bool)
    return Mentors(
        people=people,
        ids=np.array([p.id for p in people], dtype=np.int64),
        lat=lat,
        lon=lon,
        departement=departements,
        sectors=sectors.encode([p.secteurs for p in people]),
        slots=slots.encode([p.disponibilites for p in people]),
        years=np.array([max(0, p.annees_experience) for p in people], dtype=np.int32),
        places=np.array([max(0, p.places) for p in people], dtype=np.int64),
        remote=np.array([p.distanciel_accepte for p in people], dtype=bool),
        forms=np.array([programme & forms_mask(p.formes) for p in people], dtype=np.uint8),
        in_territory=in_territory,
        checked=np.array([p.honorabilite_verifiee for p in people], dtype=bool),
    )
