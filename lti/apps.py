from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "LTI 1.3 (learning platforms)"

    def ready(self):
        from lti import passback
        from lti.models import taught_groups
        from progress import scope

        passback.connect()
        scope.set_taught_groups(taught_groups)  # class instructors see their classes' learners
