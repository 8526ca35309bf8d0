from django.urls import path

from seoul.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/me/", views.account, name="account"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("audit/", views.audit_log, name="audit_log"),
    path("reason/", views.state_reason, name="state_reason"),
    path("privacy/", views.privacy_policy, name="privacy"),
    path("copyright/", views.copyright_policy, name="copyright"),
]
