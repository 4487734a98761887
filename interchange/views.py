"""The question bank's export in the admin: a page per course with each format's download and
what other tools lose, under /admin/interchange/ behind the admin's login and staff check."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET

from courses.models import Course
from interchange.common import FORMATS, InterchangeError
from interchange.convert import export, export_items, load_items

FORMAT_LABELS = {
    "gift": "GIFT (Moodle's text format)",
    "moodle-xml": "Moodle XML",
    "qti3": "QTI 3.0 package (zip)",
    "qti21": "QTI 2.1 package (zip), for Blackboard",
}
CONTENT_TYPES = {
    "gift": "text/plain; charset=utf-8",
    "moodle-xml": "application/xml; charset=utf-8",
    "qti3": "application/zip",
    "qti21": "application/zip",
}


def urls(admin_site):
    def view(func):
        return admin_site.admin_view(require_GET(partial(func, admin_site)))

    return [
        path("courses/<int:course_id>/export/", view(export_page), name="export"),
        path(
            "courses/<int:course_id>/export/<str:format_name>",
            view(download),
            name="download",
        ),
    ]


def _course(request, course_id: int) -> Course:
    if not request.user.has_perm("quizzes.view_question"):
        raise PermissionDenied("You may not view the question bank.")
    return get_object_or_404(Course, pk=course_id)


def _export(course: Course, format_name: str):
    if not course.source_path:
        raise InterchangeError("this course has no course file recorded; import it first")
    return export(Path(course.source_path), format_name)


def export_page(admin_site, request, course_id: int):
    course = _course(request, course_id)
    rows: list[dict[str, Any]] = []
    try:  # the course file is read and checked once for the four formats
        if not course.source_path:
            raise InterchangeError("this course has no course file recorded; import it first")
        slug, items = load_items(Path(course.source_path))
    except InterchangeError as error:
        rows = [{"name": n, "label": FORMAT_LABELS[n], "error": str(error)} for n in FORMATS]
    else:
        for name in FORMATS:
            try:
                exported = export_items(slug, items, name)
            except InterchangeError as error:
                rows.append({"name": name, "label": FORMAT_LABELS[name], "error": str(error)})
                continue
            rows.append(
                {
                    "name": name,
                    "label": FORMAT_LABELS[name],
                    "filename": exported.filename,
                    "warnings": exported.warnings,
                }
            )
    context = {
        **admin_site.each_context(request),
        "title": f"Export the question bank: {course.title}",
        "course": course,
        "rows": rows,
    }
    return TemplateResponse(request, "admin/interchange/export.html", context)


def download(admin_site, request, course_id: int, format_name: str):
    course = _course(request, course_id)
    if format_name not in FORMATS:
        raise Http404("No such format.")
    try:
        exported = _export(course, format_name)
    except InterchangeError as error:
        return HttpResponse(
            f"The question bank cannot be exported as {format_name}: {error}\n",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(exported.content, content_type=CONTENT_TYPES[format_name])
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response
