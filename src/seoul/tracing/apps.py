from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "seoul.tracing"
    label = "tracing"
    verbose_name = "Contact tracing and exposure discovery"
