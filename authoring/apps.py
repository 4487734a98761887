from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    """Course authoring: reading course files and question banks, the linter, the live
    preview, the review pack and their commands. Above content (courses) and assessment
    (quizzes), which it writes; it has no models."""

    name = "authoring"
    verbose_name = "Course authoring"
