"""Demo content for ``manage.py seed_demo``: the five programmes of the seed documents, their
partners and conventions, and a generated population of mentors, mentees and pairs."""

from .seed import resume, seed_demo

__all__ = ["resume", "seed_demo"]
