from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "seoul.plan"
    label = "plan"
    verbose_name = "Post-Corona plan"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.plan.events import PlanEvent

        register_events(PlanEvent)
