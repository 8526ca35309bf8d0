from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "seoul.care"
    label = "care"
    verbose_name = "S-돌봄 infection-prevention design"

    def ready(self) -> None:
        from seoul.care.events import CareEvent
        from seoul.core.audit import register_events

        register_events(CareEvent)
