#!/usr/bin/python3
"""tools/check_layering.py — fails when an #include points against the architecture's arrows.

Two rules, checked over every C++ file under src/, apps/ and bench/:

1. Our own modules form layers; a module may include itself and the modules it depends on
   (LAYER_DEPENDENCIES below). apps/ and bench/ may include any module; of theirs, only
   benchmarks (*_bench.cc) may include bench/ (the shared load generator).
2. Each third-party library has one home: its headers may be included only from the folders
   listed in THIRD_PARTY_HOMES (this applies to apps/ and bench/ too).

A folder under src/ that is not in LAYER_DEPENDENCIES is itself a violation: adding a module is
a decision about the architecture, so it must be added here (and to docs/architecture.md).

Prints one line per violation as `path:line: message` and exits 1; otherwise prints a one-line
summary and exits 0. Usage: /usr/bin/python3 tools/check_layering.py [--root REPO_ROOT]
"""

import argparse
import pathlib
import re
import sys

# Module -> the modules it may include (besides itself). Dependencies point up this list.
LAYER_DEPENDENCIES = {
    "core": set(),
    "model": {"core"},
    "storage": {"core", "model"},
    "filter": {"core", "model"},
    "query": {"core", "model", "storage"},
    "ingest": {"core", "model", "storage", "query"},
    "transport": {"core"},
    "api": {"core", "model", "storage", "filter", "query", "ingest", "transport"},
}

# Folders whose files may include every module.
UNRESTRICTED_FOLDERS = {"apps", "bench"}

# Third-party library -> (how its headers are spelled, the folders allowed to include them).
# A folder is a module name under src/ or a top-level folder (apps, bench).
THIRD_PARTY_HOMES = {
    "simdjson": (re.compile(r"^simdjson\.h$"), {"model", "filter", "query", "api"}),
    "Boost": (re.compile(r"^boost/"), {"transport"}),
    "LMDB": (re.compile(r"^lmdb\.h$"), {"storage"}),
    "zstd": (re.compile(r"^(zstd|zstd_errors|zdict)\.h$"), {"storage"}),
    "RapidJSON": (re.compile(r"^rapidjson/"), {"query", "api"}),
    "spdlog": (re.compile(r"^spdlog/"), {"core"}),
    "CLI11": (re.compile(r"^CLI/"), {"apps", "bench"}),  # command lines of executables
}

SCANNED_FOLDERS = ("src", "apps", "bench")
CXX_SUFFIXES = {".h", ".hh", ".hpp", ".cc", ".cpp", ".cxx", ".ipp", ".inc"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
STRING_OR_CHAR_LITERAL = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')


def folder_of(repo_root: pathlib.Path, path: pathlib.Path) -> str:
    """The module (src/<module>/...) or top-level folder (apps, bench) that owns `path`."""
    parts = path.relative_to(repo_root).parts
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    return parts[0]  # apps, bench, or a loose file directly in src/


def includes_of(path: pathlib.Path):
    """Yields (line number, delimiter, included name) for each #include outside /* */ comments."""
    in_block_comment = False
    with path.open(encoding="utf-8", errors="replace") as source:
        for number, line in enumerate(source, start=1):
            if in_block_comment:
                if "*/" not in line:
                    continue
                line = line.split("*/", 1)[1]
                in_block_comment = False
            match = INCLUDE.match(line)
            if match:
                yield number, match.group(1), match.group(2)
                continue
            code = STRING_OR_CHAR_LITERAL.sub('""', line).split("//", 1)[0]
            if "/*" in code and "*/" not in code.rsplit("/*", 1)[1]:
                in_block_comment = True


def included_module(repo_root: pathlib.Path, including: pathlib.Path, name: str):
    """The module a quoted include names, or None when it is not one of ours."""
    first = name.split("/", 1)[0]
    if "/" in name and (repo_root / "src" / first).is_dir():
        return first  # rooted at src/, the project's convention
    if "/" in name and first in UNRESTRICTED_FOLDERS and (repo_root / name).is_file():
        return first  # rooted at the repository: apps/ or bench/
    sibling = (including.parent / name).resolve()
    if sibling.is_file() and sibling.is_relative_to(repo_root):  # relative to the including file
        return folder_of(repo_root, sibling)
    return None


def check_file(repo_root: pathlib.Path, path: pathlib.Path):
    """Yields (line number, message) for each violation in one file."""
    owner = folder_of(repo_root, path)
    for number, delimiter, name in includes_of(path):
        for library, (pattern, homes) in THIRD_PARTY_HOMES.items():
            if pattern.search(name) and owner not in homes:
                allowed = ", ".join(sorted(homes))
                yield number, f"{library} (<{name}>) may be included only from: {allowed}"
        if delimiter != '"' or owner in UNRESTRICTED_FOLDERS:
            continue
        target = included_module(repo_root, path, name)
        if target is None or target == owner:
            continue
        if target == "bench" and path.name.endswith("_bench.cc"):
            continue  # benchmarks beside the code share the load generator in bench/
        if target in UNRESTRICTED_FOLDERS or target not in LAYER_DEPENDENCIES:
            yield number, f'{owner} may not include "{name}" ({target}/ is not a library module)'
            continue
        allowed = LAYER_DEPENDENCIES[owner]
        if target not in allowed:
            may = ", ".join(sorted(allowed)) if allowed else "nothing of ours"
            yield number, f'{owner} may not include "{name}" ({owner} may include: {may})'


def source_files(repo_root: pathlib.Path):
    for folder in SCANNED_FOLDERS:
        base = repo_root / folder
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*") if p.suffix in CXX_SUFFIXES)


def check_tree(repo_root: pathlib.Path):
    """Returns (violations as `path:line: message` lines, number of files checked)."""
    violations = []
    src = repo_root / "src"
    modules = sorted(p.name for p in src.iterdir() if p.is_dir()) if src.is_dir() else []
    for module in modules:
        if module not in LAYER_DEPENDENCIES:
            cmake = src / module / "CMakeLists.txt"
            where = f"src/{module}/CMakeLists.txt:1" if cmake.is_file() else f"src/{module}"
            violations.append(f"{where}: unknown module '{module}': add it to "
                              "LAYER_DEPENDENCIES in tools/check_layering.py")

    files = [p for p in source_files(repo_root) if p.is_file()]
    for path in files:
        relative = path.relative_to(repo_root)
        owner = folder_of(repo_root, path)
        if path.parent == src:
            violations.append(f"{relative}:1: files under src/ belong in a module folder")
        elif owner in LAYER_DEPENDENCIES or owner in UNRESTRICTED_FOLDERS:
            for number, message in check_file(repo_root, path):
                violations.append(f"{relative}:{number}: {message}")
    return violations, len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent,
                        help="repository root (default: the one holding this script)")
    repo_root = parser.parse_args().root.resolve()

    violations, file_count = check_tree(repo_root)
    for violation in violations:
        print(violation)
    if violations:
        print(f"check_layering: {len(violations)} violation(s) in {file_count} files")
        return 1
    print(f"check_layering: OK, {file_count} files follow the layering and library homes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
