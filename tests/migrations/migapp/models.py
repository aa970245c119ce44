"""An app without models: the migration sets under tests/migrations are attached to it
with MIGRATION_MODULES."""
