"""The one root exception of Rampart and its families, each with its own exit code.

User-facing errors are one clear line, printed by the command line without a traceback.
"""

from __future__ import annotations


class RampartError(Exception):
    """Root of every error Rampart reports to a user."""

    exit_code = 1


class ConfigError(RampartError):
    """Configuration or inventory that cannot be used as it is."""

    exit_code = 2


class LabError(RampartError):
    """The lab cannot be built, started or taken down."""

    exit_code = 3


class CommandError(RampartError):
    """An external command exited non-zero; keeps the exit code for callers to inspect."""

    exit_code = 4

    def __init__(self, argv: list[str], returncode: int, stderr: str) -> None:
        self.argv = argv
        self.returncode = returncode
        self.stderr = stderr
        last_line = stderr.strip().splitlines()[-1] if stderr.strip() else "no error output"
        super().__init__(f"{argv[0]} exited with status {returncode}: {last_line}")


class BackupError(RampartError):
    """A backup, check or restore drill could not do its job; `reason` names why, for metrics."""

    exit_code = 5
    reason = "failed"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class RemoteError(RampartError):
    """A host cannot be reached over SSH, or refused us (unknown host key, bad key)."""

    exit_code = 6


class EncryptionError(RampartError):
    """A folder or filesystem cannot be encrypted, unlocked or locked as asked (REG-4.2.2)."""

    exit_code = 7
