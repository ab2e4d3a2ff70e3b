from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("verify/", views.verify_view, name="verify"),
    path("two-factor/", views.two_factor_view, name="two_factor"),
    path("two-factor/confirm/", views.two_factor_confirm, name="two_factor_confirm"),
    path("two-factor/restart/", views.two_factor_restart, name="two_factor_restart"),
    path("two-factor/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/people/", views.two_factor_people, name="two_factor_people"),
    path("two-factor/people/<str:employee_no>/reset/", views.two_factor_reset, name="two_factor_reset"),
]
