"""The protocol's rules for the settings a client reads (readSocketPath, readWarmingTimeout,
readClientBudget in protocol/signal-protocol.ts): trimmed, blank means the default, the same
checks and the same words as the extension and the Node client; constants from the generated
_protocol.py. Imported with the package (the socket probe needs the path), so it stays small and
imports nothing: json only to quote a bad value.
"""
from . import _protocol as p

#: "argument not given" (None is a meaningful value for log=).
_UNSET = object()


def json_quote(text):
    """The value quoted as JSON.stringify quotes it in the extension's and Node client's messages."""
    import json

    return json.dumps(text, ensure_ascii=False)


# ---- the protocol's rules for settings (readSocketPath, readWarmingTimeout, readClientBudget) ----


def setting_text(raw):
    """The one trimming rule: what is left of a setting's value; "" when unset, empty or blank."""
    return raw.strip(p.TRIM_CHARACTERS) if isinstance(raw, str) else ""


def _ascii_digits(text):
    return text.isascii() and text.isdigit()


def read_socket_path(raw):
    """(path, None), or (None, problem) when unusable: the extension does not hold then."""
    text = setting_text(raw)
    if text == "":
        return p.DEFAULT_SOCKET_PATH, None
    if not text.startswith("/"):
        return None, "%s=%s must be an absolute path" % (p.SOCKET_VARIABLE, json_quote(raw))
    if "\0" in text:
        return None, "%s=%s contains a NUL byte" % (p.SOCKET_VARIABLE, json_quote(raw))
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > p.MAX_SOCKET_PATH_BYTES:
        return None, "%s is %d bytes long; a Unix socket path may have at most %d" % (p.SOCKET_VARIABLE, size, p.MAX_SOCKET_PATH_BYTES)
    return text, None


def read_warming_timeout(raw):
    """(ms, None); (None, None) when blank; (None, problem) when invalid. None: no hold."""
    text = setting_text(raw)
    if text == "":
        return None, None
    def quoted():
        return "%s=%s" % (p.WARMING_TIMEOUT_VARIABLE, json_quote(raw))

    if not _ascii_digits(text):
        return None, "%s is not a whole number of milliseconds" % quoted()
    value = int(text)
    if value == 0:
        return None, "%s must be greater than 0" % quoted()
    if value > p.MAX_WARMING_TIMEOUT_MS:
        return None, "%s is larger than any Lambda Init can last (%d ms)" % (quoted(), p.MAX_WARMING_TIMEOUT_MS)
    return value, None


def read_client_budget(name, raw, fallback):
    """(ms, None), or (fallback, problem) when invalid; blank means fallback."""
    text = setting_text(raw)
    if text == "":
        return fallback, None
    if _ascii_digits(text) and len(text) <= 15 and int(text) <= p.MAX_CLIENT_BUDGET_MS:
        return int(text), None
    return fallback, "%s must be an integer from 0 to %d (ms), got %s" % (name, p.MAX_CLIENT_BUDGET_MS, json_quote(raw))


