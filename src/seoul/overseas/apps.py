from django.apps import AppConfig


class OverseasConfig(AppConfig):
    name = "seoul.overseas"
    label = "overseas"
    verbose_name = "Overseas online sales"
