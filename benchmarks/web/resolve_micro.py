"""Time resolve() and reverse() on the 500-route URLconf, in-process, for one framework.

Run by run.py with each framework's interpreter; prints JSON: microseconds per call.
"""

import json
import os
import sys
import time

FRAMEWORK = sys.argv[1]  # "reinhardt" or "django"
sys.path.insert(0, sys.argv[2])  # the folder holding benchsite

if FRAMEWORK == "django":
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite.settings"
    import django

    django.setup()
    from django.urls import resolve, reverse
else:
    os.environ["REINHARDT_SETTINGS_MODULE"] = "benchsite.settings"
    import reinhardt

    reinhardt.setup()
    from reinhardt.web.urls import resolve, reverse

PATHS = {
    "first route": "/static0/",
    "middle route": "/section4/item10/42/",
    "last route": "/plain/",
    "converter route": "/obj49/some-slug/7/",
}


def per_call(func, *args, **kwargs) -> float:
    func(*args, **kwargs)
    n = 0
    start = time.perf_counter()
    while True:
        for _ in range(200):
            func(*args, **kwargs)
        n += 200
        elapsed = time.perf_counter() - start
        if elapsed > 0.3:
            return elapsed / n * 1e6


def not_found():
    try:
        resolve("/no/such/page/")
    except Exception:
        pass


results = {f"resolve {name}": per_call(resolve, p) for name, p in PATHS.items()}
results["resolve 404"] = per_call(not_found)
results["reverse static"] = per_call(reverse, "plain")
results["reverse with kwargs"] = per_call(reverse, "s9-item19", kwargs={"pk": 5})
print(json.dumps(results))
