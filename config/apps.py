from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package as an app: its models (config.models) and start-up work."""

    name = "config"
    verbose_name = "Project"

    def ready(self):
        from lib.cache import code_version

        code_version()  # the digest of the code, once at start-up, not on a first request
