"""A throwaway PostgreSQL server in a folder, for the engine comparison and for trying the
project on PostgreSQL: `initdb` a cluster owned by an unprivileged user (PostgreSQL refuses to
run as root), start it on a free loopback port with durability off (it is scratch), create the
database, and stop and remove it afterwards.

    crm local-postgres start /tmp/crm-pg      # prints the CRM_PG_* settings to export
    crm local-postgres stop /tmp/crm-pg
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "crm-postgres"  # the unprivileged account the server runs as when started by root
DATABASE = "crm"


class ServerError(Exception):
    """The local server could not be set up; the message says what is missing."""


@dataclass(frozen=True)
class LocalPostgres:
    folder: Path
    port: int

    @property
    def env(self) -> dict[str, str]:
        return {
            "CRM_PG_HOST": "127.0.0.1",
            "CRM_PG_PORT": str(self.port),
            "CRM_PG_USER": "postgres",
            "CRM_PG_PASSWORD": "",
            "CRM_PG_DATABASE": DATABASE,
        }


def binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if not found:
        raise ServerError(f"{name} not found: install the PostgreSQL server (Debian: apt-get install postgresql)")
    return str(found)


def as_server_user(command: list[str]) -> list[str]:
    """The command as the unprivileged server account when this process is root."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER], check=True
        )
    return ["runuser", "-u", SERVER_USER, "--", *command]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reachable_by_others(folder: Path) -> bool:
    """Whether another account can walk down to the folder (every parent searchable by others)."""
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in folder.resolve().parents)


def start(folder: Path) -> LocalPostgres:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        if not reachable_by_others(folder):
            raise ServerError(
                f"{folder}: the server runs as {SERVER_USER}, which cannot reach this folder (a parent folder is "
                "closed to other users); choose a folder under /tmp"
            )
        as_server_user(["true"])  # creates the account if needed
        shutil.chown(folder, user=SERVER_USER)
    data, port = folder / "data", free_port()
    if data.exists():
        raise ServerError(f"{folder} already holds a server; `crm local-postgres stop {folder}` first")
    run(
        as_server_user(
            [binary("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
        ),
        "initdb",
    )
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off"
    )
    run(
        as_server_user(
            [binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start"]
        ),
        "pg_ctl start",
    )
    server = LocalPostgres(folder, port)
    run(
        [
            binary("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-q",
            "-c",
            f"create database {DATABASE}",
        ],
        "create database",
    )
    (folder / "port").write_text(str(port))
    return server


def stop(folder: Path) -> None:
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        run(as_server_user([binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]), "pg_ctl stop")
    shutil.rmtree(folder, ignore_errors=True)


def run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ServerError(f"{what} failed: {(result.stderr or result.stdout).strip()[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("folder", type=Path, help="the server's scratch folder (removed by stop)")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            server = start(args.folder)
            print("\n".join(f"export {name}={value}" for name, value in server.env.items()))
        else:
            stop(args.folder)
    except ServerError as exc:
        print(f"local-postgres: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
