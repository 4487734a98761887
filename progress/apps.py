from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Learner progress"

    def ready(self):
        from progress import itemtally, standing

        standing.connect_signals()
        itemtally.connect_signals()
