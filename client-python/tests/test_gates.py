"""The gate parameter of signal_ready and hold_init_until (WAIT_FOR_INIT_GATES), against the
fake extension listener of test_client."""
import time
import unittest

import wait_for_init as wfi
from test_client import HOLDING, FakeExtensionCase


class GatesTest(FakeExtensionCase):
    def opts(self, env=HOLDING, **kw):
        kw.setdefault("retry_ms", 0)
        return super().opts(env=env, **kw)

    def test_signal_ready_with_a_gate_sends_ready_and_the_name(self):
        fake = self.fake()
        self.assertEqual(wfi.signal_ready(gate="db", **self.opts()), wfi.ACCEPTED)
        self.assertEqual(wfi.signal_ready(**self.opts()), wfi.ACCEPTED)
        self.assertEqual(fake.messages, [b"ready db\n", b"ready\n"])
        self.assertEqual(self.logs, [])

    def test_the_unknown_gate_answer_is_too_late_with_a_warning(self):
        self.fake(reply=b'error: unknown gate "cache"; configured gates: db\n')
        self.assertEqual(wfi.signal_ready(gate="cache", **self.opts()), wfi.TOO_LATE)
        self.assertEqual(len(self.logs), 1)
        self.assertIn("unknown gate", self.logs[0])

    def test_an_invalid_gate_is_never_sent(self):
        fake = self.fake()
        for gate in ["my db", "", "x" * 65, "db\n", 42, b"db"]:
            self.logs[:] = []
            self.assertEqual(wfi.signal_ready(gate=gate, **self.opts()), wfi.TOO_LATE, repr(gate))
            self.assertEqual(len(self.logs), 1, repr(gate))
            self.assertIn("gate must be 1-64 of A-Z a-z 0-9 _ . -, got", self.logs[0])
        self.assertEqual(fake.messages, [], "nothing sent")
        self.logs[:] = []
        self.assertEqual(wfi.signal_ready(gate="my db", **self.opts(env={})), wfi.NO_EXTENSION)
        self.assertEqual(len(self.logs), 1)

    def test_is_valid_gate_name(self):
        self.assertTrue(wfi.is_valid_gate_name("a.b-c_D9"))
        self.assertTrue(wfi.is_valid_gate_name("x" * 64))
        for bad in ["", "a b", "x" * 65, "db\n", "é", None, 7]:
            self.assertFalse(wfi.is_valid_gate_name(bad), repr(bad))

    def test_hold_init_until_with_a_gate(self):
        fake = self.fake()
        results = []
        future = wfi.hold_init_until(lambda: "pool", gate="db", on_result=results.append, **self.opts())
        self.assertEqual(future.result(5), "pool")
        self._wait(lambda: results)
        self.assertEqual(results, [wfi.ACCEPTED])
        self.assertEqual(fake.messages, [b"ready db\n"])

    def test_a_failing_work_with_a_gate_still_fails_init(self):
        fake = self.fake()
        results = []

        def work():
            raise RuntimeError("pool exhausted")

        future = wfi.hold_init_until(work, gate="db", on_result=results.append, **self.opts())
        with self.assertRaises(RuntimeError):
            future.result(5)
        self._wait(lambda: results)
        self.assertEqual(fake.messages, [b"error: pool exhausted\n"])

    def _wait(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        while not pred() and time.monotonic() < end:
            time.sleep(0.01)


if __name__ == "__main__":
    unittest.main()
