"""Whole-process ingest figures (issue 13's table), each beside its baseline measured in this run.

Every scenario is a fresh process, as a desk officer runs it (`screening ingest FILE`), on
files generated once into data/bench/ (see bench/generate.py). The machine is shared, so
absolute seconds are noisy: read the ratios, whose two sides ran minutes apart in one run.

    python -m bench ingest [--quick] [--repeat N] [--rows N] [--csv-rows N] [--warehouse N ...]

Baselines: a process that only reads the same workbook with calamine (marginal read), a
process that runs a bare one-task Prefect flow (fixed cost), and the same 10-row upload into
an empty warehouse (publishing must not grow with the warehouse). Start-up is measured both
with the installed bytecode and without any (as on a machine where bytecode is neither
installed nor written: PYTHONDONTWRITEBYTECODE with an empty PYTHONPYCACHEPREFIX).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import generate

BIN = Path(sys.executable).parent
CALAMINE_READ = """
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
print(len(rows))
"""
BARE_FLOW = """
from prefect import flow, task

@task
def one() -> int:
    return 1

@flow
def bare() -> int:
    return one()

bare()
"""
GIB = 2**30


@dataclass
class Run:
    seconds: float
    cpu: float  # CPU seconds of the process and the processes it waited for (its servers)
    peak_bytes: int  # the process's peak RSS (the largest of it and its waited-for children)


class Bench:
    def __init__(self, root: Path, repeat: int) -> None:
        self.root = root
        self.repeat = repeat
        self.prefect_home = root / "prefect"
        self.prefect_home.mkdir()
        self.pycache = root / "no-bytecode"
        self._n = 0

    def env(self, data_dir: Path, bytecode: bool = True) -> dict[str, str]:
        env = {
            **os.environ,
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_HOME": str(self.prefect_home),  # one Prefect database, made before timing
            "PREFECT_LOGGING_LEVEL": "WARNING",
            # A new Prefect database takes long to migrate on a busy 2-core machine.
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
            "SCREENING_DATA_DIR": str(data_dir),
            "SCREENING_MAX_UPLOAD_BYTES": str(4 * GIB),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("SCREENING_DB", None)
        if not bytecode:  # bytecode read from (and written to) an empty folder: none is used
            self.pycache.mkdir(exist_ok=True)
            env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        return env

    def data_dir(self) -> Path:
        self._n += 1
        folder = self.root / f"run{self._n}"
        folder.mkdir()
        return folder

    def run(self, args: list[str], data_dir: Path | None = None, bytecode: bool = True) -> Run:
        run = self._run(args, data_dir, bytecode)
        if args[1] == "-c":  # the baselines
            kind = "calamine read" if args[2] == CALAMINE_READ else "bare one-task flow"
            what = " ".join([kind, *(Path(a).name for a in args[3:])])
        else:
            what = " ".join(Path(a).name if "/" in a else a for a in args[1:])[:60]
        print(
            f"    {what:<60} {run.seconds:6.1f} s, CPU {run.cpu:6.1f} s, "
            f"{run.peak_bytes / GIB:.2f} GiB{'' if bytecode else ' (no bytecode)'}",
            flush=True,
        )
        return run

    def _run(self, args: list[str], data_dir: Path | None, bytecode: bool) -> Run:
        data_dir = data_dir or self.data_dir()
        start = time.perf_counter()
        process = subprocess.Popen(
            args,
            env=self.env(data_dir, bytecode),
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        stderr = process.stderr.read() if process.stderr else b""
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            sys.exit(f"{' '.join(args)} failed ({process.returncode}):\n{stderr.decode()[-3000:]}")
        return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)

    def median(self, make_args, fresh=None, bytecode: bool = True) -> Run:
        """The median of `repeat` runs (`fresh()` gives each its data folder)."""
        runs = [
            self.run(make_args(), fresh() if fresh else None, bytecode) for _ in range(self.repeat)
        ]
        return Run(
            statistics.median(r.seconds for r in runs),
            statistics.median(r.cpu for r in runs),
            max(r.peak_bytes for r in runs),
        )

    def ingest(self, path: Path, data_dir: Path | None = None, bytecode: bool = True) -> Run:
        return self.run([str(BIN / "screening"), "ingest", str(path)], data_dir, bytecode)

    def ingest_median(self, path: Path, fresh=None, bytecode: bool = True) -> Run:
        return self.median(lambda: [str(BIN / "screening"), "ingest", str(path)], fresh, bytecode)

    def bare_flow(self, bytecode: bool = True) -> Run:
        return self.median(lambda: [sys.executable, "-c", BARE_FLOW], bytecode=bytecode)

    def calamine(self, path: Path) -> Run:
        return self.median(lambda: [sys.executable, "-c", CALAMINE_READ, str(path)])


def _row(label: str, value: str, baseline: str, wall: str, cpu: str, goal: str) -> None:
    print(f"  {label:<54} {value:>16} {baseline:>16} {wall:>7} {cpu:>7}  {goal}")


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "–"


def _compare(label: str, run: Run, base: Run, goal: str) -> None:
    """A figure beside its baseline: wall seconds (CPU seconds), ratios of both."""
    _row(
        label,
        f"{run.seconds:.1f} s ({run.cpu:.1f})",
        f"{base.seconds:.1f} s ({base.cpu:.1f})",
        _ratio(run.seconds, base.seconds),
        _ratio(run.cpu, base.cpu),
        goal,
    )


def _gib(run: Run) -> str:
    return f"{run.peak_bytes / GIB:.2f} GiB"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m bench ingest")
    ap.add_argument("--quick", action="store_true", help="smaller files, one run per figure")
    ap.add_argument("--repeat", type=int, help="runs per short scenario (median shown)")
    ap.add_argument("--rows", type=int, help="workbook rows (100,000; quick 10,000)")
    ap.add_argument("--csv-rows", type=int, help="CSV rows (1,000,000; quick 100,000)")
    ap.add_argument(
        "--warehouse", type=int, nargs="*", help="warehouse sizes (100,000 1,000,000; quick 100k)"
    )
    args = ap.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    rows = args.rows or (10_000 if quick else 100_000)
    csv_rows = args.csv_rows or (100_000 if quick else 1_000_000)
    sizes = (
        args.warehouse
        if args.warehouse is not None
        else ([100_000] if quick else [100_000, 1_000_000])
    )
    repeat = args.repeat or (1 if quick else 3)

    t0 = time.perf_counter()
    small, large = generate.workbook(10), generate.workbook(rows)
    big_csv = generate.csv_file(csv_rows)
    warehouses = {n: generate.warehouse(n) for n in sizes}
    print(
        f"  inputs ready in {time.perf_counter() - t0:.0f} s: workbooks of 10 and {rows:,} rows "
        f"({large.stat().st_size / 2**20:.1f} MiB), CSV of {csv_rows:,} rows "
        f"({big_csv.stat().st_size / 2**20:.0f} MiB), warehouses of "
        f"{', '.join(f'{n:,}' for n in sizes)} projects; {repeat} run(s) per short figure"
    )

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        bench = Bench(Path(folder), repeat)
        bench.run([sys.executable, "-c", BARE_FLOW])  # Prefect's database, made untimed
        bench.ingest(small)  # and the first-run work of our own (reference lists)

        bare = bench.bare_flow()
        ten = bench.ingest_median(small)
        bare_cold = bench.bare_flow(bytecode=False)
        ten_cold = bench.ingest_median(small, bytecode=False)
        read_small, read_large = bench.calamine(small), bench.calamine(large)
        ingest_large = bench.ingest(large)
        into = {
            n: bench.ingest_median(
                small,
                fresh=lambda n=n: generate.copy_warehouse(warehouses[n], bench.data_dir()).parent,
            )
            for n in sizes
        }
        ingest_csv = bench.ingest(big_csv)

    print(
        "\n  Wall seconds, CPU seconds in brackets (the process and the servers it waited for);"
        "\n  the machine is shared, so CPU ratios are the steadier ones.\n"
    )
    _row("figure", "value", "baseline", "wall ×", "CPU ×", "goal")
    marginal = Run(
        ingest_large.seconds - ten.seconds, ingest_large.cpu - ten.cpu, ingest_large.peak_bytes
    )
    marginal_read = Run(read_large.seconds - read_small.seconds, read_large.cpu - read_small.cpu, 0)
    _compare(
        f"marginal ingest of {rows:,} rows ÷ marginal calamine read", marginal, marginal_read,
        "≤ 2.0",
    )  # fmt: skip
    _row(f"peak memory, {rows:,}-row ingest", _gib(ingest_large), "", "", "", "≤ 1 GiB")
    _compare("10-row upload ÷ bare one-task flow (bytecode installed)", ten, bare, "≤ 1.25")
    _compare("10-row upload ÷ bare one-task flow (no bytecode)", ten_cold, bare_cold, "≤ 1.25")
    _compare("bare flow without bytecode ÷ with", bare_cold, bare, "")
    for n, run in into.items():
        _compare(f"10-row upload into {n:,} projects ÷ into an empty warehouse", run, ten, "≤ 1.05")
    _row(
        f"{csv_rows:,}-row CSV ingest, peak memory",
        _gib(ingest_csv),
        f"{ingest_csv.seconds:.0f} s ({ingest_csv.cpu:.0f})",
        "",
        "",
        "≤ 4 GiB",
    )
    print(
        f"\n  ingest of {rows:,} rows: {ingest_large.seconds:.1f} s "
        f"({rows / max(marginal.seconds, 1e-9):,.0f} rows/s marginal); calamine alone "
        f"{read_large.seconds:.1f} s; {csv_rows:,}-row CSV: "
        f"{csv_rows / ingest_csv.seconds:,.0f} rows/s overall"
    )


if __name__ == "__main__":
    main()
