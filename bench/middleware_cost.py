"""Each middleware's cost on the trivial view, measured in one process (run by bench/run.py).

    python bench/middleware_cost.py [--requests 2000] [--settings config.settings]

Builds Django's WSGI handler once with the whole MIDDLEWARE list and once without each
middleware in turn, then calls them with the same `GET /bench/baseline` environ in interleaved
batches, keeping each variant's fastest batch (the least disturbed by other processes). Prints
microseconds per request for the whole stack and what removing each middleware saves, and
the last line as JSON. With `--settings bench.bare.settings` it measures the bare reference
project the same way.
"""

import argparse
import gc
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def out(text):
    sys.stdout.write(text + "\n")


def environ():
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/bench/baseline",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def handler_without(settings, skipped):
    from django.core.handlers.wsgi import WSGIHandler

    full = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [m for m in full if m != skipped]
    try:
        return WSGIHandler()
    finally:
        settings.MIDDLEWARE = full


def batch_seconds(handler, count):
    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    gc.collect()
    gc.disable()  # a collection landing in one variant's batch would be charged to it
    started = time.perf_counter()
    for _ in range(count):
        response = handler(environ(), start_response)
        for _chunk in response:
            pass
        response.close()  # request_finished, as a WSGI server does
    elapsed = time.perf_counter() - started
    gc.enable()
    return elapsed / count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=8000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--settings", default="config.settings")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-middleware-cost-" + "x" * 40)
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ["BENCH"] = "true"
    os.environ["DJANGO_LOG_LEVEL"] = "CRITICAL"  # a variant that fails is reported, not logged
    import django
    from django.conf import settings

    django.setup()
    variants = {"whole stack": handler_without(settings, None)}
    needed = []
    for name in settings.MIDDLEWARE:
        handler = handler_without(settings, name)
        try:  # another middleware may need this one (auth needs the session)
            batch_seconds(handler, 1)
        except Exception:
            needed.append(name)
            continue
        variants[f"without {name}"] = handler
    best = dict.fromkeys(variants, float("inf"))
    per_batch = max(1, args.requests // args.batches)
    for handler in variants.values():  # warm up: imports, URL resolver, settings
        batch_seconds(handler, 50)
    for _ in range(args.batches):
        for name, handler in variants.items():
            best[name] = min(best[name], batch_seconds(handler, per_batch))
    whole = best["whole stack"] * 1e6
    out(f"{args.settings}: whole stack {whole:.1f} us per request (fastest batch)")
    saved = {}
    for name in settings.MIDDLEWARE:
        if name in needed:
            out(f"  {name}: needed by another middleware, not measured alone")
            continue
        saved[name] = whole - best[f"without {name}"] * 1e6
        out(f"  {name}: {saved[name]:+.1f} us")
    out(json.dumps({"settings": args.settings, "whole_us": whole, "saved_us": saved}))


if __name__ == "__main__":
    main()
