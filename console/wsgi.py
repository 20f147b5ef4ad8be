"""The web entry point (gunicorn console.wsgi). Without DJANGO_SETTINGS_MODULE it runs the production
settings, never the development ones: production refuses to start without SECRET_KEY and ALLOWED_HOSTS,
so a forgotten variable is a loud failure, not a server with development defaults."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.production")

application = get_wsgi_application()
