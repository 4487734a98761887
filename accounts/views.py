from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts import export, throttle
from accounts.forms import (
    CertificateNameForm,
    DeleteAccountForm,
    OneMessagePasswordResetForm,
    SignupForm,
)
from lib.csvfiles import csv_text

RATE_WINDOW = 60 * 60  # sign-ups and password resets are counted per hour


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
    if request.method == "POST" and throttle.over_rate(
        "signup", throttle.client_address(request), settings.SIGNUP_RATE_LIMIT, RATE_WINDOW
    ):
        context = {"form": SignupForm(), "next": _safe_next(request, "")}
        return throttle.rate_limited_response(
            request, "registration/signup.html", context, RATE_WINDOW
        )
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="accounts.backends.CachedModelBackend")
        messages.success(request, welcome_message(user))
        return redirect(_safe_next(request))
    # A form shown again with its errors is a normal page (200): the learner corrects it.
    context = {"form": form, "next": _safe_next(request, "")}
    return render(request, "registration/signup.html", context)


def welcome_message(user):
    name = user.first_name or user.get_username()
    return (
        f"Welcome, {name}! Your account is ready: lessons you complete, quiz results and "
        "mastery are now saved. “My progress” at the top shows where you stand."
    )


def _fresh_user(request):
    """The signed-in user's row as committed now, for a change: `request.user` may be a cached
    copy, which is never saved (accounts/backends.py). None once the account is gone."""
    return get_user_model()._default_manager.filter(pk=request.user.pk).first()


def _account_gone(request):
    logout(request)
    messages.error(request, "Your account no longer exists.")
    return redirect("login")


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    """The account page; a POST saves the name printed on certificates (only those two columns
    of the row as it is now, never the request's possibly stale copy of the user)."""
    if request.method != "POST":
        form = CertificateNameForm(instance=request.user)
        return render(request, "registration/settings.html", {"name_form": form})
    user = _fresh_user(request)
    if user is None:
        return _account_gone(request)
    form = CertificateNameForm(request.POST, instance=user)
    if form.is_valid():
        try:
            form.save()
        except DatabaseError:  # the row was deleted since: update_fields never re-inserts it
            return _account_gone(request)
        messages.success(request, "Your name is saved. Your certificates now show it.")
        return redirect("accounts:settings")
    return render(request, "registration/settings.html", {"name_form": form})


# --- the learner's own data ------------------------------------------------------------------


def _download_name(request, kind, ext):
    return f"coursework-{request.user.get_username()}-{kind}-{timezone.localdate():%Y-%m-%d}.{ext}"


def _attachment(response, filename):
    # RFC 6266: a name outside ASCII (a CJK or Cyrillic username) goes in filename*=utf-8''...
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_answers_csv(request):
    body = csv_text(export.answer_rows(request.user), export.ANSWER_FIELDS)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    return _attachment(response, _download_name(request, "answers", "csv"))


@login_required
def export_mastery_csv(request):
    body = csv_text(export.mastery_rows(request.user), export.MASTERY_FIELDS)
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
    if request.method == "POST":
        guard = throttle.password_check_throttle(request)
        seconds = guard.seconds_left()
        if seconds:
            return _locked(request, "registration/delete_account.html", form, seconds)
        if form.is_valid():
            guard.succeeded()
            user_id = request.user.pk
            logout(request)
            get_user_model()._default_manager.filter(pk=user_id).delete()
            messages.success(request, "Your account and all your data have been deleted.")
            return redirect("courses:catalogue")
        guard.failed()
        seconds = guard.seconds_left()
        if seconds:
            return _locked(request, "registration/delete_account.html", form, seconds)
    return render(request, "registration/delete_account.html", {"form": form})


def _locked(request, template, form, seconds):
    """A password form refused while the user's logins are locked (429, Retry-After)."""
    context = {"form": throttle.locked_form(form, seconds)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class FreshUserPasswordChangeForm(PasswordChangeForm):
    def save(self, commit=True):
        """Write only the password column of the row (never a cached copy's other columns)."""
        self.user.set_password(self.cleaned_data["new_password1"])
        if commit:
            self.user.save(update_fields=["password"])
        return self.user


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change, on the user's row as it is now (not request.user's copy)."""

    form_class = FreshUserPasswordChangeForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = _fresh_user(self.request)
        return kwargs

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and _fresh_user(request) is None:
            return _account_gone(request)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        """The old password is a guess like a login's: throttled with the same counts."""
        self.guard = throttle.password_check_throttle(request)
        seconds = self.guard.seconds_left()
        if seconds:
            return _locked(request, self.template_name, self.get_form(), seconds)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.guard.succeeded()
        return super().form_valid(form)

    def form_invalid(self, form):
        if "old_password" in form.errors:
            self.guard.failed()
            seconds = self.guard.seconds_left()
            if seconds:
                return _locked(self.request, self.template_name, form, seconds)
        return super().form_invalid(form)


password_change = PasswordChange.as_view()


class PasswordReset(auth_views.PasswordResetView):
    """Django's password reset: one message per request (accounts.forms), at most
    PASSWORD_RESET_EMAIL_LIMIT messages an hour to one address (further requests send nothing,
    and say nothing different) and PASSWORD_RESET_ADDRESS_LIMIT requests an hour from one
    client address (then 429)."""

    form_class = OneMessagePasswordResetForm

    def post(self, request, *args, **kwargs):
        address = throttle.client_address(request)
        limit = settings.PASSWORD_RESET_ADDRESS_LIMIT
        if throttle.over_rate("reset-client", address, limit, RATE_WINDOW):
            context = {"form": self.get_form_class()()}
            return throttle.rate_limited_response(
                request, self.template_name, context, RATE_WINDOW
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"].casefold()
        limit = settings.PASSWORD_RESET_EMAIL_LIMIT
        form.address_over_limit = throttle.over_rate("reset-email", email, limit, RATE_WINDOW)
        return super().form_valid(form)


password_reset = PasswordReset.as_view()
