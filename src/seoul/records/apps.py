from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "seoul.records"
    label = "records"
    verbose_name = "Electronic Document Center"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes
        from seoul.records.events import RecordsEvent, RecordsPurpose

        register_events(RecordsEvent)
        register_purposes(RecordsPurpose)
