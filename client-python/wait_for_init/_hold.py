"""hold_init_until(work): run the work, signal 'ready' when it succeeds and 'error: <message>'
when it raises, and hand back a concurrent.futures.Future of the work's own result.

Loaded on the first hold_init_until call, not with the package. asyncio (which pulls in ssl and
more: tens of milliseconds) is imported only when a coroutine or an async function is actually
passed, and inspect never: the checks below are what inspect.iscoroutine and
iscoroutinefunction test."""
import concurrent.futures
import functools
import threading
import types

from ._config import LOG_PREFIX, resolve_config
from ._message import format_message
from ._signal import ACCEPTED, send_ready, send_signal

_SIGNAL_OPTIONS = ("socket_path", "retry_ms", "attempt_timeout_ms", "env", "log")
_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE: the code object of an `async def`


def hold_init_until(work, on_result=None, gate=None, **options):
    """work: a callable (run in a daemon thread), a coroutine or an async function (run on the
    event loop running in this thread, else on a fresh one in a daemon thread) or a
    concurrent.futures.Future already under way. Returns a Future: .result() gives the work's value or raises its exception.
    gate="db" signals `ready db` (one named readiness gate, WAIT_FOR_INIT_GATES) instead of `ready`.
    Never raises itself."""
    future = _start(work)
    future.add_done_callback(lambda f: _report(f, on_result, gate, options))
    return future


def _is_coroutine(value):
    return isinstance(value, types.CoroutineType)


def _is_async_function(fn):
    """inspect.iscoroutinefunction without importing inspect: through bound methods and
    functools.partial to the function, then its code's coroutine flag."""
    while True:
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            fn = fn.__func__
        else:
            break
    code = getattr(fn, "__code__", None) if isinstance(fn, types.FunctionType) else None
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


def _start(work):
    try:
        if isinstance(work, concurrent.futures.Future):
            return work
        if _is_coroutine(work):
            return _start_coroutine(work)
        if _is_async_function(work):  # hold_init_until(warm_up) for an async def
            return _start_coroutine(work())
        if callable(work):
            future = concurrent.futures.Future()
            future.set_running_or_notify_cancel()
            threading.Thread(target=_run, args=(work, future), name="wait-for-init-work", daemon=True).start()
            return future
        raise TypeError(
            "hold_init_until(work): work must be a callable, a coroutine or a concurrent.futures.Future, got %s"
            % _describe(work)
        )
    except BaseException as e:  # noqa: B902 (a failed start is reported like a failed work)
        future = concurrent.futures.Future()
        future.set_exception(e)
        return future


def _start_coroutine(coro):
    import asyncio  # a coroutine was passed: now, and only now, asyncio is needed

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        return asyncio.run_coroutine_threadsafe(coro, loop)
    future = concurrent.futures.Future()
    future.set_running_or_notify_cancel()
    threading.Thread(target=_run, args=(lambda: asyncio.run(coro), future), name="wait-for-init-work", daemon=True).start()
    return future


def _run(fn, future):
    try:
        value = fn()
        if _is_coroutine(value):  # a callable that returned a coroutine (a lambda around an async def)
            import asyncio

            value = asyncio.run(value)
    except BaseException as e:  # noqa: B902 (SystemExit in the work is a failed init too)
        future.set_exception(e)
    else:
        future.set_result(value)


def _report(future, on_result, gate, options):
    try:
        if future.cancelled():
            error = concurrent.futures.CancelledError("the work passed to hold_init_until was cancelled")
        else:
            error = future.exception()
        signal_options = {k: v for k, v in options.items() if k in _SIGNAL_OPTIONS}
        if error is None:
            result = send_ready(gate, **signal_options)
        else:
            result = send_signal(format_message("failed", error), **signal_options)
        if error is not None and result != ACCEPTED:
            # Nobody failed Init for us: make sure the error is at least visible in the log.
            import traceback

            cfg = resolve_config(**{k: v for k, v in options.items() if k in _SIGNAL_OPTIONS})
            text = "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()
            cfg.log("%s the work passed to hold_init_until failed (signal result: %s): %s" % (LOG_PREFIX, result, text))
        if callable(on_result):
            try:
                on_result(result)
            except Exception:
                pass  # a throwing callback must not break the worker thread
    except Exception:
        pass


def _describe(value):
    if value is None:
        return "None"
    return "%s %r" % (type(value).__name__, value) if isinstance(value, (str, int, float)) else "a %s" % type(value).__name__
