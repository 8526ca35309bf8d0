from django.apps import AppConfig


class FundConfig(AppConfig):
    name = "seoul.fund"
    label = "fund"
    verbose_name = "Start-up policy fund"
