from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "seoul.tracing"
    label = "tracing"
    verbose_name = "Contact tracing and exposure discovery"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.tracing.events import TracingEvent

        register_events(TracingEvent)
