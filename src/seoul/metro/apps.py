from django.apps import AppConfig


class MetroConfig(AppConfig):
    name = "seoul.metro"
    label = "metro"
    verbose_name = "Seoul Metro tagless gates and fares"
