"""Renders the same pages with Django's engine, Jinja2 and reinhardt, in one run.

    python -m venv /tmp/bench && /tmp/bench/bin/pip install -e . "django==5.2.19" jinja2
    /tmp/bench/bin/python benchmarks/templates/bench.py [--quick] [--cpu]

Each page is rendered once to warm caches (all three compile their templates once), then
timed; the table shows the best of several repeats, per render, and the ratios. ``--cpu``
times with the process's CPU time instead of the wall clock, which keeps the numbers
comparable on a machine that other jobs are loading.
"""

import os
import sys
import time
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402

django_settings.configure(USE_TZ=True, TIME_ZONE="UTC", INSTALLED_APPS=[], TEMPLATES=[])
django.setup()

import jinja2  # noqa: E402
from django.template import Context as DjangoContext  # noqa: E402
from django.template import Engine as DjangoEngine  # noqa: E402

from reinhardt.conf import settings as reinhardt_settings  # noqa: E402

reinhardt_settings.configure(USE_TZ=True, TIME_ZONE="UTC", INSTALLED_APPS=[], TEMPLATES=[])

from pages import data, jinja, reinhardt_django  # noqa: E402

from reinhardt.web.templates import Context as ReinhardtContext  # noqa: E402
from reinhardt.web.templates import Engine as ReinhardtEngine  # noqa: E402

PAGES = [
    ("report (200 rows, inheritance)", "report.html", data.report_context),
    ("list (500 items)", "list.html", data.list_context),
    ("include in loop (500)", "includes.html", data.list_context),
]


def engines():
    # Both behind the cached loader, as both engines are configured by default.
    dj = DjangoEngine(loaders=[("django.template.loaders.cached.Loader", [
        ("django.template.loaders.locmem.Loader", reinhardt_django.TEMPLATES)])])
    rh = ReinhardtEngine(loaders=[("reinhardt.web.templates.loaders.cached.Loader", [
        ("reinhardt.web.templates.loaders.locmem.Loader", reinhardt_django.TEMPLATES)])])
    jj = jinja2.Environment(loader=jinja2.DictLoader(jinja.TEMPLATES), autoescape=True)
    return dj, rh, jj


TIMER = time.process_time if "--cpu" in sys.argv else time.perf_counter


def best_time(fn, repeat, number):
    return min(timeit.repeat(fn, repeat=repeat, number=number, timer=TIMER)) / number


def main():
    quick = "--quick" in sys.argv
    repeat, number = (3, 5) if quick else (7, 20)
    dj, rh, jj = engines()
    print(f"{'page':34} {'django':>10} {'jinja2':>10} {'reinhardt':>10} {'vs django':>10} "
          f"{'vs jinja2':>10}")
    for label, name, make_context in PAGES:
        ctx = make_context()
        dt, rt, jt = dj.get_template(name), rh.get_template(name), jj.get_template(name)
        outputs = (dt.render(DjangoContext(ctx)), rt.render(ReinhardtContext(ctx)))
        assert outputs[0] == outputs[1], f"{name}: reinhardt and Django differ"
        jt.render(**ctx)
        t_dj = best_time(lambda dt=dt, ctx=ctx: dt.render(DjangoContext(ctx)), repeat, number)
        t_rh = best_time(lambda rt=rt, ctx=ctx: rt.render(ReinhardtContext(ctx)), repeat, number)
        t_jj = best_time(lambda jt=jt, ctx=ctx: jt.render(**ctx), repeat, number)
        print(f"{label:34} {t_dj * 1e3:8.2f}ms {t_jj * 1e3:8.2f}ms {t_rh * 1e3:8.2f}ms "
              f"{t_dj / t_rh:9.1f}x {t_jj / t_rh:9.2f}x")


if __name__ == "__main__":
    main()
