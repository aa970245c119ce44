"""The backend compatibility suite: generated data and QuerySet operations run on the backend
under test and checked against a pure-Python reference (see docs/compat-tests.md)."""
