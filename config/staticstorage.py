"""Static files in production: whitenoise's compressed manifest storage, with each file's URL
worked out once per process.

The manifest (original name -> hashed name) is read when the storage is created, and it does
not change while the process runs: a deploy runs collectstatic, then starts new workers. So a
name's URL is fixed for the life of the process. Django still works it out again on every
`{% static %}` (a manifest lookup, a urljoin and quoting), and a page has seven of them: about
a tenth of a signed-in question page's time in bench/profile_paths.py. Here the first call for
a name computes its URL and later calls read it from a dict.

collectstatic itself (post_process) changes the manifest, so the dict is emptied before and
after it. A name missing from the manifest still raises ValueError each time; nothing is
stored for it.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ImmutableManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
