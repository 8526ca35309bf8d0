from django.urls import path

from seoul.guarantee import views

app_name = "guarantee"

urlpatterns = [
    path("", views.start, name="start"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/wait/", views.sign_in_wait, name="sign_in_wait"),
    path("apply/", views.mine, name="mine"),
    path("apply/new/", views.new, name="new"),
    path("apply/<str:reference>/", views.status, name="status"),
    path("apply/<str:reference>/q/<str:field>/", views.question, name="question"),
    path("apply/<str:reference>/business/", views.business, name="business"),
    path("apply/<str:reference>/documents/", views.documents, name="documents"),
    path("apply/<str:reference>/documents/upload/", views.upload, name="upload"),
    path("apply/<str:reference>/check/", views.check, name="check"),
    path("apply/<str:reference>/agreement/", views.agreement, name="agreement"),
    path("apply/<str:reference>/pay/", views.pay, name="pay"),
    path("apply/<str:reference>/pay/return/", views.payment_return, name="payment_return"),
    path("apply/<str:reference>/resend/", views.resend, name="resend"),
    path("apply/<str:reference>/renew/", views.renew, name="renew"),
    path("apply/<str:reference>/claim/pay/", views.claim_pay, name="claim_pay"),
    path("apply/<str:reference>/claim/pay/return/", views.claim_pay_return, name="claim_pay_return"),
    path("apply/<str:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("queue/", views.queue, name="queue"),
    path("queue/<str:reference>/", views.file, name="file"),
    path("queue/<str:reference>/documents/<int:pk>/", views.document, name="document"),
    path("defaults/", views.defaults, name="defaults"),
    path("report/", views.report, name="report"),
    path("defaults/<str:reference>/", views.default, name="default"),
]
