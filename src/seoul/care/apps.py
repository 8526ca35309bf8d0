from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "seoul.care"
    label = "care"
    verbose_name = "S-돌봄 infection-prevention design"
