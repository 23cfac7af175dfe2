"""Request files an admin uploaded, kept until they confirm the preview: the preview and the save must read the
very same bytes, and the browser must not be able to send other ones in between or name a file of ours.

Each file lives in a private folder (mode 0700) under its content's SHA-256: `<root>/<digest>/upload/<name>`.
The digest is the only key a client ever sends back and must be 64 lowercase hex digits, so it can never point
outside the folder. A file is removed once saved (its rejected rows stay in `<digest>/rejects/` for download)
or after `ttl` seconds (one hour), whichever comes first.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allocator.intake import SUFFIXES

DIGEST = re.compile(r"[0-9a-f]{64}")
TTL_SECONDS = 3600
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._ ()-]+")


class UploadRefused(Exception):
    """The upload cannot be taken; `key` names the page's sentence (i18n), `params` fill it in."""

    def __init__(self, status: int, key: str, **params: Any) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


@dataclass(frozen=True)
class Kept:
    digest: str
    path: Path  # the uploaded file, under the name it came with (made safe)

    @property
    def stem(self) -> str:
        return self.path.stem


def safe_name(name: str | None) -> str:
    """The uploaded file's own name, reduced to a plain file name of safe characters (never a path), keeping
    its suffix, which says how to read it; `UploadRefused` (415) for a type intake cannot read."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _NAME_CHARS.sub("_", base).strip(" .")
    suffix = Path(base).suffix.lower()
    if not base:
        raise UploadRefused(422, "upload_no_file")
    if suffix not in SUFFIXES:
        raise UploadRefused(415, "upload_type", suffix=suffix or "-")
    stem = Path(base).stem.strip(" .")[:80] or "upload"
    return stem + suffix


class UploadBox:
    """The kept uploads of one web app; `root` None makes a private temporary folder (removed by `close`)."""

    def __init__(self, root: Path | None, *, max_bytes: int, ttl: float = TTL_SECONDS) -> None:
        self.owned = root is None
        self.max_bytes, self.ttl = max_bytes, ttl
        self._root, self._lock = root, threading.Lock()
        if root is not None:  # a configured folder is checked at start, not at the first upload
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(root, 0o700)  # an existing one, too: uploads carry PIC names and phone numbers

    @property
    def root(self) -> Path:
        """The folder; a private temporary one is only made at the first upload."""
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="vicon-upload-"))  # mode 0700
            return self._root

    def close(self) -> None:
        if self.owned and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def keep(self, name: str | None, data: bytes) -> Kept:
        """Keep an upload after checking its name, size and type; the same content again replaces the first."""
        safe = safe_name(name)
        if not data:
            raise UploadRefused(422, "upload_empty")
        if len(data) > self.max_bytes:
            raise UploadRefused(413, "upload_too_big", size=len(data), max=self.max_bytes)
        self.sweep()
        digest = hashlib.sha256(data).hexdigest()
        folder = self.root / digest
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "upload").mkdir(mode=0o700, parents=True)
        (folder / "rejects").mkdir(mode=0o700)
        path = folder / "upload" / safe
        path.write_bytes(data)
        return Kept(digest, path)

    def folder(self, digest: str) -> Path | None:
        """The digest's folder if the key is well-formed and the folder is there and not expired."""
        if not DIGEST.fullmatch(digest):
            return None
        self.sweep()
        folder = self.root / digest
        return folder if folder.is_dir() else None

    def find(self, digest: str) -> Kept | None:
        """The kept upload under `digest`, or None (malformed key, never uploaded, saved already or expired)."""
        folder = self.folder(digest)
        files = sorted((folder / "upload").glob("*")) if folder else []
        return Kept(digest, files[0]) if folder and files else None

    def saved(self, kept: Kept) -> Path:
        """The upload is saved: remove it, keep its folder (for the rejects) for another `ttl`; the rejects folder."""
        folder = self.root / kept.digest
        shutil.rmtree(folder / "upload", ignore_errors=True)
        os.utime(folder)
        return folder / "rejects"

    def drop(self, digest: str) -> None:
        if DIGEST.fullmatch(digest):
            shutil.rmtree(self.root / digest, ignore_errors=True)

    def sweep(self) -> None:
        """Remove every kept folder older than `ttl` (its last change: upload or save)."""
        cutoff = time.time() - self.ttl
        for folder in self.root.iterdir():
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except FileNotFoundError:
                continue  # another request swept it
