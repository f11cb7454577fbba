"""The project's settings, unchanged, plus what the load test needs to serve them.

- ``ROOT_URLCONF``: the project's URLs and the bare reference view ``/_nu/``
  (``benchmarks/charge/urls.py``), so that the project's own URLconf gains no URL.
- ``STATIC_ROOT`` from ``CHARGE_STATIC_ROOT``: ``collectstatic`` writes to a temporary folder
  instead of the checkout's ``staticfiles/``.
"""

import os

from mentorat.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.charge.urls"
if os.environ.get("CHARGE_STATIC_ROOT"):
    STATIC_ROOT = os.environ["CHARGE_STATIC_ROOT"]
