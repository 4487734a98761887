from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes and mastery"

    def ready(self):
        from quizzes import content_cache

        content_cache.connect_signals()
