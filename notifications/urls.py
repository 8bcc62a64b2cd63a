from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("material/<str:signed>/", views.material_file, name="material_file"),
    path("staff/material/<int:pk>/", views.material_file_staff, name="material_file_staff"),
]
