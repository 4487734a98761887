from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

CERTIFICATE_NAME_HELP = (
    "Printed on your completion certificate. Without it, the certificate shows your username."
)


class SignupForm(UserCreationForm):
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


class CertificateNameForm(forms.ModelForm):
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
            self.instance.save(update_fields=list(self._meta.fields))
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
