# Examples for commands.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import asyncio
import os
import shlex
import subprocess
import sys


def thumbnail(path: str) -> None:
    # ruleid: gate.subprocess-shell-injection
    subprocess.run(f"convert {path} -resize 64x64 thumb.png", shell=True, check=True)


def archive(name: str) -> bytes:
    command = "tar czf - " + name
    # ruleid: gate.subprocess-shell-injection
    return subprocess.check_output(command, shell=True)


def ping(host: str) -> int:
    # ruleid: gate.subprocess-shell-injection
    return os.system("ping -c 1 " + host)


async def resize(path: str) -> None:
    # ruleid: gate.subprocess-shell-injection
    await asyncio.create_subprocess_shell(f"convert {path} out.png")


def thumbnail_ok(path: str) -> None:
    # ok: gate.subprocess-shell-injection
    subprocess.run(["convert", path, "-resize", "64x64", "thumb.png"], check=True)


def fixed_command() -> bytes:
    # ok: gate.subprocess-shell-injection
    return subprocess.check_output("git rev-parse HEAD", shell=True)


def disk_usage() -> int:
    # ok: gate.subprocess-shell-injection
    return os.system("df -h")


def split_ok(command: str) -> None:
    # ok: gate.subprocess-shell-injection
    subprocess.run(shlex.split(command), check=True)


def restart_services() -> None:
    for service in ("web", "worker"):
        # ok: gate.subprocess-shell-injection
        os.system(f"systemctl restart {service}")


def restart_one(service: str) -> None:
    # ruleid: gate.subprocess-shell-injection
    os.system(f"systemctl restart {service}")


def quoted(path: str) -> None:
    # ok: gate.subprocess-shell-injection
    subprocess.run(f"convert {shlex.quote(path)} out.png", shell=True, check=True)


BACKUP = "pg_dump app > /backups/app.sql"


def backup() -> None:
    # ok: gate.subprocess-shell-injection
    subprocess.run(BACKUP, shell=True, check=True)


def from_the_command_line() -> None:
    # ruleid: gate.subprocess-shell-injection
    subprocess.call("grep " + sys.argv[1] + " app.log", shell=True)
