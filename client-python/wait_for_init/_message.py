"""The signal messages, byte for byte what the Node client sends (protocol/signal-protocol.ts).

A port of safeReason/formatFailure: the constants come from _protocol.py, which the build
generates from the TypeScript module, so both clients share one definition. The regular
expressions are compiled on first use: importing re costs milliseconds, and a function that
only signals `ready` never needs them.
"""
from . import _protocol as p

_TRUNCATION_BYTES = len(p.TRUNCATION_MARK.encode("utf-8"))
_compiled = {}


def _regex(name):
    """_SURROGATE; _SPACE_RUN (control characters, line/paragraph separators, bidi controls and
    JavaScript's whitespace: every character the TypeScript safeReason turns into one space); _GATE_NAME."""
    found = _compiled.get(name)
    if found is None:
        import re

        if name == "_SURROGATE":
            found = re.compile("[\ud800-\udfff]")
        elif name == "_SPACE_RUN":
            found = re.compile("[" + "".join("\\U%08x-\\U%08x" % r for r in p.SPACE_RANGES) + "]+")
        else:
            found = re.compile(p.GATE_NAME_PATTERN)
        _compiled[name] = found
    return found


def _well_formed(text):
    """Lone surrogates become U+FFFD, like the TypeScript LONE_SURROGATE rule.

    A Python str can hold surrogate code points (surrogateescape, json of broken UTF-16); an
    adjacent high+low pair is the UTF-16 encoding of one character, so it is joined into it,
    which is what the same units mean in a JavaScript string.
    """
    if not _regex("_SURROGATE").search(text):
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = ord(text[i])
        if 0xD800 <= c <= 0xDBFF and i + 1 < n and 0xDC00 <= ord(text[i + 1]) <= 0xDFFF:
            out.append(chr(0x10000 + ((c - 0xD800) << 10) + (ord(text[i + 1]) - 0xDC00)))
            i += 2
            continue
        out.append("\ufffd" if 0xD800 <= c <= 0xDFFF else text[i])
        i += 1
    return "".join(out)


def safe_reason(text, max_bytes=p.MAX_REASON_BYTES):
    """One line, no control characters, valid UTF-8, whitespace collapsed, at most max_bytes
    UTF-8 bytes, cut on a character boundary with TRUNCATION_MARK appended when cut."""
    clean = _regex("_SPACE_RUN").sub(" ", _well_formed(text)).strip(" ")
    if len(clean.encode("utf-8")) <= max_bytes:
        return clean
    budget = max_bytes - _TRUNCATION_BYTES
    if budget < 0:
        return ""  # a bound too small for the mark yields nothing, as in the TypeScript safeReason
    used = 0
    end = 0
    for ch in clean:
        size = len(ch.encode("utf-8"))
        if used + size > budget:
            break
        used += size
        end += 1
    return clean[:end].rstrip(" ") + p.TRUNCATION_MARK


def reason_text(reason):
    """What a failure reason says: an exception's message (or its class name), a str as is."""
    if reason is None:
        return ""
    if isinstance(reason, BaseException):
        try:
            return str(reason) or type(reason).__name__
        except Exception:
            return type(reason).__name__
    if isinstance(reason, str):
        return reason
    try:
        return str(reason)
    except Exception:
        return ""


def is_valid_gate_name(name):
    """A readiness gate name (WAIT_FOR_INIT_GATES): 1-64 of A-Z a-z 0-9 _ . -"""
    return isinstance(name, str) and _regex("_GATE_NAME").fullmatch(name) is not None


def format_message(kind, reason=None, gate=None):
    """The one line for a signal: kind "ready" (`ready <gate>` with a gate name, checked first
    with is_valid_gate_name), or kind "failed" with an optional reason (`error: <safe reason>`,
    or a bare `error` when nothing is left of it). Every message the client sends is built here."""
    if kind == "ready":
        return p.READY_KEYWORD if gate is None else "%s %s" % (p.READY_KEYWORD, gate)
    if kind == "failed":
        safe = safe_reason(reason_text(reason))
        return p.FAILURE_KEYWORD if safe == "" else p.FAILURE_PREFIX + safe
    raise ValueError("unknown signal kind %r" % (kind,))


def format_failure(reason):
    """Same as formatFailure in protocol/signal-protocol.ts."""
    return format_message("failed", reason)


def encode_message(message):
    """The bytes on the wire: the line and its newline, UTF-8."""
    return (message + p.MESSAGE_END).encode("utf-8")


def is_accepted(answer_line):
    return answer_line.strip().lower() == p.REPLY_OK.strip()
