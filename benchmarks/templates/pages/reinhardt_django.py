"""The pages in Django's template language (rendered by Django and by reinhardt)."""

BASE = """<!DOCTYPE html>
<html lang="en">
<head><title>{% block title %}Site{% endblock %}</title></head>
<body>
<nav>{% for label, href in nav %}<a href="{{ href }}">{{ label }}</a>{% if not forloop.last %} | {% endif %}{% endfor %}</nav>
<header>{% block header %}Welcome, {{ user.name }}{% endblock %}</header>
<main>{% block content %}{% endblock %}</main>
<footer>{% block footer %}&copy; 2024{% endblock %}</footer>
</body>
</html>
"""

REPORT = """{% extends "base.html" %}
{% block title %}{{ title|upper }} - {{ block.super }}{% endblock %}
{% block content %}
<table>
  <tr><th>#</th><th>Name</th><th>Price</th><th>Qty</th><th>Total</th><th>Date</th><th>Note</th></tr>
  {% for row in rows %}
  <tr class="{% cycle 'odd' 'even' %}{% if row.qty > 20 %} big{% endif %}">
    <td>{{ forloop.counter }}</td>
    <td>{{ row.name|title }}</td>
    <td>{{ row.price|floatformat:2 }}</td>
    <td>{{ row.qty }}</td>
    <td>{{ row.total|floatformat:2 }}</td>
    <td>{{ row.date|date:"Y-m-d" }}</td>
    <td>{{ row.note|default:"-" }}</td>
    <td>{% for t in row.tags %}{{ t }}{% if not forloop.last %},{% endif %}{% empty %}none{% endfor %}</td>
  </tr>
  {% endfor %}
</table>
<p>{{ rows|length }} row{{ rows|pluralize }}</p>
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
