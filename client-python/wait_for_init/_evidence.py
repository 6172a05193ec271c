"""Remembers, per socket path, whether this process has seen the extension's socket: that is
what tells 'too-late' from 'no-extension' when the path is missing (the extension removes its
socket after releasing Init). Same rules as client/src/evidence.ts. Imported with the package:
a bare _thread lock, not threading, keeps the import cheap."""
import _thread
import os
import stat

_lock = _thread.allocate_lock()
_seen = set()
_accepted = set()


def mark_accepted(path):
    with _lock:
        _seen.add(path)
        _accepted.add(path)


def was_accepted(path):
    with _lock:
        return path in _accepted


def mark_seen(path):
    with _lock:
        _seen.add(path)


def was_seen(path):
    with _lock:
        return path in _seen


def is_socket(path):
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def probe(path):
    """One lstat; records the socket if it is there right now."""
    if is_socket(path):
        mark_seen(path)
        return True
    return False


def reset_evidence():
    """For tests: forget everything seen so far."""
    with _lock:
        _seen.clear()
        _accepted.clear()
