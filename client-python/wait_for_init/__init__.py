"""wait-for-init client for Python: tells the wait-for-init Lambda extension that the function's
initialization is done (or failed). Standard library only, Python 3.9 and newer; ships in the
layer at python/wait_for_init (on sys.path in Lambda's Python runtimes as /opt/python).

    from wait_for_init import hold_init_until
    ready = hold_init_until(warm_up)        # a callable (run in a thread) or a coroutine

    def handler(event, context):
        ready.result()                      # the work's value, or its exception
        ...

Every function returns 'accepted', 'no-extension' or 'too-late' and never raises.
"""
from . import _config, _evidence
from ._hold import hold_init_until
from ._message import format_failure, format_message, is_valid_gate_name, safe_reason
from ._signal import ACCEPTED, NO_EXTENSION, TOO_LATE, send_ready, send_signal

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


def signal_ready(socket_path=None, retry_ms=None, attempt_timeout_ms=None, env=None, log=_config._UNSET, gate=None):
    """Tell the extension that initialization finished, or with gate="db" that one named
    readiness gate did (WAIT_FOR_INIT_GATES; without configured gates the extension takes it as
    a bare ready). Blocks at most retry_ms + attempt_timeout_ms (1 s + 1 s by default). Never raises."""
    return send_ready(gate, socket_path=socket_path, retry_ms=retry_ms,
                      attempt_timeout_ms=attempt_timeout_ms, env=env, log=log)


def signal_failure(reason=None, socket_path=None, retry_ms=None, attempt_timeout_ms=None, env=None, log=_config._UNSET):
    """Tell the extension that initialization failed, so Lambda fails this Init with the reason
    (an exception's message, or any text; made one line, cut to 1016 UTF-8 bytes). Never raises."""
    return send_signal(format_message("failed", reason), socket_path=socket_path, retry_ms=retry_ms,
                       attempt_timeout_ms=attempt_timeout_ms, env=env, log=log)


# Importing the module is normally part of Init, while a holding extension's socket exists:
# remember it now (one lstat), so a later signal that finds it gone can say 'too-late' at once.
try:
    _evidence.probe(_config.resolve_config(log=None).socket_path)
except Exception:
    pass
