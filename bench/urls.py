from django.urls import include, path

from bench.views import bare_insert

urlpatterns = [
    path("bench/bare-insert/", bare_insert),
    path("", include("config.urls")),
]
