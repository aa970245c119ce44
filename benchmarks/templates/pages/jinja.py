"""The same pages written for Jinja2 (autoescaping on, equivalent filters)."""

BASE = """<!DOCTYPE html>
<html lang="en">
<head><title>{% block title %}Site{% endblock %}</title></head>
<body>
<nav>{% for label, href in nav %}<a href="{{ href }}">{{ label }}</a>{% if not loop.last %} | {% endif %}{% endfor %}</nav>
<header>{% block header %}Welcome, {{ user.name }}{% endblock %}</header>
<main>{% block content %}{% endblock %}</main>
<footer>{% block footer %}&copy; 2024{% endblock %}</footer>
</body>
</html>
"""

REPORT = """{% extends "base.html" %}
{% block title %}{{ title|upper }} - {{ super() }}{% endblock %}
{% block content %}
<table>
  <tr><th>#</th><th>Name</th><th>Price</th><th>Qty</th><th>Total</th><th>Date</th><th>Note</th></tr>
  {% for row in rows %}
  <tr class="{{ loop.cycle('odd', 'even') }}{% if row.qty > 20 %} big{% endif %}">
    <td>{{ loop.index }}</td>
    <td>{{ row.name|title }}</td>
    <td>{{ "%.2f"|format(row.price) }}</td>
    <td>{{ row.qty }}</td>
    <td>{{ "%.2f"|format(row.total()) }}</td>
    <td>{{ row.date.strftime("%Y-%m-%d") }}</td>
    <td>{{ row.note or "-" }}</td>
    <td>{% for t in row.tags %}{{ t }}{% if not loop.last %},{% endif %}{% else %}none{% endfor %}</td>
  </tr>
  {% endfor %}
</table>
<p>{{ rows|length }} row{{ "" if rows|length == 1 else "s" }}</p>
{% endblock %}
"""

LIST = """<ul>{% for item in items %}<li id="i{{ item.id }}"{% if item.ok %} class="ok"{% endif %}>{{ item.label }}</li>{% endfor %}</ul>"""

INCLUDE_ROW = """<li>{{ item.id }}: {{ item.label|lower }}</li>"""

INCLUDES = """<ul>{% for item in items %}{% include "row.html" %}{% endfor %}</ul>"""

TEMPLATES = {
    "base.html": BASE,
    "report.html": REPORT,
    "list.html": LIST,
    "row.html": INCLUDE_ROW,
    "includes.html": INCLUDES,
}
