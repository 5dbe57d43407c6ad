"""Keep every upload's original file, content-addressed, before anything parses it."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchivedFile:
    file_name: str
    sha256: str
    size_bytes: int
    archive_path: str | None  # None: too large to keep (refused without a copy)

    def as_dict(self) -> dict:
        return asdict(self)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_file(
    path: Path, archive_dir: Path, file_name: str | None = None, max_bytes: int | None = None
) -> ArchivedFile:
    """Copy `path` to `archive_dir/<sha256[:2]>/<sha256><suffix>` unless that copy exists.

    The copy is written to a temporary name and renamed, so a crash never leaves half a file
    under the final name. The same content uploaded twice is stored once. A file larger than
    `max_bytes` is not copied (`archive_path` None): it will be refused unread, and a
    multi-gigabyte mistake should not fill the archive's disk.
    """
    path = Path(path)
    digest = sha256_of(path)
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        return ArchivedFile(file_name or path.name, digest, size, None)
    target = archive_dir / digest[:2] / f"{digest}{path.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return ArchivedFile(
        file_name=file_name or path.name,
        sha256=digest,
        size_bytes=size,
        archive_path=str(target),
    )
