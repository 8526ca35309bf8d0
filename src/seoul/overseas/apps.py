from django.apps import AppConfig


class OverseasConfig(AppConfig):
    name = "seoul.overseas"
    label = "overseas"
    verbose_name = "Overseas online sales"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes
        from seoul.overseas.events import OverseasEvent, OverseasPurpose

        register_events(OverseasEvent)
        register_purposes(OverseasPurpose)
