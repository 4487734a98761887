from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package as an app, for project-wide signal receivers."""

    name = "config"
    verbose_name = "Project"

    def ready(self):
        from config import pagecache

        pagecache.connect_signals()
