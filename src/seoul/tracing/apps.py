from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "seoul.tracing"
    label = "tracing"
    verbose_name = "Contact tracing and exposure discovery"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes
        from seoul.tracing.events import TracingEvent, TracingPurpose

        register_events(TracingEvent)
        register_purposes(TracingPurpose)
