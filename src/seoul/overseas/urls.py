from django.urls import path

app_name = "overseas"

urlpatterns: list[path] = []
