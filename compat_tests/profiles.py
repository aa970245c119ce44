"""Hypothesis profiles for the compatibility suite, chosen by HYPOTHESIS_PROFILE:
``ci`` (the default: bounded, about a minute per backend, and derandomized: every run tries
the same examples, so a merge is never blocked by a bug that an unrelated change happened to
draw) and ``slow`` / ``dev`` (random examples: the ones that hunt for new bugs)."""

import os

from hypothesis import HealthCheck, settings

_common = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("ci", max_examples=100, database=None, derandomize=True, **_common)
settings.register_profile("slow", max_examples=3000, **_common)
settings.register_profile("dev", max_examples=40, database=None, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def share(fraction: float) -> settings:
    """The loaded profile with a fraction of its examples (for the costlier tests)."""
    return settings(max_examples=max(10, int(settings.default.max_examples * fraction)))
