"""Where wbtui keeps its files, and how it protects them on a shared host."""

from __future__ import annotations

import os
import stat
from pathlib import Path

APP_NAME = "wbtui"


def _platformdirs():
    import platformdirs

    return platformdirs


def config_file() -> Path:
    env = os.environ.get("WBTUI_CONFIG")
    if env:
        return Path(env).expanduser()
    return _platformdirs().user_config_path(APP_NAME, appauthor=False) / "config.toml"


def data_dir() -> Path:
    env = os.environ.get("WBTUI_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return _platformdirs().user_data_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    env = os.environ.get("WBTUI_LOG_DIR")
    if env:
        return Path(env).expanduser()
    return _platformdirs().user_log_path(APP_NAME, appauthor=False)


def documents_dir() -> Path:
    """Printed documents go here (0700) unless the user names another place."""
    return private_dir(data_dir() / "documents")


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("WBTUI_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / "wbtui.db"


def restrict_umask() -> None:
    """Files are 0600 and directories 0700 from here on."""
    os.umask(0o077)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as 0700; tighten it if it already exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """Make an existing file 0600 (also its SQLite side files)."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if stat.S_IMODE(candidate.stat().st_mode) & 0o077:
                os.chmod(candidate, 0o600)
        except FileNotFoundError:
            pass


# Filesystems on which SQLite's WAL (shared memory, one host) is unsafe.
NETWORK_FS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "ncpfs",
        "fuse.sshfs",
        "fuse.glusterfs",
        "fuse.rclone",
        "fuse.davfs",
        "davfs",
        "fuse.s3fs",
    }
)


MOUNTS_FILE = "/proc/self/mounts"


def _unescape_mount(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def filesystem_type(path: Path, mounts: str | None = None) -> str | None:
    """The filesystem type holding ``path`` (from /proc/self/mounts; None where that is not available)."""
    if mounts is None:
        try:
            mounts = Path(MOUNTS_FILE).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = Path(os.path.realpath(path))
    best, best_type = -1, None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point, kind = Path(_unescape_mount(parts[1])), parts[2]
        if (target == point or point in target.parents) and len(point.parts) > best:
            best, best_type = len(point.parts), kind
    return best_type


def is_network_fs(path: Path, mounts: str | None = None) -> str | None:
    """The network filesystem type if ``path`` is on one, else None."""
    kind = filesystem_type(path, mounts)
    return kind if kind in NETWORK_FS else None
