from django.apps import AppConfig


class MetroConfig(AppConfig):
    name = "seoul.metro"
    label = "metro"
    verbose_name = "Seoul Metro tagless gates and fares"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes
        from seoul.metro.events import MetroEvent, MetroPurpose

        register_events(MetroEvent)
        register_purposes(MetroPurpose)
