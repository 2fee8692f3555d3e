import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=int(os.environ.get("GA_EXAMPLES", "6")), deadline=None,
    derandomize=True, suppress_health_check=list(HealthCheck), print_blob=True,
    database=None)
settings.register_profile(
    "long", max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("GA_HYPOTHESIS_PROFILE", "ci"))
