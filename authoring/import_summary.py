"""What import_course prints for a course: one summary line, not a line per object."""

import re
from collections import Counter

_COUNTED = re.compile(r"^(?P<verb>created|updated|retired|restored) (?P<kind>\w+) ")


def summarise(changes: list[str]) -> tuple[str, list[str]]:
    """The import's routine changes counted by action and kind, in the order first seen
    ("created 1 course, 4 objectives, 9 lessons; updated 2 questions"), and the other changes,
    worth a line of their own (a course now imported from another file)."""
    counts: Counter[tuple[str, str]] = Counter()
    notable = []
    for change in changes:
        match = _COUNTED.match(change)
        if match:
            counts[(match["verb"], match["kind"])] += 1
        else:
            notable.append(change)
    by_verb: dict[str, list[str]] = {}
    for (verb, kind), n in counts.items():
        plural = kind + ("zes" if kind.endswith("z") else "s")
        by_verb.setdefault(verb, []).append(f"{n} {kind}" if n == 1 else f"{n} {plural}")
    summary = "; ".join(f"{verb} {', '.join(items)}" for verb, items in by_verb.items())
    return summary, notable
