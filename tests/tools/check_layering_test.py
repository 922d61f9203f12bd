#!/usr/bin/python3
"""tests/tools/check_layering_test.py — runs tools/check_layering.py on small temporary trees.

Each test writes a minimal repository, runs the checker as `make layering-check` does, and checks
its exit code and the `path:line:` it reports.
"""

import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

CHECKER = pathlib.Path(__file__).resolve().parents[2] / "tools" / "check_layering.py"

# A tree that follows every rule, including the cases the checker must not trip over.
CLEAN_TREE = {
    "src/core/status.h": "#include <string>\n",
    "src/core/log.cc": '#include "core/log.h"\n#include <spdlog/spdlog.h>\n',
    "src/core/log.h": '#include "core/status.h"\n',
    "src/model/ids.h": '#include "core/status.h"\n#include <simdjson.h>\n',
    "src/model/ids.cc": '#include "ids.h"\n',  # relative to the including file
    "src/storage/store.cc": textwrap.dedent("""\
        #include "model/ids.h"
        #include <lmdb.h>
        #include <zstd.h>
        // #include "api/routes.h"  (a comment, not an include)
        /* an old idea:
        #include "ingest/pipeline.h"
        */
        #include "core/log.h"
        """),
    "src/transport/http.cc": '#include "core/log.h"\n#include <boost/beast.hpp>\n',
    "src/api/routes.cc": '#include "transport/http.h"\n#include "storage/store.h"\n'
                         '#include <rapidjson/writer.h>\n',
    "apps/main.cc": '#include "api/routes.h"\n#include <CLI/CLI.hpp>\n',
    "bench/store_bench.cc": '#include "storage/store.h"\n#include "api/routes.h"\n',
}


class CheckLayeringTest(unittest.TestCase):
    def run_checker(self, files):
        with tempfile.TemporaryDirectory(prefix="layering-") as root:
            for relative, text in files.items():
                path = pathlib.Path(root, relative)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            result = subprocess.run([sys.executable, str(CHECKER), "--root", root],
                                    capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout

    def assert_violation(self, extra_files, expected_location):
        """Adds `extra_files` to the clean tree; expects exactly one violation, at the location."""
        code, output = self.run_checker({**CLEAN_TREE, **extra_files})
        self.assertEqual(code, 1, output)
        violations = [line for line in output.splitlines()
                      if not line.startswith("check_layering:")]
        self.assertEqual(len(violations), 1, output)
        self.assertIn(expected_location, violations[0])

    def test_clean_tree_passes(self):
        code, output = self.run_checker(CLEAN_TREE)
        self.assertEqual(code, 0, output)
        self.assertIn("OK", output)

    def test_lower_layer_including_higher_layer_fails(self):
        self.assert_violation({"src/model/bad.h": '#include "core/status.h"\n'
                                                  '#include "storage/store.h"\n'},
                              "src/model/bad.h:2: model may not include")

    def test_include_after_a_string_holding_comment_start_is_checked(self):
        self.assert_violation({"src/storage/glob.cc": 'const char* kGlob = "/*";\n'
                                                      '#include "api/routes.h"\n'},
                              "src/storage/glob.cc:2: storage may not include")

    def test_transport_including_model_fails(self):
        self.assert_violation({"src/transport/bad.cc": '#include "model/ids.h"\n'},
                              "src/transport/bad.cc:1:")

    def test_core_including_anything_of_ours_fails(self):
        self.assert_violation({"src/core/bad.cc": '\n\n#include "model/ids.h"\n'},
                              "src/core/bad.cc:3: core may not include")

    def test_third_party_outside_its_home_fails(self):
        self.assert_violation({"src/core/net.cc": "#include <boost/asio.hpp>\n"},
                              "src/core/net.cc:1: Boost")
        self.assert_violation({"src/api/cli.cc": "#include <CLI/CLI.hpp>\n"},
                              "src/api/cli.cc:1: CLI11")
        self.assert_violation({"src/api/zip.cc": '#include "zstd.h"\n'},
                              "src/api/zip.cc:1: zstd")

    def test_only_benchmarks_may_use_the_bench_helpers(self):
        helper = {"bench/segment_generator.h": "\n"}
        self.assert_violation(
            {**helper, "src/storage/store.cc": '#include "bench/segment_generator.h"\n'},
            "src/storage/store.cc:1: storage may not include")
        code, output = self.run_checker(
            {**CLEAN_TREE, **helper,
             "src/storage/store_bench.cc": '#include "bench/segment_generator.h"\n'})
        self.assertEqual(code, 0, output)

    def test_unknown_module_fails(self):
        self.assert_violation({"src/telepathy/CMakeLists.txt": "",
                               "src/telepathy/mind.h": '#include "core/status.h"\n'},
                              "src/telepathy/CMakeLists.txt:1: unknown module 'telepathy'")


if __name__ == "__main__":
    unittest.main()
