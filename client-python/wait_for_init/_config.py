"""Resolves the client's settings: explicit arguments, then the environment, then defaults.

Bad values never raise (the client must not break a function's Init): a warning names the
argument or variable and the value, and the default is used. Same rules as client/src/config.ts.
"""
import logging
import os
import re

from . import _protocol as p

DEFAULT_RETRY_MS = 1000
DEFAULT_ATTEMPT_TIMEOUT_MS = 1000
#: Upper bound for both budgets: anything larger would defeat "never add seconds to Init".
MAX_BUDGET_MS = 60000
LOG_PREFIX = "[wait-for-init client]"

_logger = logging.getLogger("wait_for_init")
_DIGITS = re.compile(r"^[0-9]{1,15}$")
_UNSET = object()


def default_log(message):
    _logger.warning(message)


class Config(object):
    __slots__ = ("socket_path", "retry_ms", "attempt_timeout_ms", "warming_timeout_raw", "warming_timeout_ms", "log")


def _safe_log(fn):
    def log(message):
        try:
            fn(message)
        except Exception:
            pass  # a throwing logger must not become an exception in the user's code

    return log


def describe(value):
    if isinstance(value, str):
        return _json_quote(value)
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "bool %s" % value
    if isinstance(value, (int, float)):
        return "%s %r" % (type(value).__name__, value)
    if callable(value):
        return "a callable"
    return "a %s" % type(value).__name__


def _json_quote(text):
    import json

    return json.dumps(text, ensure_ascii=False)


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

    cfg.socket_path = _socket_path(socket_path, environ.get("WAIT_FOR_INIT_SOCKET"), warn)
    cfg.retry_ms = _ms("retry_ms", retry_ms, "WAIT_FOR_INIT_CLIENT_RETRY_MS", environ, DEFAULT_RETRY_MS, warn)
    attempt = _ms(
        "attempt_timeout_ms", attempt_timeout_ms, "WAIT_FOR_INIT_CLIENT_TIMEOUT_MS", environ, DEFAULT_ATTEMPT_TIMEOUT_MS, warn
    )
    # Attempts need a positive bound, or a silent server would be given no time at all.
    cfg.attempt_timeout_ms = attempt if attempt > 0 else DEFAULT_ATTEMPT_TIMEOUT_MS

    wt = environ.get("WARMING_TIMEOUT")
    cfg.warming_timeout_raw = wt if isinstance(wt, str) and wt.strip() != "" else None
    trimmed = cfg.warming_timeout_raw.strip() if cfg.warming_timeout_raw is not None else ""
    cfg.warming_timeout_ms = int(trimmed) if _DIGITS.match(trimmed) else None
    return cfg


def _socket_path(option, from_env, warn):
    if option is not None:
        if isinstance(option, str) and option != "":
            return option
        warn("option socket_path must be a non-empty string, got %s; using the default" % describe(option))
    if isinstance(from_env, str) and from_env != "":
        return from_env
    return p.DEFAULT_SOCKET_PATH


def _ms(option_name, option, env_name, environ, fallback, warn):
    if option is not None:
        if isinstance(option, int) and not isinstance(option, bool) and 0 <= option <= MAX_BUDGET_MS:
            return option
        warn(
            "option %s must be an integer from 0 to %d (ms), got %s; using %d"
            % (option_name, MAX_BUDGET_MS, describe(option), fallback)
        )
        return fallback
    raw = environ.get(env_name)
    if raw is None or raw.strip() == "":
        return fallback
    text = raw.strip()
    if _DIGITS.match(text) and int(text) <= MAX_BUDGET_MS:
        return int(text)
    warn("%s must be an integer from 0 to %d (ms), got %s; using %d" % (env_name, MAX_BUDGET_MS, _json_quote(raw), fallback))
    return fallback
