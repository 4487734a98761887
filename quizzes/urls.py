from django.urls import path

from quizzes import views

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
