"""Built-in middleware (``django.middleware``)."""
