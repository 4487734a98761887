"""A matching answer shown as what it is: one row per pair, right or wrong, with the correct
match. For the feedback, the results, the learner's export and the admin.

Works from a question version's spec ({"pairs": [{key, left, right_key}], "rights": [{key,
text}]}) and a stored answer ({"pairs": {left key: right key}}).
"""

from collections import Counter
from collections.abc import Mapping
from typing import Any


def rights_unique(spec: Mapping[str, Any]) -> bool:
    """Whether each right-hand option is the match of one item at most (then a learner choosing
    one option for two items has certainly made a mistake)."""
    counts = Counter(pair["right_key"] for pair in spec.get("pairs", []))
    return all(n == 1 for n in counts.values())


def pair_rows(spec: Mapping[str, Any], answer: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """One row per pair, in the author's order: the item, the learner's match (None when no
    answer), the correct match, and whether the learner's is right."""
    rights = {right.get("key"): right.get("text", "") for right in spec.get("rights", [])}
    given = (answer or {}).get("pairs") or {}
    rows = []
    for pair in spec.get("pairs", []):
        chosen = given.get(pair.get("key"))
        rows.append(
            {
                "left": pair.get("left", ""),
                "chosen": rights.get(chosen, "") if chosen is not None else None,
                "correct": rights.get(pair.get("right_key"), ""),
                "is_right": chosen is not None and chosen == pair.get("right_key"),
            }
        )
    return rows


def pairs_text(rows: list[dict[str, Any]]) -> str:
    """The rows as plain text, one line per pair ("✓ item → match" or "✗ item → match
    (correct: match)"), for CSV files and plain admin fields."""
    lines = []
    for row in rows:
        if row["chosen"] is None:
            lines.append(f"{row['left']} → {row['correct']}")
        elif row["is_right"]:
            lines.append(f"✓ {row['left']} → {row['chosen']}")
        else:
            lines.append(f"✗ {row['left']} → {row['chosen']} (correct: {row['correct']})")
    return "\n".join(lines)


def duplicate_choice(spec: Mapping[str, Any], given: Mapping[str, str]) -> str | None:
    """The text of a right-hand option chosen for two items when each option fits one item
    only, else None."""
    if not rights_unique(spec):
        return None
    counts = Counter(given.values())
    rights = {right["key"]: right["text"] for right in spec.get("rights", [])}
    for key, n in counts.items():
        if n > 1:
            return str(rights.get(key, key))
    return None
