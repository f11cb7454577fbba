"""Distances on the Earth, and the points used to search neighbours in a k-d tree."""

import numpy as np

EARTH_RADIUS_KM = 6371.0088
# Mainland France, roughly its centre: where people with no known place are searched from.
DEFAULT_POINT = (46.6, 2.4)
# People share their commune's centroid: a small, fixed offset per person spreads the
# nearest-neighbour ties between them (only for searching; rules and scores use true places).
SEARCH_JITTER_KM = 1.0
KM_PER_DEGREE = 111.2


def distances_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distances (haversine), NaN where a place is unknown."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: Euclidean neighbours there are great-circle neighbours."""
    p, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)))


def centroids(departements, lat, lon) -> dict[str, tuple[float, float]]:
    """Mean known position per département, to place people whose commune has no coordinates."""
    known = ~np.isnan(lat)
    sums: dict[str, list[float]] = {}
    for dep, la, lo in zip(departements[known], lat[known], lon[known], strict=True):
        entry = sums.setdefault(dep, [0.0, 0.0, 0])
        entry[0] += la
        entry[1] += lo
        entry[2] += 1
    return {dep: (s[0] / s[2], s[1] / s[2]) for dep, s in sums.items() if dep}


def search_points(ids, lat, lon, departements, known_centroids, salt: int) -> np.ndarray:
    """Unit vectors to search from: places filled in where unknown, then jittered per id."""
    lat, lon = lat.copy(), lon.copy()
    for i in np.flatnonzero(np.isnan(lat)):
        lat[i], lon[i] = known_centroids.get(departements[i], DEFAULT_POINT)
    u, v = _hash_uniforms(ids, salt)
    radius = SEARCH_JITTER_KM * np.sqrt(u)
    angle = 2 * np.pi * v
    lat = lat + radius * np.sin(angle) / KM_PER_DEGREE
    lon = lon + radius * np.cos(angle) / (KM_PER_DEGREE * np.cos(np.radians(lat)))
    return unit_vectors(lat, lon)


def chord(km: float) -> float:
    """The straight-line distance between two points of the unit sphere ``km`` apart."""
    return 2 * np.sin(km / (2 * EARTH_RADIUS_KM))


def _hash_uniforms(ids, salt: int) -> tuple[np.ndarray, np.ndarray]:
    """Two uniforms in [0, 1) per id, from SplitMix64: the same id always lands the same way."""
    x = np.asarray(ids, dtype=np.int64).astype(np.uint64) + np.uint64(salt)
    out = []
    for _ in range(2):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        z = x.copy()
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        out.append((z >> np.uint64(11)).astype(np.float64) / float(1 << 53))
    return out[0], out[1]
