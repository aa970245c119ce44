"""The demo's blog app: authors, posts and their comments."""
