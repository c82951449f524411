from django.contrib import admin
from django.urls import path

from notes import views

urlpatterns = [
    path("", views.index, name="index"),
    path("about/", views.about, name="about"),
    path("notes/<int:pk>/", views.detail, name="detail"),
    path("notes/new/", views.new_note, name="new"),
    path("api/notes/", views.api_notes, name="api-notes"),
    path("api/stats/", views.api_stats, name="api-stats"),
    path("fr/", views.french, name="french"),
    path("admin/", admin.site.urls),
]
