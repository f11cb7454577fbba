"""Demo and bulk data, for development only: ``manage.py seed_demo`` (the five programmes of the
seed documents, their partners and conventions, a generated population of mentors, mentees and
pairs) and ``manage.py seed_scale`` (synthetic data in bulk for the benchmarks).

Installed only with ``DEBUG`` (or ``DEMO=1``), never in the production image (.dockerignore);
the top layer: it may import every app, none imports it.
"""
