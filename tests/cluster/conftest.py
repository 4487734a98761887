"""The cluster test (test_cluster.py) starts servers and its own Redis: it runs only when asked
(`make test-cluster` sets CLUSTER_TESTS=1). The ordinary run leaves it out (deselected, so it is
never reported as skipped)."""

import os


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "cluster: starts two app servers and a Redis (make test-cluster)"
    )


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CLUSTER_TESTS") == "1":
        return
    cluster = [item for item in items if item.get_closest_marker("cluster")]
    if cluster:
        config.hook.pytest_deselected(items=cluster)
        items[:] = [item for item in items if not item.get_closest_marker("cluster")]
