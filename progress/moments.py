"""Whether an answer was the one that completed its course, so the page can celebrate it.

progress.services.record_answer completes the course with the answer's own time as
`completed_at` (the answer raising the last objective to Proficient), so the completion row
names the answer that earned it. Pages that show answers ask here; no query unless one of the
answers reached Proficient.
"""

from progress.mastery import Level
from progress.models import CourseCompletion


def completed_course_with(user_id, course, responses) -> bool:
    """True if one of `responses` (the learner's, in `course`) completed the course."""
    times = [
        r.graded_at
        for r in responses
        if r is not None and r.level_after is not None and r.level_after >= Level.PROFICIENT
    ]
    if not times:
        return False
    return CourseCompletion.objects.filter(
        user_id=user_id, course=course, completed_at__in=times
    ).exists()
