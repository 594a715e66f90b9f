"""Hypothesis runs derandomized, so the suite is deterministic like every other seeded test
and CI never fails by the luck of the draw. `HYPOTHESIS_PROFILE=explore make test` draws new
examples to look for cases the fixed ones miss."""

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
