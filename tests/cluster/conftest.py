"""The cluster test (test_cluster.py) starts servers and its own Redis: it runs only when asked
(`make test-cluster` sets CLUSTER_TESTS=1); the ordinary run skips it and says why."""

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "cluster: starts two app servers and a Redis (make test-cluster)"
    )


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CLUSTER_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="starts servers and a Redis: run with `make test-cluster`")
    for item in items:
        if item.get_closest_marker("cluster"):
            item.add_marker(skip)
