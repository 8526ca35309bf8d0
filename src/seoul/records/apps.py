from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "seoul.records"
    label = "records"
    verbose_name = "Electronic Document Center"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.records.events import RecordsEvent

        register_events(RecordsEvent)
