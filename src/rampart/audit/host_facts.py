"""Runs ON a host (sent over SSH to its python3): print what the security audit reads there
as JSON. Standard library only, Python 3.9+.

- listeners: every listening TCP socket and bound UDP socket (/proc/net), with the process
  that holds it;
- logins, failed logins and sudo use since a time, from the journal (sshd and sudo);
- the file integrity check (`rampart audit check`, where Rampart is installed);
- packages with pending updates from a security suite (`apt-get -s upgrade`, on the
  package lists as they are: the audit does not refresh them);
- whether the kernel's audit interface answers here;
- how each data set that must be encrypted at rest is: each `--path NAME=PATH` by its
  folder's fscrypt flag or a gocryptfs mount, each `--database NAME=DB` (PostgreSQL) by
  where the database's files are (its tablespace, else the data directory);
- with `--lynis`: Lynis' hardening index, warnings and suggestions (from its
  lynis-report.dat).
"""

from __future__ import annotations

import argparse
import fcntl
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

TCP_LISTEN = "0A"
UDP_UNCONNECTED = "07"
SSHD = ("sshd", "sshd-session")
ACCEPTED = re.compile(r"^Accepted (\S+) for (\S+) from (\S+) port \d+")
FAILED = re.compile(r"^(?:Failed \S+ for (?:invalid user )?(\S+)|Invalid user (\S*)) from (\S+)")
# sudo leaves TTY= out when the command ran without a terminal (ssh host 'sudo ...').
SUDO = re.compile(
    r"^\s*(\S+) : (?:((?!TTY=|PWD=)[^;]*?) ; )?(?:TTY=\S+ ; )?"
    r"PWD=\S+ ; USER=(\S+) ; (?:GROUP=\S+ ; )?COMMAND=(.*)$"
)
SECURITY_UPDATE = re.compile(r"^Inst (\S+) (?:\[(\S+)\] )?\((\S+) ([^)]*-security[^)]*)\)")
RAMPART = "/usr/local/bin/rampart"
LYNIS_DIR = Path("/var/lib/rampart/lynis")
FS_IOC_GETFLAGS = 0x80086601
FS_ENCRYPT_FL = 0x800
"""The inode flag of a file or folder under an fscrypt policy (ext4, f2fs; lsattr's `E`)."""
ENCRYPTING_MOUNTS = {"fuse.gocryptfs": "gocryptfs"}
DATABASE_FILES = (
    "SELECT coalesce(nullif(pg_tablespace_location(dattablespace), ''),"
    " current_setting('data_directory')) FROM pg_database WHERE datname = current_database()"
)


def _address(hex_address: str) -> str:
    """An address of /proc/net/{tcp,udp}{,6}: 32-bit words in the host's (little-endian)
    byte order."""
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[index : index + 4][::-1] for index in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def _socket_owners() -> dict[str, str]:
    """Socket inode -> the command name of a process holding it."""
    owners: dict[str, str] = {}
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            name = (process / "comm").read_text().strip()
            for descriptor in (process / "fd").iterdir():
                target = str(descriptor.readlink())
                if target.startswith("socket:["):
                    owners.setdefault(target[8:-1], name)
        except OSError:
            continue
    return owners


def listeners() -> list[dict[str, object]]:
    """The host's listening sockets: protocol, address, port, process."""
    owners = _socket_owners()
    found = []
    for protocol, state in (("tcp", TCP_LISTEN), ("udp", UDP_UNCONNECTED)):
        for suffix in ("", "6"):
            try:
                lines = Path(f"/proc/net/{protocol}{suffix}").read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if len(fields) < 10 or fields[3] != state:
                    continue
                address, port = fields[1].split(":")
                found.append(
                    {
                        "protocol": protocol,
                        "address": _address(address),
                        "port": int(port, 16),
                        "process": owners.get(fields[9], "?"),
                    }
                )
    unique = {(item["protocol"], item["address"], item["port"]): item for item in found}
    return [unique[key] for key in sorted(unique, key=str)]


def journal(since: str) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """Logins, failed logins and sudo use since `since` (journalctl's --since)."""
    argv = ["journalctl", "--no-pager", "-o", "json", f"--since={since}"]
    argv += [f"SYSLOG_IDENTIFIER={name}" for name in (*SSHD, "sudo")]
    try:
        output = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    except OSError:  # no journal here
        output = ""
    logins, failed, sudo = [], [], []
    for line in output.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        message = entry.get("MESSAGE")
        if not isinstance(message, str):
            continue
        when = str(int(entry.get("__REALTIME_TIMESTAMP", "0")) / 1e6)
        if entry.get("SYSLOG_IDENTIFIER") == "sudo":
            match = SUDO.match(message)
            if match:
                sudo.append(
                    {
                        "time": when,
                        "user": match.group(1),
                        "problem": match.group(2) or "",
                        "as": match.group(3),
                        "command": match.group(4)[:200],
                    }
                )
            continue
        accepted = ACCEPTED.match(message)
        if accepted:
            logins.append(
                {
                    "time": when,
                    "method": accepted.group(1),
                    "user": accepted.group(2),
                    "from": accepted.group(3),
                }
            )
            continue
        failure = FAILED.match(message)
        if failure:
            user = failure.group(1) or failure.group(2) or "?"
            failed.append({"time": when, "user": user, "from": failure.group(3)})
    return logins, failed, sudo


def integrity() -> dict[str, object]:
    """The file integrity check's answer: its exit status and the paths it lists."""
    if not Path(RAMPART).exists():
        return {"status": None, "changes": []}
    result = subprocess.run([RAMPART, "audit", "check"], capture_output=True, text=True)
    changes = [
        line
        for line in result.stdout.splitlines()
        if line.split(" ", 1)[0] in ("added", "removed", "changed")
    ]
    error = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    return {"status": result.returncode, "changes": changes, "error": error}


def security_updates() -> list[dict[str, str]]:
    """Packages an upgrade would take from a security suite, on the lists as they are."""
    result = subprocess.run(
        ["apt-get", "-s", "-o", "Debug::NoLocking=1", "upgrade"],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    updates = []
    for line in result.stdout.splitlines():
        match = SECURITY_UPDATE.match(line)
        if match:
            updates.append(
                {
                    "package": match.group(1),
                    "installed": match.group(2) or "",
                    "available": match.group(3),
                    "suite": match.group(4).split(" [", 1)[0],
                }
            )
    return updates


def lists_age_seconds() -> float | None:
    """How old the package lists are (the stamp of the last refresh)."""
    stamp = Path("/var/lib/apt/periodic/update-success-stamp")
    try:
        return time.time() - stamp.stat().st_mtime
    except OSError:
        return None


def kernel_audits() -> bool:
    """Whether the kernel's audit interface answers here."""
    try:
        return subprocess.run(["auditctl", "-s"], capture_output=True).returncode == 0
    except OSError:
        return False


def lynis() -> dict[str, object] | None:
    """Lynis' verdict on the host: hardening index, warnings, suggestions (None without
    Lynis)."""
    LYNIS_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    report = LYNIS_DIR / "lynis-report.dat"
    argv = ["lynis", "audit", "system", "--quick", "--no-colors", "--quiet"]
    argv += ["--report-file", str(report), "--logfile", str(LYNIS_DIR / "lynis.log")]
    try:
        subprocess.run(argv, capture_output=True, text=True, check=False)
        lines = report.read_text(errors="replace").splitlines()
    except OSError:
        return None
    index = None
    notes: dict[str, list[dict[str, str]]] = {"warning[]": [], "suggestion[]": []}
    for line in lines:
        key, _, value = line.partition("=")
        if key == "hardening_index" and value.isdigit():
            index = int(value)
        elif key in notes:
            test, _, rest = value.partition("|")
            notes[key].append({"test": test, "text": rest.split("|", 1)[0]})
    return {
        "hardening_index": index,
        "warnings": notes["warning[]"],
        "suggestions": notes["suggestion[]"],
    }


def _output(argv: list[str]) -> tuple[str, str]:
    """A command's standard output, or "" and why it gave none (its first error line)."""
    name = Path(argv[0]).name
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as error:
        return "", f"{name}: {error.strerror}"
    if done.returncode != 0:
        said = done.stderr.strip().splitlines() or [f"{name} exited {done.returncode}"]
        return "", said[0][:200]
    return done.stdout, ""


def firewall() -> dict[str, object]:
    """Rampart's nftables table as loaded (nft's JSON), or why it could not be read."""
    text, error = _output(["/usr/sbin/nft", "-j", "list", "table", "inet", "rampart"])
    if not text:
        return {"ruleset": None, "error": error}
    try:
        return {"ruleset": json.loads(text), "error": ""}
    except ValueError:
        return {"ruleset": None, "error": "nft printed no JSON"}


def sshd_settings() -> dict[str, str]:
    """`sshd -T`: the settings the SSH server really uses, or why it could not say."""
    text, error = _output(["/usr/sbin/sshd", "-T"])
    return {"text": text, "error": error}


def auditor() -> dict[str, object]:
    """The address the audit connects from and the SSH port it reached (SSH_CONNECTION)."""
    fields = os.environ.get("SSH_CONNECTION", "").split()
    if len(fields) != 4 or not fields[3].isdigit():
        return {"address": "", "ssh_port": None}
    return {"address": fields[0], "ssh_port": int(fields[3])}


def _mount_type(path: str) -> str:
    """The filesystem type of the mount that holds `path` (/proc/self/mountinfo)."""
    real, best, kind = os.path.realpath(path), "", ""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        point = left.split()[4].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, right.split()[0]
    return kind


def encryption(path: str) -> dict[str, str]:
    """How the folder `path` is encrypted at rest: "fscrypt", "gocryptfs" or "" (not);
    the filesystem it is on; why it could not be read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        return {"path": path, "method": "", "filesystem": "", "error": f"{path}: {error.strerror}"}
    try:
        flags = struct.unpack("i", fcntl.ioctl(descriptor, FS_IOC_GETFLAGS, bytes(4)))[0]
    except OSError:  # a filesystem without inode flags (tmpfs, FUSE): not fscrypt
        flags = 0
    finally:
        os.close(descriptor)
    filesystem = _mount_type(path)
    method = "fscrypt" if flags & FS_ENCRYPT_FL else ENCRYPTING_MOUNTS.get(filesystem, "")
    return {"path": path, "method": method, "filesystem": filesystem, "error": ""}


def at_rest(paths: list[str], databases: list[str]) -> list[dict[str, str]]:
    """Each data set's folders (`NAME=PATH`) and PostgreSQL databases (`NAME=DB`) as
    encryption() sees them; a database is judged by the folder its files are in."""
    found = []
    for pair in paths:
        name, _, path = pair.partition("=")
        found.append({"data_set": name, "database": "", **encryption(path)})
    for pair in databases:
        name, _, database = pair.partition("=")
        argv = ["runuser", "-u", "postgres", "--", "psql", "-XAtq", "-d", database]
        folder, error = _output([*argv, "-c", DATABASE_FILES])
        if folder.strip():
            state = encryption(folder.strip())
        else:
            state = {"path": "", "method": "", "filesystem": "", "error": error}
        found.append({"data_set": name, "database": database, **state})
    return found


def main() -> None:
    """Print the facts since the time given (journalctl's --since; default a month)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("since", nargs="?", default="-31d")
    parser.add_argument("--lynis", action="store_true")
    parser.add_argument("--path", action="append", default=[])
    parser.add_argument("--database", action="append", default=[])
    arguments = parser.parse_args()
    logins, failed, sudo = journal(arguments.since)
    document = {
        "listeners": listeners(),
        "firewall": firewall(),
        "auditor": auditor(),
        "sshd": sshd_settings(),
        "logins": logins,
        "failed_logins": failed,
        "sudo": sudo,
        "integrity": integrity(),
        "security_updates": security_updates(),
        "package_lists_age_seconds": lists_age_seconds(),
        "kernel_audits": kernel_audits(),
        "at_rest": at_rest(arguments.path, arguments.database),
        "lynis": lynis() if arguments.lynis else None,
    }
    json.dump(document, sys.stdout)


if __name__ == "__main__":
    main()
