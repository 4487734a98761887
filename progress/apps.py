from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Learner progress"

    def ready(self):
        from progress import itemtally, masterytally, standing

        standing.connect_signals()
        itemtally.connect_signals()
        masterytally.connect_signals()
