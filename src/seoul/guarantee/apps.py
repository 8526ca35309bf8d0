from django.apps import AppConfig


class GuaranteeConfig(AppConfig):
    name = "seoul.guarantee"
    label = "guarantee"
    verbose_name = "Untact credit guarantee and bank loan"
