#!/usr/bin/python3
"""tests/integration/cli_test.py — `roentgen serve` flag handling: a bad flag is a usage error
(exit 2, naming the flag); --help succeeds."""

import subprocess
import unittest

import harness


def run_roentgen(*arguments):
    return subprocess.run([harness.server_binary(), *arguments], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)


class ServeCommandLineTest(unittest.TestCase):
    def test_unknown_flag_exits_2_naming_it(self):
        result = run_roentgen("serve", "--bogus")
        self.assertEqual(result.returncode, 2, result.stderr + result.stdout)
        self.assertIn("--bogus", result.stderr + result.stdout)

    def test_help_exits_0(self):
        result = run_roentgen("serve", "--help")
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        for flag in ("--udp", "--http", "--data-dir"):
            self.assertIn(flag, result.stdout + result.stderr)


if __name__ == "__main__":
    harness.main()
