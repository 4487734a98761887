"""Count the SQL statements of one request per endpoint, in process, for the version of the app
whose tree is the working directory (run by bench/compare.py with that version's Python, its
production settings and its benchmark database).

    python bench/count_queries.py "question page=/tmp/.../question.tsv" ...

Each file is a request list in bench/requests.lua's format. For each: "first", its last line,
the first request of this new process (the course content not cached in it yet); "other", the
line before it (another learner's, when there is one); "again", that learner once more (the
same page for a GET, their previous line's fresh answer for a POST). BEGIN, COMMIT, ROLLBACK
and savepoints are not counted. Prints one JSON object:
{"question page": {"first": 7, "other": 2, "again": 1}, ...}; a count is a string when the
request did not answer 2xx.
"""

import json
import os
import sys

sys.path[0] = os.getcwd()  # the version's tree, not this script's
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def count(line):
    method, path, cookie, csrf, body = line.split("\t")
    client = Client(HTTP_HOST="127.0.0.1")
    for part in filter(None, cookie.split("; ")):
        key, _, value = part.partition("=")
        client.cookies[key] = value
    headers = {"HTTP_X_CSRFTOKEN": csrf, "HTTP_HX_REQUEST": "true"} if csrf else {}
    with CaptureQueriesContext(connection) as captured:
        if method == "POST":
            kind = "application/x-www-form-urlencoded"
            response = client.post(path, body, content_type=kind, **headers)
        else:
            response = client.get(path, **headers)
    if not 200 <= response.status_code < 300:
        return f"answered {response.status_code}"
    return sum(not q["sql"].lstrip().upper().startswith(CONTROL) for q in captured)


def main():
    counts = {}
    for argument in sys.argv[1:]:
        name, _, filename = argument.partition("=")
        with open(filename) as f:
            lines = f.read().splitlines()
        other = lines[-2] if len(lines) > 1 else lines[-1]
        again = other
        if other.startswith("POST"):  # the same learner's previous answer: a fresh one
            cookie = other.split("\t")[2]
            again = next(line for line in reversed(lines[:-2]) if line.split("\t")[2] == cookie)
        counts[name] = {"first": count(lines[-1]), "other": count(other), "again": count(again)}
    sys.stdout.write(json.dumps(counts) + "\n")


if __name__ == "__main__":
    main()
