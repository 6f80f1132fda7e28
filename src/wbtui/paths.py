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
