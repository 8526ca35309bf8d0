from django.apps import AppConfig


class BusinessConfig(AppConfig):
    name = "seoul.business"
    label = "business"
    verbose_name = "Small-business life-cycle support"

    def ready(self) -> None:
        from seoul.business.events import BusinessEvent, BusinessPurpose
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes

        register_events(BusinessEvent)
        register_purposes(BusinessPurpose)
