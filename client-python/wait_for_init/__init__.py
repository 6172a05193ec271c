"""wait-for-init client for Python: tells the wait-for-init Lambda extension that the function's
initialization is done (or failed). Standard library only, Python 3.9 and newer; ships in the
layer at python/wait_for_init (on sys.path in Lambda's Python runtimes as /opt/python).

    from wait_for_init import hold_init_until
    ready = hold_init_until(warm_up)        # a callable (run in a thread) or a coroutine

    def handler(event, context):
        ready.result()                      # the work's value, or its exception
        ...

Every function returns 'accepted', 'no-extension' or 'too-late' and never raises.

Importing it is part of every cold start, and Lambda's /opt is read-only (no cached bytecode),
so the import compiles and loads only what the socket probe below needs, and no standard-library
module a bare interpreter has not loaded already; the rest loads on first use (sockets on the
first signal, threads and futures with hold_init_until, asyncio only for a coroutine).
test/workflows/python-client.test.ts guards the list.
"""
import os as _os

from . import _evidence, _protocol, _settings

__all__ = [
    "signal_ready",
    "signal_failure",
    "hold_init_until",
    "ACCEPTED",
    "NO_EXTENSION",
    "TOO_LATE",
    "format_failure",
    "safe_reason",
    "is_valid_gate_name",
]

# Loaded on first use (PEP 562): name -> submodule.
_LAZY = {
    "hold_init_until": "_hold",
    "ACCEPTED": "_signal",
    "NO_EXTENSION": "_signal",
    "TOO_LATE": "_signal",
    "format_failure": "_message",
    "safe_reason": "_message",
    "is_valid_gate_name": "_message",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(__import__(__name__ + "." + module, fromlist=[name]), name)
    globals()[name] = value
    return value


def signal_ready(socket_path=None, retry_ms=None, attempt_timeout_ms=None, env=None, log=_settings._UNSET, gate=None):
    """Tell the extension that initialization finished, or with gate="db" that one named
    readiness gate did (WAIT_FOR_INIT_GATES; without configured gates the extension takes it as
    a bare ready). Blocks at most retry_ms + attempt_timeout_ms (1 s + 1 s by default). Never raises."""
    from ._signal import send_ready

    return send_ready(gate, socket_path=socket_path, retry_ms=retry_ms, attempt_timeout_ms=attempt_timeout_ms, env=env, log=log)


def signal_failure(reason=None, socket_path=None, retry_ms=None, attempt_timeout_ms=None, env=None, log=_settings._UNSET):
    """Tell the extension that initialization failed, so Lambda fails this Init with the reason
    (an exception's message, or any text; made one line, cut to 1016 UTF-8 bytes). Never raises."""
    from ._message import format_message
    from ._signal import send_signal

    return send_signal(format_message("failed", reason), socket_path=socket_path, retry_ms=retry_ms,
                       attempt_timeout_ms=attempt_timeout_ms, env=env, log=log)


# Importing the module is normally part of Init, while a holding extension's socket exists:
# remember it now (one lstat), so a later signal that finds it gone can say 'too-late' at once.
try:
    _path = _settings.read_socket_path(_os.environ.get(_protocol.SOCKET_VARIABLE))[0]
    if _path is not None:
        _evidence.probe(_path)
except Exception:
    pass
