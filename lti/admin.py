"""Registering platforms (issuer, client id, OIDC, token and key set URLs, deployments), the
tool's keys, classes and the scores waiting to be sent."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from lti.models import Deployment, LtiClass, Platform, ScoreOutbox, ToolKey


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 1


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "client_id", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "issuer", "client_id"]
    inlines = [DeploymentInline]
    fieldsets = [
        (None, {"fields": ["name", "is_active"]}),
        (
            "From the platform",
            {
                "description": "What the LMS shows when the tool is added to it. The URLs to "
                "paste into the LMS are on the Classes page (/admin/lti/classes/).",
                "fields": [
                    "issuer",
                    "client_id",
                    "oidc_login_url",
                    "token_url",
                    "key_set_url",
                    "token_audience",
                    "frame_origins",
                ],
            },
        ),
    ]


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "created_at", "retired_at"]
    readonly_fields = ["kid", "created_at", "public_key"]
    fields = ["kid", "created_at", "retired_at", "public_key"]

    def has_add_permission(self, request):
        return False  # keys are made by `manage.py lti_rotate_key`, never typed in


@admin.register(LtiClass)
class LtiClassAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform", "context_id", "roster_link"]
    list_filter = ["platform"]
    search_fields = ["title", "label", "context_id"]
    readonly_fields = ["platform", "context_id", "group", "memberships_url", "roster_loaded_at"]

    @admin.display(description="Roster")
    def roster_link(self, obj):
        return format_html('<a href="{}">Roster</a>', reverse("lti_reports:roster", args=[obj.pk]))

    def has_add_permission(self, request):
        return False  # a class comes from a launch


@admin.register(ScoreOutbox)
class ScoreOutboxAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "tries", "next_try_at", "sent_at"]
    list_filter = ["sent_at"]
    readonly_fields = [f.name for f in ScoreOutbox._meta.fields]

    def has_add_permission(self, request):
        return False
