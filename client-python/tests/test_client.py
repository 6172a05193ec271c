"""Unit tests of the Python client against a fake extension listener.

Run with the built package on the path (test/workflows/python-client.test.ts does):
    PYTHONPATH=dist/layer/python python3 -m unittest discover -s client-python/tests
"""
import ast
import asyncio
import os
import shutil
import socket
import tempfile
import threading
import time
import unittest

import wait_for_init as wfi
from wait_for_init import _config

HOLDING = {"WARMING_TIMEOUT": "600000"}  # a hold longer than this test process has run


class FakeExtension(object):
    """Accepts connections, reads one message (to newline or EOF), answers `reply`."""

    def __init__(self, path, reply=b"ok\n", delay=0.0):
        self.path = path
        self.reply = reply
        self.messages = []
        self.connections = 0
        self._stop = False
        self._delay = delay
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._ready = threading.Event()
        self._thread.start()
        if delay == 0:
            self._ready.wait(5)

    def _serve(self):
        if self._delay:
            time.sleep(self._delay)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(self.path)
        srv.listen(8)
        srv.settimeout(0.05)
        self._ready.set()
        while not self._stop:
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.messages.append(data)
                if self.reply:
                    conn.sendall(self.reply)
        srv.close()

    def close(self):
        self._stop = True
        self._thread.join(5)


class FakeExtensionCase(unittest.TestCase):
    """A temp socket path, fake extensions on it closed after each test, and client options."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wfi-py-")
        self.path = os.path.join(self.dir, "s.sock")
        self.logs = []
        self.fakes = []

    def tearDown(self):
        for f in self.fakes:
            f.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def fake(self, **kw):
        f = FakeExtension(self.path, **kw)
        self.fakes.append(f)
        return f

    def opts(self, env=HOLDING, **kw):
        o = {"socket_path": self.path, "env": env, "log": self.logs.append}
        o.update(kw)
        return o


class ClientTest(FakeExtensionCase):
    def test_no_warming_timeout_means_no_extension_without_touching_the_socket(self):
        f = self.fake()
        for env in ({}, {"WARMING_TIMEOUT": "  "}):
            self.assertEqual(wfi.signal_ready(**self.opts(env=env)), "no-extension")
        self.assertEqual(f.connections, 0)
        self.assertEqual(self.logs, [])

    def test_ready_accepted_with_the_exact_bytes(self):
        f = self.fake()
        self.assertEqual(wfi.signal_ready(**self.opts()), "accepted")
        self.assertEqual(f.messages, [b"ready\n"])

    def test_failure_reason_made_safe(self):
        f = self.fake()
        self.assertEqual(wfi.signal_failure(ValueError("db\n  down\x00now"), **self.opts()), "accepted")
        self.assertEqual(wfi.signal_failure(None, **self.opts()), "accepted")
        self.assertEqual(wfi.signal_failure(KeyError(), **self.opts()), "accepted")
        self.assertEqual(f.messages, [b"error: db down now\n", b"error\n", b"error: KeyError\n"])

    def test_retries_while_the_socket_is_missing(self):
        f = self.fake(delay=0.3)
        start = time.monotonic()
        self.assertEqual(wfi.signal_ready(**self.opts(retry_ms=3000)), "accepted")
        self.assertGreaterEqual(time.monotonic() - start, 0.25)
        self.assertEqual(f.messages, [b"ready\n"])

    def test_no_listener_within_the_budget_is_no_extension_with_a_warning(self):
        start = time.monotonic()
        self.assertEqual(wfi.signal_ready(**self.opts(retry_ms=200)), "no-extension")
        self.assertLess(time.monotonic() - start, 2.0)
        self.assertEqual(len(self.logs), 1)
        self.assertIn("WARMING_TIMEOUT is set (600000)", self.logs[0])

    def test_settings_follow_the_protocol_rules_trimmed_and_blank_means_default(self):
        f = self.fake()
        padded = {"WARMING_TIMEOUT": " 600000\t", "WAIT_FOR_INIT_SOCKET": "  %s  " % self.path}
        self.assertEqual(wfi.signal_ready(env=padded, log=self.logs.append, retry_ms=0), "accepted", "a padded path is the path")
        self.assertEqual(f.messages, [b"ready\n"])
        for blank in ("", "   ", "\t\n"):
            cfg = _config.resolve_config(env=dict(HOLDING, WAIT_FOR_INIT_SOCKET=blank), log=None)
            self.assertEqual(cfg.socket_path, "/tmp/wait-for-init.sock", repr(blank))
        self.assertEqual(self.logs, [])

    def test_an_invalid_setting_the_extension_refuses_is_no_extension_at_once_with_a_warning(self):
        f = self.fake()
        cases = [
            ({"WARMING_TIMEOUT": "abc", "WAIT_FOR_INIT_SOCKET": self.path}, 'WARMING_TIMEOUT="abc" is not a whole number of milliseconds'),
            ({"WARMING_TIMEOUT": "0", "WAIT_FOR_INIT_SOCKET": self.path}, 'WARMING_TIMEOUT="0" must be greater than 0'),
            ({"WARMING_TIMEOUT": "900001", "WAIT_FOR_INIT_SOCKET": self.path}, "larger than any Lambda Init can last (900000 ms)"),
            ({"WARMING_TIMEOUT": "5000", "WAIT_FOR_INIT_SOCKET": "relative.sock"}, 'WAIT_FOR_INIT_SOCKET="relative.sock" must be an absolute path'),
            ({"WARMING_TIMEOUT": "5000", "WAIT_FOR_INIT_SOCKET": "/" + "x" * 107}, "WAIT_FOR_INIT_SOCKET is 108 bytes long"),
        ]
        for env, words in cases:
            self.logs[:] = []
            start = time.monotonic()
            self.assertEqual(wfi.signal_ready(env=env, log=self.logs.append, retry_ms=5000), "no-extension", repr(env))
            self.assertLess(time.monotonic() - start, 1.0, "at once, not after the retry budget")
            self.assertEqual(len(self.logs), 1, repr(env))
            self.assertIn(words, self.logs[0])
            self.assertIn("does not hold Init with it; not signalling", self.logs[0])
        self.assertEqual(f.connections, 0, "the socket was never touched")

    def test_process_older_than_warming_timeout_is_too_late_at_once(self):
        start = time.monotonic()
        self.assertEqual(wfi.signal_ready(**self.opts(env={"WARMING_TIMEOUT": "1"}, retry_ms=5000)), "too-late")
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertIn("longer than WARMING_TIMEOUT=1 ms", self.logs[0])

    def test_an_error_answer_is_too_late(self):
        self.fake(reply=b"error: too late, Init was already released\n")
        self.assertEqual(wfi.signal_ready(**self.opts()), "too-late")
        self.assertIn("did not accept", self.logs[0])
        os.unlink(self.path)
        self.fakes.pop().close()
        self.assertEqual(wfi.signal_ready(**self.opts()), "too-late", "seen before, gone now")

    def test_no_answer_is_too_late_within_the_attempt_timeout(self):
        self.fake(reply=b"")
        start = time.monotonic()
        self.assertEqual(wfi.signal_ready(**self.opts(attempt_timeout_ms=300)), "too-late")
        self.assertLess(time.monotonic() - start, 3.0)

    def test_a_regular_file_is_no_extension(self):
        open(self.path, "w").close()
        self.assertEqual(wfi.signal_ready(**self.opts()), "no-extension")
        self.assertIn("is not a Unix socket", self.logs[0])

    def test_bad_settings_are_named_and_replaced(self):
        env = dict(HOLDING, WAIT_FOR_INIT_CLIENT_RETRY_MS="soon")
        self.fake()
        self.assertEqual(wfi.signal_ready(**self.opts(env=env, attempt_timeout_ms=-5)), "accepted")
        self.assertTrue(any('WAIT_FOR_INIT_CLIENT_RETRY_MS must be an integer from 0 to 60000 (ms), got "soon"' in l for l in self.logs))
        self.assertTrue(any("option attempt_timeout_ms must be an integer from 0 to 60000 (ms), got int -5" in l for l in self.logs))

    def test_never_raises(self):
        def boom(_):
            raise RuntimeError("logger broke")

        self.assertEqual(wfi.signal_ready(socket_path=self.path, env=HOLDING, retry_ms=0, log=boom), "no-extension")
        self.assertEqual(wfi.signal_ready(socket_path=12, env=dict(HOLDING, WAIT_FOR_INIT_SOCKET=self.path), retry_ms=0, log=None), "no-extension")
        self.assertEqual(wfi.signal_failure(object(), socket_path="/nonexistent/dir/" + "x" * 200, env=HOLDING, log=None), "no-extension")

    def test_hold_init_until_callable(self):
        f = self.fake()
        results = []
        fut = wfi.hold_init_until(lambda: (time.sleep(0.1), 42)[1], on_result=results.append, **self.opts())
        self.assertEqual(fut.result(5), 42)
        self._wait(lambda: results)
        self.assertEqual(results, ["accepted"])
        self.assertEqual(f.messages, [b"ready\n"])

    def test_hold_init_until_raising_callable(self):
        f = self.fake()
        results = []

        def work():
            raise ConnectionError("cache unreachable")

        fut = wfi.hold_init_until(work, on_result=results.append, **self.opts())
        with self.assertRaises(ConnectionError):
            fut.result(5)
        self._wait(lambda: results)
        self.assertEqual(f.messages, [b"error: cache unreachable\n"])

    def test_hold_init_until_coroutine(self):
        f = self.fake()
        results = []

        async def warm():
            await asyncio.sleep(0.05)
            return "warm"

        fut = wfi.hold_init_until(warm(), on_result=results.append, **self.opts())
        self.assertEqual(fut.result(5), "warm")
        self._wait(lambda: results)
        self.assertEqual(f.messages, [b"ready\n"])

    def test_hold_init_until_async_function_and_partial(self):
        import functools

        f = self.fake()

        async def warm(x=1):
            await asyncio.sleep(0.01)
            return x

        self.assertEqual(wfi.hold_init_until(warm, **self.opts()).result(5), 1)
        self.assertEqual(wfi.hold_init_until(functools.partial(warm, 2), **self.opts()).result(5), 2)
        self._wait(lambda: len(f.messages) == 2)
        self.assertEqual(f.messages, [b"ready\n", b"ready\n"])

    def test_hold_init_until_coroutine_inside_a_running_loop(self):
        f = self.fake()

        async def main():
            async def warm():
                await asyncio.sleep(0.01)
                return 7

            fut = wfi.hold_init_until(warm(), **self.opts())
            await asyncio.wrap_future(fut)
            return fut.result()

        self.assertEqual(asyncio.run(main()), 7)
        self._wait(lambda: f.messages)
        self.assertEqual(f.messages, [b"ready\n"])

    def test_hold_init_until_bad_work(self):
        f = self.fake()
        fut = wfi.hold_init_until(42, **self.opts())
        with self.assertRaises(TypeError) as cm:
            fut.result(5)
        self.assertIn("got int 42", str(cm.exception))
        self._wait(lambda: f.messages)
        self.assertTrue(f.messages[0].startswith(b"error: hold_init_until(work): work must be"))

    def test_failed_work_without_extension_is_logged(self):
        results = []

        def work():
            raise ValueError("nobody listens")

        fut = wfi.hold_init_until(work, on_result=results.append, **self.opts(env={}))
        self.assertRaises(ValueError, fut.result, 5)
        self._wait(lambda: results)
        self.assertEqual(results, ["no-extension"])
        self.assertTrue(any("ValueError: nobody listens" in l for l in self.logs))

    def test_long_reasons_are_cut_to_the_limit(self):
        for ch in ("e", "é", "€", "\U0001F600"):
            msg = wfi.format_failure(ch * 3000)
            data = (msg + "\n").encode("utf-8")
            self.assertLessEqual(len(data), 1024)
            self.assertTrue(msg.endswith("…"))

    def test_source_is_python_3_9_syntax(self):
        pkg = os.path.dirname(wfi.__file__)
        for name in sorted(os.listdir(pkg)):
            if name.endswith(".py"):
                with open(os.path.join(pkg, name), encoding="utf-8") as f:
                    ast.parse(f.read(), filename=name, feature_version=(3, 9))

    def _wait(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                self.fail("timed out waiting")
            time.sleep(0.01)


if __name__ == "__main__":
    unittest.main()
