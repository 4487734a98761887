"""A multiple-select answer shown option by option: chosen or not, right or wrong, with the
feedback of each option chosen, and the partial-credit rule worked out. For the feedback and
the results, like matching_display for matching.

Works from a question version's spec ({"options": [{key, text, correct, feedback_html}]}) and a
stored answer ({"choices": [keys]}).
"""

from collections.abc import Mapping
from typing import Any


def option_rows(spec: Mapping[str, Any], answer: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """One row per option, in the author's order: its text, whether the learner chose it,
    whether it is correct, the mark ("right", "wrong" or "" for an option rightly left out)
    and the option's feedback when chosen."""
    chosen = set((answer or {}).get("choices") or [])
    rows = []
    for option in spec.get("options", []):
        picked = option.get("key") in chosen
        correct = bool(option.get("correct"))
        # A correct option missed is a mistake too; a wrong one left out gets no mark.
        mark = ("right" if correct else "wrong") if picked else ("wrong" if correct else "")
        rows.append(
            {
                "text": option.get("text", ""),
                "chosen": picked,
                "correct": correct,
                "mark": mark,
                "feedback_html": option.get("feedback_html", "") if picked else "",
            }
        )
    return rows


def score_rule(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The partial-credit rule with this answer's numbers: max(0, (right picks - wrong picks)
    / correct options), as a percentage."""
    right = sum(1 for row in rows if row["chosen"] and row["correct"])
    wrong = sum(1 for row in rows if row["chosen"] and not row["correct"])
    total = sum(1 for row in rows if row["correct"]) or 1
    return {
        "right": right,
        "wrong": wrong,
        "total": total,
        "percent": round(100 * max(0, right - wrong) / total),
    }
