"""The WSGI application, loaded once by each server process (gunicorn's workers, `make run`).

Before it serves, the process does what its first requests would otherwise do, then moves what
it made out of the garbage collector's way:

- `warm_up()` imports the URL patterns (and with them every view module) and compiles the
  project's templates, so no learner's first request pays for them;
- `gc.freeze()` moves every object made so far (Django, the apps, the URL patterns, the
  compiled templates: about 90,000 objects, made once per process and kept until it ends) to
  the collector's permanent generation. Python's full collections walk every tracked object;
  with these frozen they walk only what requests made since (measured under `make bench`: a
  full collection in the middle of an answer took 80-100 ms before, one answer in a few
  hundred). The collection just before takes out what the start-up left behind, and nothing
  is frozen afterwards. Not under debug, where the autoreloader drops compiled templates that
  are edited (frozen, they would never be freed).
"""

import gc
import os
from pathlib import Path

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def warm_up():
    """Import the URLconf and compile the templates under templates/ (the cached template
    loader keeps them). A template with an error is left for its page to report."""
    from django.template import TemplateSyntaxError, engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URL modules and the views)
    engine = engines["django"]
    for directory in map(Path, engine.dirs):
        for path in sorted(directory.rglob("*.html")):
            try:
                engine.get_template(str(path.relative_to(directory)))
            except TemplateSyntaxError:
                continue


warm_up()
if not settings.DEBUG:
    gc.collect()
    gc.freeze()
