#!/usr/bin/env python3
"""Benchmark ``hascan audit`` on a large synthetic Cloud Asset Inventory snapshot.

The script writes a deterministic ``gcloud asset export`` file (newline-delimited JSON,
snake_case envelope) of N records: mostly asset types no hascan rule reads (disks, VMs,
firewalls, buckets, Pub/Sub, ...) and a few percent of the types rules do read (Cloud SQL,
Redis, Cloud Run, Cloud Armor, HTTPS proxies and SSL policies, projects). It then times

* parsing the file with Python's ``json`` module alone (the floor any Python reader pays), and
* ``hascan audit --snapshot FILE -f sarif -o OUT --quiet --fail-on none`` in a child process,

and checks the product floors: audit time <= 3x the json parse, and peak RSS < 1 GiB.
Exit status: 0 when both floors hold, 1 when one fails, 2 when the audit itself fails.

    python bench/bench_audit.py                        # N=100000, best of 3
    python bench/bench_audit.py --assets 20000 --repeat 1 --memory-scaling
    python bench/bench_audit.py --profile 15           # plus a cProfile of one audit

Standard library only; hascan must be importable by the same interpreter.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from synthetic import BUNDLE_SIZE, SnapshotSpec, write_snapshot

MAX_RATIO = 3.0          # product floor: audit wall time / json parse time
MAX_RSS_MIB = 1024.0     # product floor: peak resident memory of the audit process
MEASURE_FLAG = "--measure-child"  # internal: run one command and report its own peak RSS


def fail(message: str) -> NoReturn:
    """Stop the benchmark: the audit could not be measured (exit 2, as hascan's own errors)."""
    print(f"bench_audit: {message}", file=sys.stderr)
    raise SystemExit(2)


# ----------------------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRun:
    seconds: float
    peak_rss_mib: float
    exit_code: int
    stderr: str


@dataclass(frozen=True)
class Figures:
    records: int
    file_mb: float
    parse_s: float
    audit: AuditRun
    in_scope: int | None

    @property
    def ratio(self) -> float:
        return self.audit.seconds / self.parse_s

    @property
    def assets_per_s(self) -> float:
        return self.records / self.audit.seconds


def time_json_parse(path: Path) -> float:
    """Seconds for ``json.loads`` on every line of the file, results discarded."""
    loads = json.loads
    start = time.perf_counter()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                loads(line)
    return time.perf_counter() - start


def hascan_command() -> list[str]:
    """``python -m scanner`` when the package has a ``__main__``, else the ``hascan`` script of this venv."""
    spec = importlib.util.find_spec("scanner")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if any((Path(loc) / "__main__.py").is_file() for loc in locations):
        return [sys.executable, "-m", "scanner"]
    script = Path(sys.executable).with_name("hascan")
    if not script.exists():
        fail("hascan is not installed for this interpreter (no scanner package, no hascan script)")
    return [str(script)]


def audit_args(snapshot: Path, sarif: Path, pack: list[str]) -> list[str]:
    """The audit's arguments; ``pack`` is extra ``--policies``/``--mapping`` options (default: built-in pack)."""
    return ["audit", "--snapshot", str(snapshot), "-f", "sarif", "-o", str(sarif), "--quiet", "--fail-on", "none",
            *pack]


def measure_child(command: list[str]) -> int:
    """Internal mode: run ``command`` once; print its wall time, peak RSS and exit code as JSON.

    This runs in a process of its own, so RUSAGE_CHILDREN's maximum is that command's alone.
    """
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - start
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    per_mib = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_mib": maxrss / per_mib,
                      "exit_code": done.returncode, "stderr": done.stderr[-2000:]}))
    return 0


def run_audit_once(snapshot: Path, sarif: Path, pack: list[str]) -> AuditRun:
    wrapper = [sys.executable, str(Path(__file__).resolve()), MEASURE_FLAG, *hascan_command(),
               *audit_args(snapshot, sarif, pack)]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True)
    return AuditRun(**json.loads(done.stdout))


def best_audit(snapshot: Path, sarif: Path, repeat: int, pack: list[str]) -> AuditRun:
    """Fastest of ``repeat`` runs, reporting the highest peak RSS seen; exits 2 if the audit fails."""
    runs = [run_audit_once(snapshot, sarif, pack) for _ in range(repeat)]
    for run in runs:
        if run.exit_code not in (0, 1):
            fail(f"hascan audit exited {run.exit_code}:\n{run.stderr.rstrip()}")
    fastest = min(runs, key=lambda r: r.seconds)
    return AuditRun(fastest.seconds, max(r.peak_rss_mib for r in runs), fastest.exit_code, fastest.stderr)


def sarif_in_scope(sarif: Path, expected_records: int) -> int | None:
    """Assets the audit kept (from the SARIF run properties), after checking it read every record."""
    props = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0].get("properties", {})
    read = props.get("recordsRead")
    if read is not None and read != expected_records:
        fail(f"hascan read {read} records, the snapshot has {expected_records}")
    return props.get("assetsInScope")


@contextmanager
def generated(spec: SnapshotSpec, args: argparse.Namespace, tag: str) -> Iterator[Path]:
    """Write the snapshot for ``spec``; remove it and the SARIF written beside it afterwards unless --keep."""
    snapshot = args.out_dir / f"snapshot-{tag}-{spec.total}-seed{args.seed}.jsonl"
    write_snapshot(snapshot, spec, args.seed)
    try:
        yield snapshot
    finally:
        if not args.keep:
            snapshot.unlink(missing_ok=True)
            for sarif in (f"hascan-{tag}.sarif", f"hascan-{tag}-profile.sarif"):
                (args.out_dir / sarif).unlink(missing_ok=True)


def measure(snapshot: Path, spec: SnapshotSpec, args: argparse.Namespace, tag: str, parse: bool = True) -> Figures:
    """Time the json parse (unless ``parse`` is false) and the audit of one snapshot, best of --repeat."""
    sarif = args.out_dir / f"hascan-{tag}.sarif"
    parse_s = min(time_json_parse(snapshot) for _ in range(args.repeat)) if parse else float("nan")
    audit = best_audit(snapshot, sarif, args.repeat, pack_args(args))
    return Figures(records=spec.total, file_mb=snapshot.stat().st_size / 1e6, parse_s=parse_s, audit=audit,
                   in_scope=sarif_in_scope(sarif, spec.total))


def pack_args(args: argparse.Namespace) -> list[str]:
    pack = [arg for path in args.policies for arg in ("--policies", path)]
    return pack + (["--mapping", args.mapping] if args.mapping else [])


# ----------------------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------------------


def floor_checks(fig: Figures) -> list[tuple[str, bool]]:
    return [(f"ratio <= {MAX_RATIO:.1f}", fig.ratio <= MAX_RATIO),
            (f"peak RSS < {MAX_RSS_MIB:.0f} MiB", fig.audit.peak_rss_mib < MAX_RSS_MIB)]


def print_main_table(fig: Figures, spec: SnapshotSpec, repeat: int) -> None:
    rows = [
        ("N (records)", f"{fig.records:,}"),
        ("  of types rules read", f"{spec.relevant:,} ({BUNDLE_SIZE} x {spec.projects:,} projects)"),
        ("  kept by the rule pack", f"{fig.in_scope:,}" if fig.in_scope is not None else "?"),
        ("file size MB", f"{fig.file_mb:.1f}"),
        ("json parse s", f"{fig.parse_s:.2f}"),
        ("hascan audit s", f"{fig.audit.seconds:.2f}"),
        ("ratio audit/parse", f"{fig.ratio:.2f}"),
        ("assets/s", f"{fig.assets_per_s:,.0f}"),
        ("peak RSS MiB", f"{fig.audit.peak_rss_mib:.1f}"),
        ("audit exit code", str(fig.audit.exit_code)),
    ]
    print(f"hascan audit benchmark (best of {repeat})")
    for key, value in rows:
        print(f"  {key:<24}{value:>28}")
    for name, ok in floor_checks(fig):
        print(f"  {'floor ' + name:<38}{'PASS' if ok else 'FAIL':>14}")


def print_scaling_table(rows: list[tuple[str, SnapshotSpec, Figures]]) -> None:
    base = rows[0][2].audit.peak_rss_mib
    print("\nmemory scaling (peak RSS of hascan audit)")
    print(f"  {'snapshot':<22}{'records':>9}{'rule-read':>11}{'other':>9}{'MB':>8}{'audit s':>9}"
          f"{'RSS MiB':>9}{'vs N':>8}")
    for label, spec, fig in rows:
        print(f"  {label:<22}{spec.total:>9,}{spec.relevant:>11,}{spec.others:>9,}{fig.file_mb:>8.1f}"
              f"{fig.audit.seconds:>9.2f}{fig.audit.peak_rss_mib:>9.1f}{fig.audit.peak_rss_mib - base:>+8.1f}")


def run_memory_scaling(spec: SnapshotSpec, base: Figures, args: argparse.Namespace) -> None:
    variants = [("2N, same mix", "2N", SnapshotSpec(spec.projects * 2, spec.others * 2)),
                ("N, other types x2", "N-others-x2", SnapshotSpec(spec.projects, spec.others * 2))]
    rows = [("N", spec, base)]
    for label, tag, variant in variants:
        with generated(variant, args, tag) as snapshot:
            rows.append((label, variant, measure(snapshot, variant, args, tag, parse=False)))
    print_scaling_table(rows)


PROFILE_CODE = """
import cProfile, pstats, sys
from scanner.cli import main
profile = cProfile.Profile()
try:
    profile.runcall(main, sys.argv[2:])
except SystemExit:
    pass
pstats.Stats(profile).sort_stats("cumulative").print_stats(int(sys.argv[1]))
"""


def run_profile(snapshot: Path, tag: str, args: argparse.Namespace) -> None:
    """cProfile one in-process audit (in a child interpreter) and print the top cumulative entries."""
    sarif = args.out_dir / f"hascan-{tag}-profile.sarif"
    print(f"\ncProfile of one audit, top {args.profile} by cumulative time", flush=True)
    command = [sys.executable, "-c", PROFILE_CODE, str(args.profile), *audit_args(snapshot, sarif, pack_args(args))]
    subprocess.run(command, check=True)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000, metavar="N", help="records in the snapshot (100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed; same seed, same file (1)")
    parser.add_argument("--relevant-percent", type=float, default=3.0, metavar="P",
                        help="percent of records of types rules read (3.0)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is reported (3)")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent / "out",
                        help="where snapshots and SARIF are written (bench/out)")
    parser.add_argument("--keep", action="store_true", help="keep the generated snapshots and SARIF files")
    parser.add_argument("--policies", action="append", default=[], metavar="PATH",
                        help="policy file or directory for hascan (repeatable; default: the built-in pack)")
    parser.add_argument("--mapping", metavar="FILE", help="compliance mapping for hascan (default: built-in)")
    parser.add_argument("--memory-scaling", action="store_true",
                        help="also audit 2N records (same mix) and N with the other types doubled")
    parser.add_argument("--profile", type=int, nargs="?", const=15, default=0, metavar="K",
                        help="also print the top K (15) cProfile entries of one audit, by cumulative time")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.assets < 1:
        parser.error("--repeat and --assets must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [MEASURE_FLAG]:
        return measure_child(argv[1:])
    args = parse_args(argv)
    try:
        spec = SnapshotSpec.for_assets(args.assets, args.relevant_percent)
    except ValueError as exc:
        fail(str(exc))
    with generated(spec, args, "N") as snapshot:
        fig = measure(snapshot, spec, args, "N")
        print_main_table(fig, spec, args.repeat)
        if args.profile:
            run_profile(snapshot, "N", args)
    if args.memory_scaling:
        run_memory_scaling(spec, fig, args)
    return 0 if all(ok for _, ok in floor_checks(fig)) else 1


if __name__ == "__main__":
    sys.exit(main())
