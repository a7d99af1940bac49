"""The files of the serving folder (scripts/publish.py writes them, BI tools read them): a
publication written under temporary names and swapped in whole, the Parquet publications kept,
the temporary files of killed publishes cleaned up, and files with personal data readable by
their owner only.

    <serving dir>/crm.duckdb                 the current publication
    <serving dir>/parquet/<id>/*.parquet     a whole publication's Parquet files (two are kept)
    <serving dir>/parquet/current            a link to the current one's folder
    <serving dir>/.publish.lock              every running publish holds a shared lock on it
    <serving dir>/.crm.duckdb.<id>.tmp       a publication being written (and its .wal)
    <serving dir>/parquet/.<id>.tmp/         its Parquet files being written

A Parquet folder gets its id as name only once every file is in it, so only whole publications
count among those kept. The temporary files a killed publish leaves are removed by the next
publish that finds no other publish holding the lock (see `publishing`). A publication with
personal data is written under umask 077, then set to exactly 0600 (files) and 0700 (folders).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import pwd
import re
import shutil
import stat
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

SERVING_FILE = "crm.duckdb"
PARQUET_PUBLICATIONS_KEPT = 2  # the current one and the one before it (readers may still be on it)
# a whole publication's Parquet folder (written under a temporary name until then)
PUBLICATION_FOLDER = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")
LOCK_FILE = ".publish.lock"
# files and folders with personal data: the owner only
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


@dataclass(frozen=True)
class Publication:
    """One publication in the making: its id and the files it is written to before the swap."""

    publication_id: str
    published_at: dt.datetime
    serving_dir: Path

    @classmethod
    def new(cls, serving_dir: Path) -> Publication:
        now = dt.datetime.now(dt.UTC)
        return cls(f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}", now, serving_dir)

    @property
    def staging_file(self) -> Path:
        return self.serving_dir / f".{SERVING_FILE}.{self.publication_id}.tmp"

    @property
    def parquet_root(self) -> Path:
        return self.serving_dir / "parquet"

    @property
    def parquet_dir(self) -> Path:
        return self.parquet_root / self.publication_id

    @property
    def parquet_staging(self) -> Path:
        """Where its Parquet files are written; renamed to parquet_dir once all are there."""
        return self.parquet_root / f".{self.publication_id}.tmp"

    @property
    def current_link(self) -> Path:
        return self.parquet_root / f".current.{self.publication_id}.tmp"

    def temporary_files(self) -> list[Path]:
        """Its files before the swap: the staging DuckDB file with its write-ahead log and the folder
        DuckDB spills to, the Parquet folder being written, the new `current` link."""
        staging = self.staging_file
        return [
            staging,
            staging.with_name(staging.name + ".wal"),
            staging.with_name(staging.name + ".tmp"),
            self.parquet_staging,
            self.current_link,
        ]


def remove(path: Path) -> None:
    """A file, link or folder (a link is removed, not what it points to); gone already is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def make_folders(folder: Path, private: bool) -> None:
    """The folder and its missing parents; with private, those created here are 0700 (a folder
    that exists keeps its mode)."""
    for path in reversed([folder, *folder.parents]):
        if path.exists():
            continue
        try:
            path.mkdir(mode=PRIVATE_FOLDER if private else 0o777)
        except FileExistsError:  # created meanwhile by someone else: theirs, left as it is
            continue
        if private:
            path.chmod(PRIVATE_FOLDER)  # exactly 0700, whatever the umask


@contextlib.contextmanager
def created_private(private: bool) -> Iterator[None]:
    """With private, whatever is created meanwhile, by DuckDB too, is readable by its owner only:
    the process's umask is 077 (it applies to the whole process) until the block ends."""
    if not private:
        yield
        return
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def owner() -> str:
    """Who can read what this process writes readable by its owner only (the warnings say it)."""
    try:
        name = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        name = f"user id {os.getuid()}"
    return name if os.getuid() == 0 else f"{name} (and root)"


def private_folders(serving_dir: Path) -> list[Path]:
    """The serving folder and parquet/ when no one but their owner can open them."""
    folders = [serving_dir, serving_dir / "parquet"]
    return [folder for folder in folders if stat.S_IMODE(folder.stat().st_mode) & 0o055 == 0]


def litter(serving_dir: Path) -> list[Path]:
    """The temporary files of publishes that did not finish (see Publication.temporary_files)."""
    return sorted([*serving_dir.glob(f".{SERVING_FILE}.*.tmp*"), *(serving_dir / "parquet").glob(".*.tmp")])


@contextlib.contextmanager
def publishing(serving_dir: Path) -> Iterator[list[Path]]:
    """Held for a whole publish: a shared lock on the serving dir's lock file, so publishes can run
    side by side. A publish that finds no other one running (it gets the lock exclusively for a
    moment) first removes the temporary files of killed publishes, which are then certainly not
    in use: the system releases a process's lock when it ends, however it ends. Yields what it
    removed. (A lock rather than the age of the files: a publish of a large warehouse runs for
    minutes, and a process id can be reused by another process once the publish is gone.)"""
    with open(serving_dir / LOCK_FILE, "a") as lock:
        removed = []
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another publish is running: its files look like litter, so none is touched now
        else:
            removed = litter(serving_dir)
            for path in removed:
                remove(path)
        fcntl.flock(lock, fcntl.LOCK_SH)
        yield removed


def whole_publications(parquet_root: Path) -> list[Path]:
    """The Parquet folders of whole publications, oldest first (ids start with the time)."""
    return sorted(
        path
        for path in parquet_root.iterdir()
        if PUBLICATION_FOLDER.fullmatch(path.name) and path.is_dir() and not path.is_symlink()
    )


def holds_personal_data(folder: Path) -> bool:
    """Whether a publication's Parquet folder holds personal data, as its meta.publication says (a
    folder without a readable one may hold anything: it counts as holding personal data)."""
    con = duckdb.connect()
    try:
        flags = con.execute(
            "select includes_pii from read_parquet(?)", [str(folder / "publication.parquet")]
        ).fetchall()
    except duckdb.Error:
        return True
    finally:
        con.close()
    return not flags or any(flag is not False for (flag,) in flags)


def make_private(publication: Publication) -> None:
    """Exactly 0600 for its files and 0700 for its Parquet folder (they were created under umask 077)."""
    publication.staging_file.chmod(PRIVATE_FILE)
    publication.parquet_staging.chmod(PRIVATE_FOLDER)
    for path in publication.parquet_staging.iterdir():
        path.chmod(PRIVATE_FILE)


def swap_in(publication: Publication, include_pii: bool) -> list[Path]:
    """Each rename is atomic; a reader sees the previous publication or this one, whole. Then the
    Parquet folders of earlier publications go: those with personal data unless this one has it
    too, and all but the newest whole one of the rest. Returns the folders with personal data it
    removed."""
    root = publication.parquet_root
    os.replace(publication.parquet_staging, publication.parquet_dir)  # whole: from now on it counts
    os.replace(publication.staging_file, publication.serving_dir / SERVING_FILE)
    publication.current_link.symlink_to(publication.publication_id, target_is_directory=True)
    os.replace(publication.current_link, root / "current")
    earlier = [folder for folder in whole_publications(root) if folder != publication.parquet_dir]
    private = [] if include_pii else [folder for folder in earlier if holds_personal_data(folder)]
    rest = [folder for folder in earlier if folder not in private]
    kept = rest[max(len(rest) - (PARQUET_PUBLICATIONS_KEPT - 1), 0) :]  # with this one: the number kept
    for old in earlier:
        if old not in kept:
            shutil.rmtree(old, ignore_errors=True)
    return private


def say_about_files(serving_dir: Path, include_pii: bool, result: dict[str, Any]) -> None:
    """What publish says besides: what it removed, who can read the personal data it published (on
    stderr), whether BI users can open a publication without it."""
    if result["litter"]:
        print(f"publish: removed the temporary files of killed publishes: {', '.join(map(str, result['litter']))}")
    if result["removed_private"]:
        removed = ", ".join(map(str, result["removed_private"]))
        print(f"publish: removed the Parquet files of earlier publications with personal data: {removed}")
    if include_pii:
        personal = result["personal_data"]
        print(
            f"publish: warning: this publication holds personal data ({sum(map(len, personal.values()))} column(s) "
            f"of {', '.join(sorted(personal))}). Only {owner()} can read it: {serving_dir / SERVING_FILE} is mode "
            f"0600, {result['parquet_dir']} is 0700 with its files 0600. Open it only as that user; publish without "
            "--include-pii to serve everyone (that also removes this publication's files)",
            file=sys.stderr,
        )
    elif private_folders(serving_dir):
        folders = " ".join(map(str, private_folders(serving_dir)))
        print(
            f"publish: note: only {owner()} can open {folders} (a publication with personal data created "
            f"them, or the umask did): BI users cannot read this publication until you run `chmod 755 {folders}`"
        )
