from django.urls import path

from registrations import views

app_name = "registrations"

urlpatterns = [
    path("", views.workshop_list, name="workshop_list"),
    path("workshops/<slug:slug>/", views.register, name="register"),
    # The token is the only key: these URLs are sent by email and must not be guessable.
    path("registration/<str:token>/", views.registration_detail, name="registration_detail"),
    path("registration/<str:token>/receipt/", views.registration_detail, {"receipt": True}, name="receipt"),
    path("privacy/", views.privacy, name="privacy"),
]
