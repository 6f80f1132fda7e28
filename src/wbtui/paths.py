"""Where wbtui keeps its files, and how it protects them on a shared host."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from wbtui.domain.errors import StoreError

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


def key_dir() -> Path:
    """Keys wbtui makes itself (the audit trail's HMAC key and anchor): outside the data directory, so
    a copy of the store does not carry them. ``WBTUI_KEY_DIR`` overrides."""
    env = os.environ.get("WBTUI_KEY_DIR")
    if env:
        return Path(env).expanduser()
    return _platformdirs().user_config_path(APP_NAME, appauthor=False) / "keys"


def documents_dir() -> Path:
    """Printed documents and exports without a named target go here (0700); retention removes the
    documents of deleted cases from it (README "Data protection")."""
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


class UnsafeDirectory(StoreError):
    """A directory others may write to (or made by someone else): wbtui keeps no Sozialdaten there."""

    def __init__(self, path: Path) -> None:
        super().__init__("err.dir_unsafe", path=str(path))


def private_dir(path: Path) -> Path:
    """Create ``path`` and every missing parent as 0700 (whatever the umask).

    A directory that already exists is never changed: it may be shared (a home directory, ``/tmp``,
    a team folder), and tightening it would break others' work. One that others can write to is refused
    (:class:`UnsafeDirectory`): someone could replace or link the files wbtui puts there."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists() and not probe.is_symlink():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            _refuse_foreign(directory)  # someone else made it meanwhile (a race in a shared parent)
            continue
        os.chmod(directory, 0o700)  # ours: the umask may have loosened mkdir's mode
    if not path.is_dir():
        raise NotADirectoryError(str(path))
    if not missing:
        _refuse_shared(path)
    return path


def _refuse_foreign(path: Path) -> None:
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise UnsafeDirectory(path)


def _refuse_shared(path: Path) -> None:
    """World-writable directories (``/tmp`` and the like, sticky or not) are refused for wbtui's files."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode) and mode & stat.S_IWOTH:
        raise UnsafeDirectory(path)


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
