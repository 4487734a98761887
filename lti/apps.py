from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "LTI 1.3 (learning platforms)"

    def ready(self):
        from lti import passback

        passback.connect()
