# The Hypothesis profiles (HYPOTHESIS_PROFILE: ci, slow, dev) load before any test module.
import compat_tests.profiles  # noqa: F401
