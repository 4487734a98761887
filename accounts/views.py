from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts import export
from accounts.forms import DeleteAccountForm, SignupForm


def _safe_next(request, default="courses:catalogue"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def signup(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_safe_next(request))
    # A form shown again with its errors is a normal page (200): the learner corrects it.
    context = {"form": form, "next": _safe_next(request, "")}
    return render(request, "registration/signup.html", context)


@login_required
def account_settings(request):
    return render(request, "registration/settings.html")


# --- the learner's own data ------------------------------------------------------------------


def _download_name(request, kind, ext):
    return f"coursework-{request.user.get_username()}-{kind}-{timezone.localdate():%Y-%m-%d}.{ext}"


def _attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_answers_csv(request):
    body = export.to_csv(export.answer_rows(request.user), export.ANSWER_FIELDS)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    return _attachment(response, _download_name(request, "answers", "csv"))


@login_required
def export_mastery_csv(request):
    body = export.to_csv(export.mastery_rows(request.user), export.MASTERY_FIELDS)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    return _attachment(response, _download_name(request, "mastery", "csv"))


@login_required
def export_json(request):
    response = JsonResponse(export.everything(request.user), json_dumps_params={"indent": 2})
    return _attachment(response, _download_name(request, "data", "json"))


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """GET: the confirmation page; POST with the password: delete the account and its data
    (attempts, responses, mastery and completions go with it: CASCADE on the user)."""
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        user.delete()
        messages.success(request, "Your account and all your data have been deleted.")
        return redirect("courses:catalogue")
    return render(request, "registration/delete_account.html", {"form": form})
