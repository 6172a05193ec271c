"""When to skip, retry or give up, and what the outcome means. The rules of client/src/signal.ts:
 1. WARMING_TIMEOUT unset or blank: the extension does not hold, so 'no-extension' at once,
    without touching the socket. The same, with a warning naming the value, when WARMING_TIMEOUT
    or WAIT_FOR_INIT_SOCKET is invalid: the extension reads them by the same rules and does not hold.
 2. 'ok' answer: 'accepted'.
 3. Path missing: 'too-late' at once if this process saw the socket before, or if the process has
    run longer than WARMING_TIMEOUT (the extension starts before the runtime, so its hold has
    expired); otherwise retry with backoff until the retry budget is spent, then 'no-extension'.
 4. Socket refusing connections: retry (the extension may be between closing and removing its
    socket), then 'too-late'.
 5. Connected but no 'ok' (an `error ...` answer, no answer, reset): 'too-late', with a warning.
 6. Path is not a socket, or unusable (EACCES, ...): 'no-extension', with a warning.
Worst case duration: retry budget + one attempt timeout.
Imported with the package; the socket code (_exchange) loads on the first signal.
"""
import os
import time

from . import _evidence
from ._config import LOG_PREFIX, describe, extension_holds, json_quote, resolve_config
from ._message import format_message, is_valid_gate_name

ACCEPTED = "accepted"
NO_EXTENSION = "no-extension"
TOO_LATE = "too-late"

FIRST_DELAY_MS = 10
MAX_DELAY_MS = 200
_LOADED_AT = time.monotonic()


def process_uptime_ms():
    """Milliseconds since this process started (Linux /proc), else since this module loaded."""
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5), counted after "pid (comm)"
        with open("/proc/uptime", "rb") as f:
            uptime_s = float(f.read().split()[0])
        return max(0.0, (uptime_s - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000.0)
    except Exception:
        return (time.monotonic() - _LOADED_AT) * 1000.0


def send_signal(message, **options):
    """Never raises: any unexpected error is logged and reported as 'no-extension'."""
    try:
        return _decide(message, options)
    except Exception as e:  # defensive: nothing above should raise
        try:
            import sys

            sys.stderr.write("%s unexpected client error: %s\n" % (LOG_PREFIX, e))
        except Exception:
            pass
        return NO_EXTENSION


def send_ready(gate=None, **options):
    """`ready`, or `ready <gate>` for one named readiness gate. An invalid gate name is never sent
    (the extension could only refuse it): a warning names the value, and the result is
    'too-late' (not taken), or 'no-extension' when nothing holds Init. Never raises."""
    if gate is None or is_valid_gate_name(gate):
        return send_signal(format_message("ready", gate=gate), **options)
    try:
        cfg = resolve_config(**options)
        cfg.log("%s gate must be 1-64 of A-Z a-z 0-9 _ . -, got %s; not signalling" % (LOG_PREFIX, describe(gate)))
        return TOO_LATE if extension_holds(cfg) else NO_EXTENSION
    except Exception:
        return TOO_LATE


_q = json_quote


def _decide(message, options):
    cfg = resolve_config(**options)

    def warn(text):
        cfg.log("%s %s" % (LOG_PREFIX, text))

    path = cfg.socket_path
    if cfg.not_held_because is not None:
        warn("%s: the wait-for-init extension does not hold Init with it; not signalling" % cfg.not_held_because)
        return NO_EXTENSION
    if cfg.warming_timeout_ms is None:
        return NO_EXTENSION
    from ._exchange import attempt  # the socket module, only once there is something to send

    deadline = time.monotonic() + cfg.retry_ms / 1000.0
    delay = FIRST_DELAY_MS
    last_refused = False
    while True:
        kind, detail = attempt(path, message, cfg.attempt_timeout_ms)
        if kind == "ok":
            _evidence.mark_accepted(path)
            return ACCEPTED
        if kind == "answer":
            _evidence.mark_seen(path)
            warn("the extension at %s did not accept %s: it answered %s" % (path, _q(message), _q(detail)))
            return TOO_LATE
        if kind == "no-answer":
            _evidence.mark_seen(path)
            warn("sent %s to %s but got no confirmation (%s)" % (_q(message), path, detail))
            return TOO_LATE
        if kind == "not-a-socket":
            warn("%s is not a Unix socket (a regular file or directory?); the extension cannot listen there" % path)
            return NO_EXTENSION
        if kind == "unusable":
            warn("cannot connect to %s (%s)" % (path, detail))
            return NO_EXTENSION
        if kind == "refused":
            _evidence.mark_seen(path)
            last_refused = True
        else:  # missing
            # After an accepted signal, a repeated one finding the socket gone is expected: no warning.
            if _evidence.was_accepted(path):
                return TOO_LATE
            if _evidence.was_seen(path):
                return _too_late(warn, path, "its socket is gone")
            if process_uptime_ms() > cfg.warming_timeout_ms:
                return _too_late(warn, path, "this process has run longer than WARMING_TIMEOUT=%d ms" % cfg.warming_timeout_ms)
            last_refused = False
        left = deadline - time.monotonic()
        if left <= 0:
            if last_refused:
                return _too_late(warn, path, "its socket refuses connections")
            warn(
                "WARMING_TIMEOUT is set (%d) but no wait-for-init extension listened at %s within %d ms; "
                "is the layer attached (for this architecture)?" % (cfg.warming_timeout_ms, path, cfg.retry_ms)
            )
            return NO_EXTENSION
        time.sleep(min(delay / 1000.0, left))
        delay = min(delay * 2, MAX_DELAY_MS)


def _too_late(warn, path, why):
    warn(
        "too late: the extension at %s already stopped holding Init (%s); raise WARMING_TIMEOUT or signal sooner"
        % (path, why)
    )
    return TOO_LATE
