"""Parsing untrusted XML and zip files: the only way the interchange app reads them.

- XML goes through defusedxml: a DTD, an entity declaration or an external reference is
  refused (no "billion laughs", no reading /etc/passwd through an entity), and elements nested
  deeper than MAX_DEPTH are refused after parsing (before anything walks the tree).
- A zip is refused if it holds more than MAX_ZIP_FILES members, a member whose name is absolute
  or leaves the archive (`../`), a member that is a link, or members whose uncompressed size
  adds up to more than the course-file limit (read in bounded chunks, so a lying header does
  not help a "zip bomb").
Every refusal is an InterchangeError with one line.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from interchange.common import InterchangeError, max_bytes

MAX_DEPTH = 60
MAX_ZIP_FILES = 2000


def parse_xml(data: bytes, where: str) -> Element:
    """The root element of an XML document, parsed safely."""
    if data.lstrip().startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:200]:
        raise InterchangeError(f"{where}: is UTF-16 or binary; save it as UTF-8 XML")
    try:
        root: Element = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as error:
        raise InterchangeError(
            f"{where}: refused: the XML has a DTD, an entity or an external reference "
            f"({type(error).__name__})"
        ) from None
    except ParseError as error:
        line, column = error.position
        raise InterchangeError(f"{where}:{line}: malformed XML (column {column + 1})") from None
    except (LookupError, ValueError) as error:  # an unknown encoding declaration
        raise InterchangeError(f"{where}: cannot be read as XML: {error}") from None
    _check_depth(root, where)
    return root


def _check_depth(root: Element, where: str) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InterchangeError(f"{where}: refused: elements nested deeper than {MAX_DEPTH}")
        stack.extend((child, depth + 1) for child in element)


def read_zip(data: bytes, where: str) -> dict[str, bytes]:
    """The members of a zip (name -> bytes), checked before and while reading."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InterchangeError(f"{where}: is not a readable zip file") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_FILES:
            raise InterchangeError(
                f"{where}: refused: {len(members)} files in the zip (at most {MAX_ZIP_FILES})"
            )
        budget = max_bytes()
        files: dict[str, bytes] = {}
        for info in members:
            name = info.filename
            path = PurePosixPath(name.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or ":" in name:
                raise InterchangeError(
                    f"{where}: refused: the zip member {name!r} leaves the archive"
                )
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise InterchangeError(f"{where}: refused: the zip member {name!r} is a link")
            if info.is_dir():
                continue
            if info.file_size > budget:
                raise InterchangeError(
                    f"{where}: refused: the zip unpacks to more than {budget} bytes"
                )
            chunks = []
            try:
                with archive.open(info) as member:
                    while chunk := member.read(65536):
                        budget -= len(chunk)
                        if budget < 0:
                            raise InterchangeError(
                                f"{where}: refused: the zip unpacks to more than {max_bytes()} "
                                "bytes"
                            )
                        chunks.append(chunk)
            # zipfile raises NotImplementedError for a compression method it cannot read
            # (an unsupported or forged method id): that is a damaged file for us too.
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                raise InterchangeError(
                    f"{where}: the zip member {name!r} is damaged: {error}"
                ) from None
            files[str(path)] = b"".join(chunks)
    return files
