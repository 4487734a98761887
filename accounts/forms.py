import unicodedata
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

CERTIFICATE_NAME_HELP = (
    "Printed on your completion certificate. Without it, the certificate shows your username."
)


# Control codes (ESC, BEL, line breaks), format characters (bidi overrides and isolates,
# zero-width spaces and joiners) and unassigned, private or surrogate code points: invisible in
# a name, and able to reorder or hide what is printed beside it.
REFUSED_CATEGORIES = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}
NAME_MESSAGE = (
    "Use letters, spaces and punctuation only: this name contains an invisible or control "
    "character (such as a text-direction mark or a zero-width space)."
)


def refuse_hidden_characters(value: str) -> None:
    """A name's validator: no character that is invisible or changes the text's layout."""
    if any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in value):
        raise forms.ValidationError(NAME_MESSAGE, code="hidden_character")


class NameFieldsMixin:
    """First and last name refuse hidden characters (certificates and reports print them)."""

    cleaned_data: dict[str, Any]  # a mixin of forms.Form

    def clean_first_name(self):
        value = self.cleaned_data.get("first_name", "")
        refuse_hidden_characters(value)
        return value

    def clean_last_name(self):
        value = self.cleaned_data.get("last_name", "")
        refuse_hidden_characters(value)
        return value


class SignupForm(NameFieldsMixin, UserCreationForm):
    """Sign-up: a username (unique, so the form says when it is taken, as it must) and an
    email address for password resets.

    The address is not verified and not required to be unique, so the form never says
    whether an address already has an account (docs/deploy.md, "What sign-up reveals").
    A password reset for an address reaches every account that uses it.
    """

    email = forms.EmailField(
        help_text="For password resets. Never shown to other learners.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email", "first_name", "last_name")
        labels = {"first_name": "First name (optional)", "last_name": "Last name (optional)"}
        help_texts = {"first_name": CERTIFICATE_NAME_HELP}

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class CertificateNameForm(NameFieldsMixin, forms.ModelForm):
    """The name printed on the learner's certificates (Django's first and last name)."""

    class Meta:
        model = get_user_model()
        fields = ("first_name", "last_name")
        labels = {"first_name": "First name", "last_name": "Last name"}
        help_texts = {"first_name": CERTIFICATE_NAME_HELP}

    def save(self, commit=True):
        """Write only the two name columns: with update_fields a row deleted meanwhile raises
        DatabaseError instead of being inserted again, and no other column is touched."""
        if commit:
            self.instance.save(update_fields=list(self._meta.fields or ()))
        return self.instance


class DeleteAccountForm(forms.Form):
    """Confirm the deletion of one's own account by typing the password again."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password. Nothing was deleted.")
        return password


class OneMessagePasswordResetForm(PasswordResetForm):
    """Django's password reset, sending ONE message per request to the address typed, listing
    a link for each account that uses it (an address may have several: sign-up does not make
    addresses unique), never one message per account. The per-address limit (counted by the
    view) is applied here, silently: the page must not tell whether an address has accounts."""

    def save(
        self,
        domain_override=None,
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.html",
        use_https=False,
        token_generator=default_token_generator,
        from_email=None,
        request=None,
        html_email_template_name=None,
        extra_email_context=None,
    ):
        email = self.cleaned_data["email"]
        # One message lists them all, in a stable order (the query's order is the database's).
        users = sorted(self.get_users(email), key=lambda user: user.get_username())
        if not users or getattr(self, "address_over_limit", False):
            return
        site = get_current_site(request)
        accounts = [
            {
                "user": user,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": token_generator.make_token(user),
            }
            for user in users
        ]
        context = {
            "email": email,
            "domain": domain_override or site.domain,
            "site_name": domain_override or site.name,
            "protocol": "https" if use_https else "http",
            "accounts": accounts,
            "user": users[0],
            **(extra_email_context or {}),
        }
        self.send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            email,
            html_email_template_name,
        )
