from django.apps import AppConfig


class FundConfig(AppConfig):
    name = "seoul.fund"
    label = "fund"
    verbose_name = "Start-up policy fund"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes
        from seoul.fund.events import FundEvent, FundPurpose

        register_events(FundEvent)
        register_purposes(FundPurpose)
