from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "seoul.core"
    label = "core"
    verbose_name = "Platform core"

    def ready(self) -> None:
        from seoul.core import signals  # noqa: F401  (connects the sign-in audit receivers)
