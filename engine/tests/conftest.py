"""Hypothesis settings for the engine tests.

Developers' runs explore new random examples each time; CI (``CI=true``) runs a
fixed, derandomized set so that a submission's result does not depend on luck.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
