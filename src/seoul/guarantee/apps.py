from django.apps import AppConfig


class GuaranteeConfig(AppConfig):
    name = "seoul.guarantee"
    label = "guarantee"
    verbose_name = "Untact credit guarantee and bank loan"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.guarantee.events import GuaranteeEvent

        register_events(GuaranteeEvent)
