from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("material/<str:signed>/", views.material_file, name="material_file"),
]
