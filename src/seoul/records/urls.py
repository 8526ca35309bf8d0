from django.urls import path

from seoul.records import views

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.record, name="record"),
    path("disposal/", views.disposal, name="disposal"),
    path("disposal/<int:pk>/", views.review, name="review"),
]
