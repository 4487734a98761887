from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("settings/", views.account_settings, name="settings"),
    path("progress/", views.my_progress, name="my_progress"),
    path("settings/answers.csv", views.export_answers_csv, name="export_answers_csv"),
    path("settings/mastery.csv", views.export_mastery_csv, name="export_mastery_csv"),
    path("settings/my-data.json", views.export_json, name="export_json"),
    path("settings/delete/", views.delete_account, name="delete"),
]
