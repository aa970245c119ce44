"""The web layer: requests and responses, URLs, views, middleware, handlers."""
