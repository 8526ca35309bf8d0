from django.apps import AppConfig


class GuaranteeConfig(AppConfig):
    name = "seoul.guarantee"
    label = "guarantee"
    verbose_name = "Untact credit guarantee and bank loan"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes
        from seoul.guarantee.events import GuaranteeEvent, GuaranteePurpose

        register_events(GuaranteeEvent)
        register_purposes(GuaranteePurpose)
