from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("courses/<slug:slug>/", views.course_home, name="course"),
    path("courses/<slug:slug>/lessons/<slug:lesson_slug>/", views.lesson_page, name="lesson"),
    path(
        "courses/<slug:slug>/lessons/<slug:lesson_slug>/complete",
        views.mark_complete,
        name="complete",
    ),
]
