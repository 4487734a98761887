from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands.runserver import Command as RunserverCommand

from authoring import preview


class Command(RunserverCommand):
    help = (
        "Live preview for authors: serve the app and import the course again whenever its file "
        "or question bank changes. An import error is shown in the browser with its file and "
        "line; the linter's findings are listed on the course home. For development only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course", type=Path, help="the course Markdown file")
        super().add_arguments(parser)
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between two looks at the course's files (default 1)",
        )

    def handle(self, *args: Any, course: Path, interval: float, **options: Any) -> None:
        if not course.is_file():
            raise CommandError(f"{course}: no such file")
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds")
        state = preview.PreviewState(course_path=course)
        preview.PREVIEW = state
        watcher = preview.Watcher(state, interval=interval, on_import=self.report)
        watcher.reimport()  # the first import, before serving
        watcher.start()
        # One process, no code reloader: the watcher thread and the server share the state.
        options["use_reloader"] = False
        try:
            super().handle(*args, **options)
        finally:
            watcher.stop()

    def get_handler(self, *args: Any, **options: Any) -> Any:  # a WSGI application
        assert preview.PREVIEW is not None  # handle() starts the preview before serving
        return preview.PreviewApp(super().get_handler(*args, **options), preview.PREVIEW)

    def report(self, state: preview.PreviewState) -> None:
        """Tell the author in the console what the latest import did."""
        if state.problems:
            self.stderr.write(
                self.style.ERROR(
                    f"{state.course_path}: not imported ({len(state.problems)} problem(s)):"
                )
            )
            for problem in state.problems:
                self.stderr.write(f"  {problem}")
            return
        changes = ", ".join(state.changes) if state.changes else "no changes"
        self.stdout.write(self.style.SUCCESS(f"{state.course_path}: imported ({changes})."))
        if state.findings:
            self.stdout.write(
                f"  the course linter: {len(state.findings)} finding(s), listed on the course home"
            )
