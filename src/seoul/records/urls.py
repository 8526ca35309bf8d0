from django.urls import path

from seoul.records import cloud, disclosure, views

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.record, name="record"),
    path("<int:pk>/pages/<int:number>.png", cloud.page, name="page"),
    path("<int:pk>/download/", cloud.download, name="download"),
    path("<int:pk>/share/", views.share, name="share"),
    path("<int:pk>/share/<int:link>/withdraw/", cloud.revoke, name="revoke"),
    path("shared/", cloud.shared_open, name="shared_open"),
    path("shared/<int:link>/", cloud.shared, name="shared"),
    path("shared/<int:link>/pages/<int:number>.png", cloud.shared_page, name="shared_page"),
    path("second-factor/", cloud.second_factor, name="second_factor"),
    path("ask/", disclosure.mine, name="my_requests"),
    path("ask/<int:pk>/", disclosure.my_request, name="my_request"),
    path("ask/<int:pk>/file/", disclosure.my_file, name="my_file"),
    path("requests/", disclosure.worklist, name="requests"),
    path("requests/<int:pk>/", disclosure.handle, name="request"),
    path("disposal/", views.disposal, name="disposal"),
    path("disposal/<int:pk>/", views.review, name="review"),
]
