from django.urls import path

app_name = "fund"

urlpatterns: list[path] = []
