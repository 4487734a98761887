from django.urls import path

from quizzes import progress_views, views

app_name = "quizzes"

_quiz = "courses/<slug:course_slug>/quizzes/<slug:quiz_slug>/"
_attempt = _quiz + "attempts/<int:attempt_id>/"

urlpatterns = [
    path(_quiz, views.quiz_page, name="quiz"),
    path(_quiz + "start", views.start, name="start"),
    path(_attempt + "q/<int:slot>/", views.question_page, name="question"),
    path(_attempt + "q/<int:slot>/answer", views.answer, name="answer"),
    path(_attempt + "finish", views.finish, name="finish"),
    path(_attempt + "summary/", views.summary, name="summary"),
]

# The learner's progress, completion and practice (quizzes/progress_views.py).
urlpatterns += [
    path("courses/<slug:slug>/progress/", progress_views.progress, name="progress"),
    path("courses/<slug:slug>/certificate/", progress_views.certificate, name="certificate"),
    path(
        "courses/<slug:slug>/practice/<slug:objective_key>/",
        progress_views.practice_objective,
        name="practice",
    ),
    path(
        "courses/<slug:slug>/practice-weakest",
        progress_views.practice_weakest,
        name="practice_weakest",
    ),  # fmt: skip
    path("practice/<int:pk>/next", progress_views.practice_next, name="practice_next"),
]
