"""Models for the web layer's database-backed tests (generic views, TestCase, shortcuts)."""
