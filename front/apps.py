from django.apps import AppConfig


class FrontConfig(AppConfig):
    """Every page a learner sees (front/views/), above the domain apps whose models, services
    and pure modules it uses; the templates are in templates/front/."""

    name = "front"
    verbose_name = "Learner pages"
