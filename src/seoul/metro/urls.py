from django.urls import path, register_converter

from seoul.metro import rider_pages, views

app_name = "metro"


class _Format:
    regex = "csv|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Format, "statement_format")

urlpatterns = [
    path("", views.fare, name="fare"),
    path("join/", rider_pages.join_phone, name="join"),
    path("join/code/", rider_pages.join_code, name="join_code"),
    path("join/code/resend/", rider_pages.join_resend, name="join_resend"),
    path("join/details/", rider_pages.join_details, name="join_details"),
    path("join/done/", rider_pages.new_token, name="join_done"),
    path("me/", views.my_journeys, name="my_journeys"),
    path("me/account/", rider_pages.account, name="account"),
    path("me/account/card/", rider_pages.card_start, name="card_start"),
    path("me/account/card/return/", rider_pages.card_return, name="card_return"),
    path("me/account/top-up/", rider_pages.top_up, name="top_up"),
    path("me/account/pay/", rider_pages.pay_debt, name="pay_debt"),
    path("me/account/location/", rider_pages.location_consent, name="location_consent"),
    path("me/account/phones/<int:pk>/replace/", rider_pages.replace_device, name="replace_device"),
    path("me/account/phones/new/", rider_pages.new_token, name="new_token"),
    path("me/journeys/<str:key>/", rider_pages.receipt, name="receipt"),
    path("me/journeys/<str:key>/dispute/", views.dispute, name="dispute"),
    path("me/journeys/<str:key>/correct/", rider_pages.correct, name="correct"),
    path("me/pass/", views.buy_pass, name="buy_pass"),
    path("me/pass/renew/", rider_pages.renew_pass, name="renew_pass"),
    path("me/pass/<int:pk>/refund/", rider_pages.refund_pass, name="refund_pass"),
    path(
        "me/statements/<str:month>.<statement_format:fmt>",
        rider_pages.statement,
        name="statement",
    ),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("operations/", views.operations, name="operations"),
    path("reports/", views.reports, name="reports"),
    path("congestion/", views.congestion, name="congestion"),
    path("congestion/display/", views.congestion_display, name="congestion_display"),
    path("congestion/measured/<str:day>.csv", views.congestion_csv, name="congestion_csv"),
    path("maintenance/", views.maintenance, name="maintenance"),
    path("maintenance/orders/<int:pk>/", views.work_order, name="work_order"),
    path("maintenance/orders/<int:pk>/<slug:step>/", views.work_order_step, name="work_order_step"),
    path("maintenance/assets/<str:code>/", views.asset, name="asset"),
    path("maintenance/assets/<str:code>/devices/", views.asset_device_add, name="asset_device_add"),
    path("maintenance/devices/<int:pk>/token/", views.sensor_device_token, name="sensor_device_token"),
    path("maintenance/devices/<int:pk>/<slug:step>/", views.sensor_device_step, name="sensor_device_step"),
]
