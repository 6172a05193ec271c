"""Resolves the client's settings: explicit arguments, then the environment, then defaults.

Bad values never raise (the client must not break a function's Init): a warning names the
argument or variable and the value, and the default is used. Environment variables are read by
the protocol's rules (protocol/signal-protocol.ts: trimmed, blank means the default), which the
extension and the Node client apply too; the constants come from the generated _protocol.py.
Loaded on the first signal, not with the package; logging only when there is a warning.
"""
import os

from . import _protocol as p
from ._settings import _UNSET, json_quote, read_client_budget, read_socket_path, read_warming_timeout

DEFAULT_RETRY_MS = p.DEFAULT_CLIENT_RETRY_MS
DEFAULT_ATTEMPT_TIMEOUT_MS = p.DEFAULT_CLIENT_TIMEOUT_MS
#: Upper bound for both budgets: anything larger would defeat "never add seconds to Init".
MAX_BUDGET_MS = p.MAX_CLIENT_BUDGET_MS
LOG_PREFIX = "[wait-for-init client]"


def default_log(message):
    import logging  # only when there is something to say: it costs milliseconds to import

    logging.getLogger("wait_for_init").warning(message)


class Config(object):
    """warming_timeout_ms is None when the extension does not hold Init; not_held_because names
    the invalid WARMING_TIMEOUT or WAIT_FOR_INIT_SOCKET value that keeps it from holding."""

    __slots__ = ("socket_path", "retry_ms", "attempt_timeout_ms", "warming_timeout_ms", "not_held_because", "log")


def extension_holds(cfg):
    """Whether an extension reading these settings holds Init at all."""
    return cfg.warming_timeout_ms is not None and cfg.not_held_because is None


def _safe_log(fn):
    def log(message):
        try:
            fn(message)
        except Exception:
            pass  # a throwing logger must not become an exception in the user's code

    return log


def describe(value):
    if isinstance(value, str):
        return json_quote(value)
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "bool %s" % value
    if isinstance(value, (int, float)):
        return "%s %r" % (type(value).__name__, value)
    if callable(value):
        return "a callable"
    return "a %s" % type(value).__name__


def resolve_config(socket_path=None, retry_ms=None, attempt_timeout_ms=None, env=None, log=_UNSET):
    if log is None:
        logf = lambda message: None  # noqa: E731  (None silences the client)
    elif log is _UNSET:
        logf = default_log
    elif callable(log):
        logf = _safe_log(log)
    else:
        logf = default_log
    cfg = Config()
    cfg.log = logf

    def warn(text):
        logf("%s %s" % (LOG_PREFIX, text))

    if log is not _UNSET and log is not None and not callable(log):
        warn("option log must be a callable or None, got %s; using the default" % describe(log))
    environ = os.environ
    if env is not None:
        if hasattr(env, "get"):
            environ = env
        else:
            warn("option env must be a mapping, got %s; using os.environ" % describe(env))

    socket_problem = None
    if socket_path is not None and isinstance(socket_path, str) and socket_path != "":
        cfg.socket_path = socket_path  # an explicit option is used as is
    else:
        if socket_path is not None:
            warn("option socket_path must be a non-empty string, got %s; using the default" % describe(socket_path))
        from_env = environ.get(p.SOCKET_VARIABLE)
        path, socket_problem = read_socket_path(from_env)
        cfg.socket_path = path if path is not None else str(from_env)
    cfg.retry_ms = _ms("retry_ms", retry_ms, p.CLIENT_RETRY_VARIABLE, environ, DEFAULT_RETRY_MS, warn)
    attempt = _ms("attempt_timeout_ms", attempt_timeout_ms, p.CLIENT_TIMEOUT_VARIABLE, environ, DEFAULT_ATTEMPT_TIMEOUT_MS, warn)
    # Attempts need a positive bound, or a silent server would be given no time at all.
    cfg.attempt_timeout_ms = attempt if attempt > 0 else DEFAULT_ATTEMPT_TIMEOUT_MS

    cfg.warming_timeout_ms, timeout_problem = read_warming_timeout(environ.get(p.WARMING_TIMEOUT_VARIABLE))
    cfg.not_held_because = timeout_problem or (socket_problem if cfg.warming_timeout_ms is not None else None)
    return cfg


def _ms(option_name, option, env_name, environ, fallback, warn):
    if option is not None:
        if isinstance(option, int) and not isinstance(option, bool) and 0 <= option <= MAX_BUDGET_MS:
            return option
        warn(
            "option %s must be an integer from 0 to %d (ms), got %s; using %d"
            % (option_name, MAX_BUDGET_MS, describe(option), fallback)
        )
        return fallback
    value, problem = read_client_budget(env_name, environ.get(env_name), fallback)
    if problem:
        warn("%s; using %d" % (problem, fallback))
    return value
