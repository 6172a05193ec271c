"""One attempt of the signal protocol: connect to the Unix socket, send one line, half-close,
read the one-line answer. Bounded by timeout_ms overall; the socket is always closed.
Never raises. Same outcomes as client/src/exchange.ts."""
import errno
import socket
import time

from . import _evidence
from ._message import encode_message, is_accepted

MAX_ANSWER_BYTES = 1024


def attempt(path, message, timeout_ms):
    """Returns (kind, detail): ('ok', None), ('answer', text), ('no-answer', why), ('missing',
    None), ('refused', None), ('not-a-socket', None) or ('unusable', code)."""
    deadline = time.monotonic() + timeout_ms / 1000.0
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except Exception as e:  # no AF_UNIX (not Linux) or out of descriptors
        return ("unusable", _code(e))
    try:
        try:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            sock.connect(path)
        except FileNotFoundError:
            return ("missing", None)
        except ConnectionRefusedError:
            # Linux also refuses connections to regular files and directories; tell them apart.
            if _evidence.is_socket(path):
                return ("refused", None)
            try:
                import os

                os.lstat(path)
                return ("not-a-socket", None)
            except OSError:
                return ("refused", None)  # a socket refused us, then vanished: the extension just left
        except socket.timeout:
            return ("no-answer", "no answer within %d ms" % timeout_ms)
        except Exception as e:
            return ("unusable", _code(e))
        answer = b""
        try:
            sock.sendall(encode_message(message))
            sock.shutdown(socket.SHUT_WR)  # newline for line readers, FIN for readers that wait for EOF
            while b"\n" not in answer and len(answer) <= MAX_ANSWER_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                sock.settimeout(left)
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            if answer.strip():
                return _classify(answer)
            return ("no-answer", "no answer within %d ms" % timeout_ms)
        except Exception as e:
            if answer.strip():
                return _classify(answer)
            return ("no-answer", "connection error %s" % _code(e))
        if not answer.strip():
            return ("no-answer", "the extension closed the connection without answering")
        return _classify(answer)
    finally:
        try:
            sock.close()
        except Exception:
            pass


def _classify(raw):
    text = raw.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if is_accepted(text):
        return ("ok", None)
    return ("answer", text[:200])


def _code(e):
    code = getattr(e, "errno", None)
    if code is not None and code in errno.errorcode:
        return errno.errorcode[code]
    return type(e).__name__ + (": %s" % e if str(e) else "")
