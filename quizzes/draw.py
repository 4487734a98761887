"""Drawing an attempt's questions from the pools, deterministically from the attempt's seed.

Pure Python, no Django: the caller reads the pools (active question ids per objective) and
stores the result on `Attempt.question_ids`, so a reload never draws again.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence

SEED_BITS = 62  # fits Attempt.seed (a signed 64-bit BigIntegerField)


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


def draw(pools: Mapping[int, Sequence[int]], count: int, seed: int) -> list[int]:
    """Draw up to `count` question ids from `pools` (objective id -> question ids).

    With one pool this is a plain random sample. With several (the course test) the draw is
    balanced: objectives take turns, in a shuffled order, so their counts differ by at most
    one while each has questions left. The result is shuffled, so objectives are mixed.
    The same pools, count and seed always give the same list.
    """
    rng = random.Random(seed)
    queues = []
    for objective_id in sorted(pools):
        ids = sorted(set(pools[objective_id]))
        rng.shuffle(ids)
        if ids:
            queues.append(ids)
    rng.shuffle(queues)
    drawn: list[int] = []
    while len(drawn) < count and any(queues):
        for queue in queues:
            if queue and len(drawn) < count:
                drawn.append(queue.pop())
    rng.shuffle(drawn)
    return drawn


def option_rng(seed: int, question_id: int) -> random.Random:
    """The generator that orders one question's options in one attempt (stable on reload)."""
    return random.Random(f"{seed}:{question_id}")
