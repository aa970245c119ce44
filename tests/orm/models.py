"""Models for the ORM tests."""
