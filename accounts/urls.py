from django.urls import path

from accounts import views
from front.views.progress import my_progress

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("settings/", views.account_settings, name="settings"),
    # A learner page (front), under the account's URLs and name as the header links to it.
    path("progress/", my_progress, name="my_progress"),
    path("settings/answers.csv", views.export_answers_csv, name="export_answers_csv"),
    path("settings/mastery.csv", views.export_mastery_csv, name="export_mastery_csv"),
    path("settings/my-data.json", views.export_json, name="export_json"),
    path("settings/delete/", views.delete_account, name="delete"),
]
