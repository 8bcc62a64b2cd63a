from django.urls import path

from registrations import views, views_answers, views_links, views_selfservice

app_name = "registrations"

urlpatterns = [
    path("", views.workshop_list, name="workshop_list"),
    path("workshops/<slug:slug>/", views.register, name="register"),
    # The link in the emails: the id finds the delegation, the secret opens it (see registrations/access.py).
    path("r/<str:access_id>/<str:secret>/", views.registration_open, name="registration_open"),
    # The pages behind it, for a visitor whose session holds the delegation.
    path("registration/<str:access_id>/", views_selfservice.registration_detail, name="registration_detail"),
    path(
        "registration/<str:access_id>/receipt/",
        views_selfservice.registration_detail,
        {"receipt": True},
        name="receipt",
    ),
    path("registration/<str:access_id>/change/", views_selfservice.registration_change, name="registration_change"),
    path("registration/<str:access_id>/cancel/", views_selfservice.registration_cancel, name="registration_cancel"),
    path("registration/<str:access_id>/answers/", views_answers.registration_answers, name="answers"),
    path("privacy/", views.privacy, name="privacy"),
    # A lost link sent again, and «we did not register this» (registrations/views_links.py).
    path("lost-link/<slug:slug>/", views_links.lost_link, name="lost_link"),
    path("dispute/<slug:slug>/<int:municipality_id>/", views_links.dispute, name="dispute"),
]
