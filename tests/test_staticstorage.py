"""Production's static storage works out each file's URL once per process, and collectstatic
(which changes the manifest) never leaves a stale URL behind."""

import pytest

from config.staticstorage import ImmutableManifestStaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    source = tmp_path / "source" / "css"
    source.mkdir(parents=True)
    (source / "app.css").write_text("body { color: black; }\n")
    settings.STATICFILES_DIRS = [tmp_path / "source"]
    settings.STATIC_ROOT = tmp_path / "root"
    settings.STATIC_URL = "/static/"
    return tmp_path


def collect(root):
    """Run post_process over the source files the way collectstatic does; a new storage,
    as a new worker would have."""
    from django.contrib.staticfiles.finders import get_finders

    storage = ImmutableManifestStaticFilesStorage(location=root / "root")
    found = {}
    for finder in get_finders():
        for path, source_storage in finder.list([]):
            found[path] = (source_storage, path)
            with source_storage.open(path) as handle:
                if storage.exists(path):
                    storage.delete(path)
                storage.save(path, handle)
    list(storage.post_process(found))
    return storage


def test_a_files_url_is_the_hashed_one_and_is_worked_out_once(storage, monkeypatch):
    worker = ImmutableManifestStaticFilesStorage(location=collect(storage).location)
    url = worker.url("css/app.css")
    assert url.startswith("/static/css/app.") and url.endswith(".css")
    assert url != "/static/css/app.css"

    calls = []
    parent = ImmutableManifestStaticFilesStorage.__mro__[1].url
    monkeypatch.setattr(
        ImmutableManifestStaticFilesStorage.__mro__[1],
        "url",
        lambda self, name, force=False: calls.append(name) or parent(self, name, force),
    )
    assert [worker.url("css/app.css") for _ in range(3)] == [url] * 3
    assert calls == []  # read from the dict
    assert worker.url("css/app.css", force=True) == url
    assert calls == ["css/app.css"]  # force still asks the manifest


def test_collectstatic_leaves_no_stale_url(storage):
    first = collect(storage)
    old = first.url("css/app.css")
    (storage / "source" / "css" / "app.css").write_text("body { color: navy; }\n")
    # The same storage runs post_process again: its dict is emptied, so the new hash shows.
    found = {"css/app.css": (first, "css/app.css")}
    first.delete("css/app.css")
    with open(storage / "source" / "css" / "app.css", "rb") as handle:
        first.save("css/app.css", handle)
    list(first.post_process(found))
    new = first.url("css/app.css")
    assert new != old


def test_a_missing_file_is_refused_every_time(storage):
    worker = ImmutableManifestStaticFilesStorage(location=collect(storage).location)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            worker.url("css/missing.css")
