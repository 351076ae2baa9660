#!/usr/bin/python3
"""test_tools: tests of the analysis tools, tools/perpsim.py (load_run,
load_sweep, load_compare, load_klines), tools/plot-run, tools/plot-sweep,
tools/plot-compare and tools/cascade-metrics.

The runs are real: made by the built perpsim ($PERPSIM_EXE, by default
build/perpsim) in a temporary folder, once per process, when a test first
asks for them. A real `perpsim sweep` of the tiny test scenario checks
load_sweep against what the sweep wrote (RealSweepTest); the statistics are
checked on an index written here by write_sweep_fixture in the same layout,
whose metric values are chosen so that each point's mean is known. A
comparison (CompareTest) is a real sweep's index given the compare_*
attributes and a compare.csv computed here (write_compare_fixture), as
`perpsim compare` would leave them. Each TestCase class is one ctest test,
tools.<Class> (CMakeLists.txt); run them all with

    /usr/bin/python3 tests/test_tools.py
"""

import functools
import hashlib
import json
import math
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import perpsim  # noqa: E402

PERPSIM = os.environ.get("PERPSIM_EXE") or str(ROOT / "build" / "perpsim")
DASHBOARD_PIXELS = (1400, 1000)  # what plot-run --help promises
SWEEP_PIXELS = (1000, 600)       # what plot-sweep --help promises
# the start of scenarios/quickstart.yaml
DEFAULT_START = pd.Timestamp("2025-07-10T07:00:00Z")
# the scenarios these tests run besides the default one
TOOLS_DATA = ROOT / "tests" / "data" / "tools"

_scratch = None


def scratch():
    """This process's temporary folder (removed when the tests end)."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.TemporaryDirectory(prefix="perpsim-tools-")
    return pathlib.Path(_scratch.name)


def tearDownModule():
    if _scratch is not None:
        _scratch.cleanup()


def perpsim_run(out, *args):
    """Starts `perpsim run ARGS -o OUT --force -q`."""
    if not os.access(PERPSIM, os.X_OK):
        raise RuntimeError(f"no perpsim program at {PERPSIM} (build it, or "
                           "set PERPSIM_EXE)")
    return subprocess.Popen([PERPSIM, "run", *args, "-o", str(out), "--force",
                             "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process, result):
    _, err = process.communicate(timeout=240)
    if process.returncode != 0 or not result.exists():
        raise RuntimeError(f"perpsim run failed ({process.returncode}): {err}")
    return result


@functools.lru_cache(maxsize=None)
def default_runs(*seeds):
    """The built-in default scenario at each seed, run at once; their
    paths, in the order of seeds."""
    started = []
    for seed in seeds:
        folder = scratch() / f"default-seed{seed}"
        started.append((perpsim_run(folder, "--seed", str(seed)),
                        folder / f"quickstart-seed{seed}.h5"))
    return [finish(process, result) for process, result in started]


def default_run(seed=1):
    return default_runs(seed)[0]


@functools.lru_cache(maxsize=None)
def two_venue_run():
    scenario = scratch() / "two-venues.yaml"
    shutil.copy(TOOLS_DATA / "two-venues.yaml", scenario)
    folder = scratch() / "two-venues"
    return finish(perpsim_run(folder, str(scenario)),
                  folder / "two-venues-seed5.h5")


def perpsim_batch(folder, command, *args):
    """Runs `perpsim COMMAND -q -j 2 ARGS -o FOLDER` (compare, stress);
    the folder."""
    done = subprocess.run([PERPSIM, command, "-q", "-j", "2",
                           *map(str, args), "-o", str(folder)],
                          capture_output=True, text=True, timeout=240)
    if done.returncode != 0:
        raise RuntimeError(f"perpsim {command} failed: {done.stderr}")
    return folder


def tool(name, *args):
    """Runs tools/NAME ARGS; the CompletedProcess (text)."""
    return subprocess.run([str(TOOLS / name), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def png_size(path):
    """(width, height) of a PNG file, after checking its signature, its
    IHDR chunk (with CRC) and its closing IEND chunk."""
    data = pathlib.Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path}: no PNG signature")
    length, kind = struct.unpack(">I4s", data[8:16])
    if kind != b"IHDR" or length != 13:
        raise AssertionError(f"{path}: the first chunk is not IHDR")
    (crc,) = struct.unpack(">I", data[29:33])
    if zlib.crc32(data[12:29]) != crc:
        raise AssertionError(f"{path}: IHDR's CRC is wrong")
    if data[-8:-4] != b"IEND":
        raise AssertionError(f"{path}: does not end with IEND")
    return struct.unpack(">II", data[16:24])


class ToolTestCase(unittest.TestCase):
    def assertOneLineError(self, result, tool_name, *parts):
        """Exit status 2 and exactly one stderr line "TOOL: ..." holding
        every part."""
        self.assertEqual(result.returncode, 2, result.stderr)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith(f"{tool_name}: "), lines[0])
        for part in parts:
            self.assertIn(str(part), lines[0])

    def assertPng(self, path, pixels):
        self.assertTrue(pathlib.Path(path).is_file(), f"{path} not written")
        self.assertEqual(png_size(path), pixels)

    def assertWrotePng(self, result, png, pixels):
        """The tool succeeded, printed the PNG's path and wrote it, of
        pixels."""
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), str(png))
        self.assertPng(png, pixels)

    def assertHelpStatesPixels(self, tool_name, pixels):
        """`TOOL --help` succeeds and states the size of what it draws."""
        result = tool(tool_name, "--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("%d x %d pixels" % pixels, result.stdout)


# --- load_run -------------------------------------------------------------


class LoadRunTest(ToolTestCase):
    """load_run gives the numbers that are in the file."""

    @classmethod
    def setUpClass(cls):
        cls.path = default_run(1)
        cls.loaded = perpsim.load_run(cls.path)
        cls.file = h5py.File(cls.path, "r")

    @classmethod
    def tearDownClass(cls):
        cls.file.close()

    def test_series_and_audit_columns_equal_the_file(self):
        venue = self.file["venues/binance"]
        for group, frames in (("series", self.loaded.series),
                              ("audit", self.loaded.audit)):
            frame = frames["binance"]
            self.assertEqual(list(frame.columns), list(venue[group]))
            for name, ds in venue[group].items():
                self.assertEqual(len(frame), ds.shape[0])
                np.testing.assert_array_equal(frame[name].to_numpy(), ds[()],
                                              err_msg=f"{group}/{name}")
        self.assertEqual(len(self.loaded.series["binance"]), 7201)  # 2 h at 1 s

    def test_time_index_starts_at_the_scenario_start(self):
        index = self.loaded.series["binance"].index
        self.assertEqual(index.name, "time")
        self.assertEqual(str(index.tz), "UTC")
        self.assertEqual(index[0], DEFAULT_START)
        self.assertEqual(self.loaded.start, DEFAULT_START)
        self.assertEqual(index[1] - index[0], pd.Timedelta(seconds=1))
        self.assertEqual(index[-1], DEFAULT_START + pd.Timedelta(hours=2))
        self.assertTrue(self.loaded.audit["binance"].index.equals(index))

    def test_event_tables_equal_the_file_with_decoded_routes_and_times(self):
        tables = self.file["venues/binance/events"]
        self.assertEqual(sorted(self.loaded.events["binance"]),
                         ["adl", "funding", "liquidations"])
        for name, ds in tables.items():
            frame = self.loaded.events["binance"][name]
            data = ds[()]
            self.assertEqual(len(frame), len(data), name)
            self.assertEqual(list(frame.columns), ["time", *data.dtype.names])
            start = pd.Timestamp(int(self.file.attrs["start_utc_ms"]),
                                 unit="ms", tz="UTC")
            ms = np.round(data["time_s"] * 1000).astype(np.int64)
            expected = start + pd.to_timedelta(ms, unit="ms")
            self.assertTrue((frame["time"].to_numpy() ==
                             expected.to_numpy()).all(), name)
            for field in data.dtype.names:
                if field != "route":
                    np.testing.assert_array_equal(frame[field].to_numpy(),
                                                  data[field], err_msg=field)
        liq = self.loaded.events["binance"]["liquidations"]
        self.assertGreater(len(liq), 100)  # the default scenario's cascade
        codes = h5py.check_enum_dtype(tables["liquidations"].dtype["route"])
        names = {code: name for name, code in codes.items()}
        self.assertEqual(list(liq["route"]),
                         [names[c] for c in tables["liquidations"]["route"]])
        self.assertLessEqual(set(liq["route"]),
                             {"book", "backstop", "fund", "adl"})
        first = liq["time"].iloc[0]
        self.assertEqual(first, DEFAULT_START + pd.Timedelta(
            seconds=float(tables["liquidations"]["time_s"][0])))
        funding = self.loaded.events["binance"]["funding"]
        self.assertEqual(list(funding["time"]),  # the 08:00 UTC settlement
                         [pd.Timestamp("2025-07-10T08:00:00Z")])

    def test_summary_equals_the_file_without_expectations(self):
        attrs = self.file["summary"].attrs
        self.assertEqual(list(self.loaded.summary), list(attrs))  # none expect:
        for name, value in self.loaded.summary.items():
            self.assertIsInstance(value, float)
            np.testing.assert_array_equal(value, attrs[name], err_msg=name)
        self.assertEqual(self.loaded.summary["binance.liquidations.count"],
                         len(self.loaded.events["binance"]["liquidations"]))
        self.assertEqual(len(self.loaded.checks), 0)
        self.assertEqual(list(self.loaded.checks.columns),
                         ["metric", "low", "high", "value", "pass"])

    def test_attrs_units_and_scenario_are_decoded(self):
        a = self.loaded.attrs
        self.assertEqual((a["scenario"], a["seed"], a["format_version"]),
                         ("quickstart", 1, 1))
        self.assertEqual(a["start_utc"], "2025-07-10T07:00:00Z")
        self.assertEqual(self.loaded.venues, ["binance"])
        self.assertEqual(self.loaded.venue_attrs["binance"]["profile"],
                         "binance")
        self.assertEqual(self.loaded.scenario,
                         self.file["scenario"][()].decode("utf-8"))
        self.assertIn("name: quickstart", self.loaded.scenario)
        units = self.loaded.units["binance"]
        self.assertEqual((units["t"], units["mark"], units["funding_rate"]),
                         ("s", "USDT/BTC", "fraction"))
        self.assertEqual(self.loaded.audit_units["binance"]["long_lots"],
                         "lots")
        liq_units = self.loaded.event_units["binance"]["liquidations"]
        self.assertEqual((liq_units["time_s"], liq_units["notional"]),
                         ("s", "USDT"))

    def test_two_venues_keep_file_order_trades_and_checks(self):
        path = two_venue_run()
        run = perpsim.load_run(path)
        self.assertEqual(run.venues, ["hyperliquid", "binance"])
        with h5py.File(path, "r") as f:
            for venue in run.venues:
                trades = f[f"venues/{venue}/events/trades"][()]
                self.assertGreater(len(trades), 0)
                np.testing.assert_array_equal(
                    run.events[venue]["trades"]["price"].to_numpy(),
                    trades["price"])
                self.assertEqual(len(run.series[venue]),
                                 f[f"venues/{venue}/series/t"].shape[0])
            checks = run.checks
            self.assertEqual(list(checks["metric"]),
                             ["binance.funding.settlements",
                              "hyperliquid.funding.settlements"])
            self.assertEqual(list(checks["pass"]), [True, False])
            for row in checks.itertuples():
                low, high, value, _ = f["summary"].attrs[f"expect:{row.metric}"]
                self.assertEqual((row.low, row.high, row.value),
                                 (low, high, value))
        self.assertEqual(run.series["binance"].index[0],
                         pd.Timestamp("2025-07-10T07:30:00Z"))
        self.assertEqual(run.series["binance"].index[1]
                         - run.series["binance"].index[0],
                         pd.Timedelta(seconds=10))


# --- plot-run -------------------------------------------------------------


class PolicyEventsTest(ToolTestCase):
    """load_run decodes the risk policies' table (scenarios/README.md,
    "Venue risk policies") into names, row for row as the file has it."""

    @classmethod
    def setUpClass(cls):
        folder = scratch() / "policy"
        started = perpsim_run(
            folder, "--set", "venues.binance.policies.circuit_breaker.move=1%",
            "--set", "venues.binance.policies.circuit_breaker.halt=1m")
        _, err = started.communicate(timeout=240)
        if started.returncode != 0:
            raise RuntimeError(f"perpsim run failed: {err}")
        cls.path = next(folder.glob("quickstart-*.h5"))
        cls.loaded = perpsim.load_run(cls.path)

    def test_policy_and_action_are_names(self):
        with h5py.File(self.path, "r") as f:
            ds = f["venues/binance/events/policy"]
            data = ds[()]
            self.assertEqual(ds.attrs["policies"], "circuit_breaker")
        table = self.loaded.events["binance"]["policy"]
        self.assertEqual(len(table), len(data))
        self.assertGreater(len(table), 0)
        actions = "halt,resume,reject,clip,trim,defer,margin".split(",")
        self.assertEqual(list(table["action"]),
                         [actions[c] for c in data["action"]])
        self.assertEqual(set(table["policy"]), {"circuit_breaker"})
        self.assertEqual(table["action"].iloc[0], "halt")
        self.assertEqual(self.loaded.summary[
            "binance.policies.circuit_breaker.interventions"], len(table))


class PlotRunTest(ToolTestCase):
    """plot-run writes PNGs of the promised size where it says."""

    def test_default_output_is_the_run_name_with_png(self):
        folder = scratch() / "plot-default"
        folder.mkdir()
        run = folder / "quickstart-seed1.h5"
        shutil.copyfile(default_run(1), run)
        result = tool("plot-run", run)
        png = folder / "quickstart-seed1.png"
        self.assertWrotePng(result, png, DASHBOARD_PIXELS)

    def test_help_states_the_pixel_size(self):
        self.assertHelpStatesPixels("plot-run", DASHBOARD_PIXELS)

    def test_venue_all_writes_one_png_per_venue(self):
        out = scratch() / "plot-all" / "dash.png"
        out.parent.mkdir()
        result = tool("plot-run", two_venue_run(), "--venue", "all", "-o", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        written = [out.with_name(f"dash-{v}.png")
                   for v in ("hyperliquid", "binance")]
        self.assertEqual(result.stdout.split(), [str(p) for p in written])
        for png in written:
            self.assertPng(png, DASHBOARD_PIXELS)
        self.assertFalse(out.exists())

    def test_one_venue_of_several(self):
        out = scratch() / "plot-binance.png"
        result = tool("plot-run", two_venue_run(), "--venue", "binance",
                      "-o", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertPng(out, DASHBOARD_PIXELS)

    def test_unknown_venue_names_the_nearest(self):
        result = tool("plot-run", two_venue_run(), "--venue", "binanse",
                      "-o", scratch() / "never.png")
        self.assertOneLineError(result, "plot-run", "unknown venue 'binanse'",
                                "nearest: binance")
        self.assertFalse((scratch() / "never.png").exists())


# --- files that are not what a tool reads ----------------------------------


class ErrorsTest(ToolTestCase):
    """A file that is not a perpsim result: one line naming it, exit 2."""

    @classmethod
    def setUpClass(cls):
        folder = scratch() / "not-results"
        folder.mkdir()
        cls.text = folder / "notes.h5"
        cls.text.write_text("not HDF5 at all\n")
        cls.plain_hdf5 = folder / "plain.h5"
        with h5py.File(cls.plain_hdf5, "w") as f:
            f["x"] = np.arange(3)
        cls.future = folder / "future.h5"
        with h5py.File(cls.future, "w") as f:
            f.attrs["format_version"] = np.int32(2)
        cls.sweep_like = folder / "sweep.h5"
        with h5py.File(cls.sweep_like, "w") as f:
            f.attrs["format_version"] = np.int32(1)
            f.attrs["kind"] = "sweep"
        cls.missing = folder / "missing.h5"

    def assertLoadFails(self, loader, path, part):
        with self.assertRaises(perpsim.PerpsimFileError) as caught:
            loader(path)
        message = str(caught.exception)
        self.assertIsInstance(caught.exception, ValueError)
        self.assertNotIn("\n", message)
        self.assertTrue(message.startswith(f"{path}: "), message)
        self.assertIn(part, message)
        return message

    def test_load_run_refuses_each_kind_of_wrong_file(self):
        self.assertLoadFails(perpsim.load_run, self.text, "not an HDF5 file")
        self.assertLoadFails(perpsim.load_run, self.plain_hdf5,
                             "without a format_version")
        self.assertLoadFails(perpsim.load_run, self.future,
                             "format_version 2; this reader reads "
                             "format_version 1")
        self.assertLoadFails(perpsim.load_run, self.missing, "no such file")
        self.assertLoadFails(perpsim.load_run, self.sweep_like,
                             "a sweep index, not a run result")
        self.assertLoadFails(perpsim.load_run, self.text.parent,
                             "a folder, not a file")

    def test_load_sweep_refuses_a_run(self):
        self.assertLoadFails(perpsim.load_sweep, default_run(1),
                             "a run result, not a sweep index")
        self.assertLoadFails(perpsim.load_sweep, self.plain_hdf5,
                             "without a format_version")

    def test_plot_run_prints_the_message_and_exits_2(self):
        for path in (self.text, self.plain_hdf5, self.missing):
            result = tool("plot-run", path, "-o", scratch() / "never.png")
            message = self.assertLoadFails(perpsim.load_run, path, "")
            self.assertOneLineError(result, "plot-run")
            self.assertEqual(result.stderr, f"plot-run: {message}\n")
        self.assertFalse((scratch() / "never.png").exists())

    def test_plot_sweep_refuses_a_run_file(self):
        result = tool("plot-sweep", default_run(1), "--x", "k", "--metric", "m")
        self.assertOneLineError(result, "plot-sweep", str(default_run(1)),
                                "a run result, not a sweep index")


# --- load_sweep and plot-sweep ---------------------------------------------

INTERVAL = "venues.binance.funding.interval"
LEVERAGE = "populations[4].leverage.median"
LIQ = "binance.liquidations.total_notional"
PAID = "binance.funding.longs_paid"
SEEDS = (1, 2, 3)
FIXTURE_POINTS = [(interval, leverage) for interval in ("8h", "4h", "1h")
                  for leverage in (20.0, 5.0)]
FIXTURE_NOT_OK = {(5, 2): ("failed", "run failed: simulated failure"),
                  (4, 1): ("missing", "")}


def fixture_liq(point, replicate):
    """The fixture's made-up liquidated notional of a run (the metric
    columns are synthetic, so that each point's mean is known)."""
    return 1e6 * (point + 1) + 1e5 * replicate ** 2


def write_sweep_fixture(folder, runs_by_seed):
    """Writes folder/sweep.h5 in the layout of `perpsim sweep`'s index (a
    format_version 1 file of kind "sweep"): 6 points (INTERVAL, a string
    key, x LEVERAGE, a number key) x 3 replicates (seeds 1, 2, 3), one
    failed and one missing run, and runs/<id>.h5 for every finished run, a
    copy of runs_by_seed[seed]. Returns the index's path."""
    folder.mkdir(parents=True)
    (folder / "runs").mkdir()
    rows = []
    for (point, (interval, leverage)), replicate in \
            ((p, r) for p in enumerate(FIXTURE_POINTS) for r in range(3)):
        seed = SEEDS[replicate]
        digest = hashlib.sha1(f"{interval},{leverage}".encode()).hexdigest()
        run_id = f"{digest[:12]}-s{seed}"
        status, error = FIXTURE_NOT_OK.get((point, replicate), ("ok", ""))
        ok = status == "ok"
        if ok:
            shutil.copyfile(runs_by_seed[seed], folder / f"runs/{run_id}.h5")
        rows.append((run_id, point, replicate, seed, status,
                     0.3 + 0.01 * point if ok else np.nan, 1 if ok else -1,
                     error, f"runs/{run_id}.h5", interval, leverage,
                     fixture_liq(point, replicate) if ok else np.nan,
                     1000.0 + point + replicate if ok else np.nan))
    fields = [("id", "S32"), ("point", "<i8"), ("replicate", "<i4"),
              ("seed", "<u8"), ("status", "S8"), ("wall_s", "<f8"),
              ("expect", "i1"), ("error", "S128"), ("path", "S64"),
              (INTERVAL, "S8"), (LEVERAGE, "<f8"), (LIQ, "<f8"), (PAID, "<f8")]
    table = np.array([tuple(v.encode() if isinstance(v, str) else v
                            for v in row) for row in rows], dtype=fields)
    counts = {s: sum(r[4] == s for r in rows) for s in ("ok", "failed",
                                                          "missing")}
    path = folder / "sweep.h5"
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["format_version"] = np.int32(1)
        f.attrs["kind"] = "sweep"
        with h5py.File(runs_by_seed[1], "r") as run:
            f.attrs["perpsim_version"] = run.attrs["perpsim_version"]
            f.attrs["perpsim_revision"] = run.attrs["perpsim_revision"]
        f.attrs["sweep_file"] = "fixture-sweep.yaml"
        f.attrs["scenario"] = "scenarios/quickstart.yaml"
        f.attrs["runs"] = np.int64(len(rows))
        for status, count in counts.items():
            f.attrs[status] = np.int64(count)
        strings = h5py.string_dtype("utf-8")
        f.attrs.create("swept_keys", np.array([INTERVAL, LEVERAGE],
                                              dtype=object), dtype=strings)
        f.attrs.create("metrics", np.array([LIQ, PAID], dtype=object),
                       dtype=strings)
        f.create_dataset("sweep", data="sweep text of the test fixture\n",
                         dtype=strings)
        ds = f.create_dataset("runs", data=table, chunks=(64,),
                              maxshape=(None,))
        # what HDF5's H5TB table API adds to a table
        ds.attrs["CLASS"] = np.bytes_("TABLE")
        ds.attrs["VERSION"] = np.bytes_("3.0")
        ds.attrs["TITLE"] = np.bytes_("runs")
        for i, (name, _) in enumerate(fields):
            ds.attrs[f"FIELD_{i}_NAME"] = np.bytes_(name)
        links = f.create_group("run_files")
        for row in rows:
            if row[4] == "ok":
                links[row[0]] = h5py.ExternalLink(row[8], "/")
    return path


class SweepTest(ToolTestCase):
    """load_sweep reads the index; aggregate and plot-sweep draw from it."""

    @classmethod
    def setUpClass(cls):
        runs = dict(zip(SEEDS, default_runs(*SEEDS)))
        cls.path = write_sweep_fixture(scratch() / "sweep", runs)
        cls.sweep = perpsim.load_sweep(cls.path)

    def test_runs_table_is_decoded_in_plan_order(self):
        runs = self.sweep.runs
        self.assertEqual(len(runs), 18)
        self.assertEqual(list(runs.columns)[:9],
                         ["id", "point", "replicate", "seed", "status",
                          "wall_s", "expect", "error", "path"])
        self.assertEqual(list(runs.columns)[9:],
                         [INTERVAL, LEVERAGE, LIQ, PAID])
        for column in ("id", "status", "error", "path", INTERVAL):
            self.assertTrue(all(isinstance(v, str) for v in runs[column]),
                            column)
        self.assertEqual(list(runs["point"]), [p for p in range(6)
                                               for _ in range(3)])
        self.assertEqual(list(runs[INTERVAL][::6]), ["8h", "4h", "1h"])
        self.assertEqual(runs["status"].value_counts().to_dict(),
                         {"ok": 16, "failed": 1, "missing": 1})
        failed = runs[runs["status"] == "failed"].iloc[0]
        self.assertEqual(failed["error"], "run failed: simulated failure")
        self.assertTrue(np.isnan(failed[LIQ]))
        self.assertEqual(runs.loc[0, "path"], f"runs/{runs.loc[0, 'id']}.h5")

    def test_attrs_keys_metrics_and_folder(self):
        s = self.sweep
        self.assertEqual(s.swept_keys, [INTERVAL, LEVERAGE])
        self.assertEqual(s.metrics, [LIQ, PAID])
        self.assertEqual(s.sweep_text, "sweep text of the test fixture\n")
        self.assertEqual(s.folder, self.path.parent)
        self.assertEqual((s.attrs["kind"], s.attrs["runs"], s.attrs["ok"],
                          s.attrs["failed"], s.attrs["missing"]),
                         ("sweep", 18, 16, 1, 1))

    def test_run_opens_a_run_by_id_row_or_number(self):
        runs = self.sweep.runs
        by_id = self.sweep.run(runs.loc[4, "id"])
        self.assertEqual(by_id.attrs["seed"], runs.loc[4, "seed"])
        self.assertEqual(self.sweep.run(7).attrs["seed"], runs.loc[7, "seed"])
        self.assertEqual(self.sweep.run(runs.iloc[2]).attrs["seed"], 3)
        self.assertEqual(by_id.path, self.path.parent / runs.loc[4, "path"])
        with self.assertRaises(perpsim.PerpsimFileError) as caught:
            self.sweep.run(runs.index[runs["status"] == "failed"][0])
        self.assertIn("status failed: run failed: simulated failure",
                      str(caught.exception))
        with self.assertRaises(perpsim.UnknownNameError) as caught:
            self.sweep.run(runs.loc[0, "id"][:-1] + "9")
        self.assertIn(runs.loc[0, "id"], str(caught.exception))

    def test_t_quantiles(self):
        for df, t in ((1, 12.7062), (2, 4.3027), (10, 2.2281), (30, 2.0423),
                      (31, 2.0395), (60, 2.0003), (120, 1.9799),
                      (1000, 1.9623)):
            self.assertAlmostEqual(perpsim.t_quantile_975(df), t, places=4,
                                   msg=f"df {df}")

    def test_aggregate_gives_each_points_mean_and_t_interval(self):
        agg = self.sweep.aggregate(LIQ, [INTERVAL, LEVERAGE])
        table = agg.table
        self.assertEqual((agg.used, agg.left_out, agg.averaged_over),
                         (16, 2, []))
        self.assertEqual(list(zip(table[INTERVAL], table[LEVERAGE])),
                         [("8h", 5.0), ("8h", 20.0), ("4h", 5.0),
                          ("4h", 20.0), ("1h", 5.0), ("1h", 20.0)])
        for row in table.itertuples(index=False):
            point = FIXTURE_POINTS.index((row[0], row[1]))
            sample = [fixture_liq(point, r) for r in range(3)
                      if (point, r) not in FIXTURE_NOT_OK]
            t = {3: 4.3027, 2: 12.7062}[len(sample)]
            half = t * np.std(sample, ddof=1) / np.sqrt(len(sample))
            self.assertEqual(row.n, len(sample))
            self.assertAlmostEqual(row.mean, np.mean(sample), places=6)
            self.assertAlmostEqual(row.low, np.mean(sample) - half, delta=1)
            self.assertAlmostEqual(row.high, np.mean(sample) + half, delta=1)

    def test_aggregate_averages_over_other_keys_unless_filtered(self):
        agg = self.sweep.aggregate(LIQ, [INTERVAL])
        self.assertEqual(agg.averaged_over, [LEVERAGE])
        self.assertEqual(list(agg.table[INTERVAL]), ["8h", "4h", "1h"])
        runs = self.sweep.runs
        ok = runs[runs["status"] == "ok"]
        for row in agg.table.itertuples(index=False):
            expected = ok[ok[INTERVAL] == row[0]][LIQ]
            self.assertEqual(row.n, len(expected))
            self.assertAlmostEqual(row.mean, expected.mean(), places=6)
        pinned = self.sweep.aggregate(LIQ, [INTERVAL], {LEVERAGE: "5"})
        self.assertEqual(pinned.averaged_over, [])
        self.assertEqual(list(pinned.table["n"]), [3, 3, 2])
        self.assertEqual(pinned.left_out, 1)
        with self.assertRaises(perpsim.UnknownNameError) as caught:
            self.sweep.aggregate(LIQ, [INTERVAL], {LEVERAGE: "7"})
        self.assertIn("takes: 5, 20", str(caught.exception))

    def test_metric_by_its_name_without_the_venue(self):
        self.assertEqual(self.sweep.metric("funding.longs_paid"), PAID)
        with self.assertRaises(perpsim.UnknownNameError):
            self.sweep.metric("funding.longs_payed")

    def test_plot_sweep_line_with_the_default_name(self):
        result = tool("plot-sweep", self.path, "--x", INTERVAL,
                      "--metric", LIQ)
        png = self.path.parent / (f"{LIQ}-by-{INTERVAL}.png")
        self.assertWrotePng(result, png, SWEEP_PIXELS)

    def test_plot_sweep_heatmap_and_where(self):
        heat = scratch() / "heat.png"
        result = tool("plot-sweep", self.path, "--x", INTERVAL, "--y",
                      LEVERAGE, "--metric", LIQ, "-o", heat)
        self.assertWrotePng(result, heat, SWEEP_PIXELS)
        line = scratch() / "where.png"
        result = tool("plot-sweep", self.path, "--x", LEVERAGE, "--metric",
                      "funding.longs_paid", "--where", f"{INTERVAL}=4h",
                      "-o", line)
        self.assertWrotePng(result, line, SWEEP_PIXELS)

    def test_plot_sweep_help_states_the_pixel_size(self):
        self.assertHelpStatesPixels("plot-sweep", SWEEP_PIXELS)

    def test_plot_sweep_unknown_names_suggest_the_nearest(self):
        out = scratch() / "never.png"
        result = tool("plot-sweep", self.path, "--x", INTERVAL, "--metric",
                      "binance.liquidation.total_notional", "-o", out)
        self.assertOneLineError(result, "plot-sweep", str(self.path),
                                "unknown metric "
                                "'binance.liquidation.total_notional'",
                                f"nearest: {LIQ}")
        result = tool("plot-sweep", self.path, "--x",
                      "venues.binance.funding.intervall", "--metric", LIQ,
                      "-o", out)
        self.assertOneLineError(result, "plot-sweep", "unknown swept key",
                                f"nearest: {INTERVAL}")
        result = tool("plot-sweep", self.path, "--x", INTERVAL, "--metric",
                      LIQ, "--where", f"{LEVERAGE}=7", "-o", out)
        self.assertOneLineError(result, "plot-sweep", f"{LEVERAGE}=7 matches "
                                "no run", "takes: 5, 20")
        self.assertFalse(out.exists())


class RealSweepTest(ToolTestCase):
    """load_sweep and plot-sweep on what `perpsim sweep` writes."""

    @classmethod
    def setUpClass(cls):
        folder = scratch() / "real-sweep"
        folder.mkdir()
        shutil.copy(ROOT / "tests" / "data" / "sweeps" / "tiny.yaml", folder)
        sweep_file = folder / "s.yaml"
        sweep_file.write_text("scenario: tiny.yaml\n"
                              "grid:\n"
                              f"  {INTERVAL}: [8h, 1h]\n"
                              "replicates: 2\n")
        done = subprocess.run([PERPSIM, "sweep", "-q", "-j", "2",
                               str(sweep_file), "-o", str(folder / "out")],
                              capture_output=True, text=True, timeout=240)
        if done.returncode != 0:
            raise RuntimeError(f"perpsim sweep failed: {done.stderr}")
        cls.path = folder / "out" / "sweep.h5"
        cls.sweep = perpsim.load_sweep(cls.path)

    def test_the_table_is_the_files_table_decoded(self):
        raw = h5py.File(self.path, "r")["runs"][:]
        runs = self.sweep.runs
        self.assertEqual(len(runs), 4)
        self.assertEqual(list(runs.columns), list(raw.dtype.names))
        self.assertEqual(list(runs["id"]),
                         [v.decode() for v in raw["id"]])
        self.assertEqual(list(runs[INTERVAL]), ["8h", "8h", "1h", "1h"])
        self.assertEqual(list(runs["status"]), ["ok"] * 4)
        self.assertEqual(self.sweep.swept_keys, [INTERVAL])
        self.assertIn(LIQ, self.sweep.metrics)
        np.testing.assert_array_equal(runs[LIQ].to_numpy(), raw[LIQ])

    def test_each_rows_metrics_are_its_runs_summary(self):
        for i in range(len(self.sweep.runs)):
            row = self.sweep.runs.iloc[i]
            run = self.sweep.run(row["id"])
            self.assertEqual(run.attrs["seed"], row["seed"])
            for metric in self.sweep.metrics:
                value = run.summary[metric]
                if np.isnan(value):
                    self.assertTrue(np.isnan(row[metric]), metric)
                else:
                    self.assertEqual(row[metric], value, metric)

    def test_plot_sweep_draws_it(self):
        png = scratch() / "real-sweep.png"
        result = tool("plot-sweep", self.path, "--x", INTERVAL, "--metric",
                      "funding.longs_paid", "-o", png)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertPng(png, SWEEP_PIXELS)


# --- load_compare and plot-compare -------------------------------------------

COMPARE_PIXELS = (1600, 1000)  # what plot-compare --help promises
# compare.csv's metrics, in its order, with a label and a unit (the fixture's
# own words: plot-compare draws whatever label and unit the table gives)
COMPARE_METRICS = (
    ("premium_index.mean", "premium index, mean", "fraction"),
    ("premium.mean_abs", "premium, mean |x|", "fraction"),
    ("premium.max_abs", "premium, max |x|", "fraction"),
    ("funding.longs_paid_per_day", "paid by longs a day", "quote"),
    ("funding.shorts_paid_per_day", "paid by shorts a day", "quote"),
    ("funding.settlements_per_day", "settlements a day", "count"),
    ("liquidations.total_notional", "liquidations, total", "quote"),
    ("liquidations.long_notional", "liquidations, longs", "quote"),
    ("liquidations.short_notional", "liquidations, shorts", "quote"),
    ("liquidations.peak_minute_notional", "liquidations, peak minute",
     "quote"),
    ("liquidations.worst_40m_share", "worst 40 minutes' share", "share"),
    ("depth.min_1pct", "depth within 1%, least", "quote"),
    ("insurance_fund.max_drawdown", "insurance fund drawdown", "quote"),
    ("adl.notional", "ADL notional", "quote"),
)
COMPARE_HEADER = ("venue,metric,label,unit,arm,n,mean,sd,ci_low,ci_high,"
                  "diff_n,diff_mean,diff_ci_low,diff_ci_high,diff_sign")


def perpsim_sweep(folder, scenario_name, scenario_text, sweep_text):
    """Runs `perpsim sweep` of sweep_text over a scenario written into
    folder; the sweep's output folder (sweep.h5, runs/)."""
    folder.mkdir(parents=True)
    (folder / scenario_name).write_text(scenario_text)
    sweep_file = folder / "s.yaml"
    sweep_file.write_text(f"scenario: {scenario_name}\n" + sweep_text)
    out = folder / "out"
    done = subprocess.run([PERPSIM, "sweep", "-q", "-j", "2", str(sweep_file),
                           "-o", str(out)], capture_output=True, text=True,
                          timeout=240)
    if done.returncode != 0:
        raise RuntimeError(f"perpsim sweep failed: {done.stderr}")
    return out


def t_interval(values):
    """n, mean, sample sd and the 95% t-interval of values (NaN where
    undefined), with numpy."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return 0, np.nan, np.nan, np.nan, np.nan
    mean = float(np.mean(values))
    if n < 2:
        return n, mean, np.nan, np.nan, np.nan
    sd = float(np.std(values, ddof=1))
    half = perpsim.t_quantile_975(n - 1) * sd / np.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def csv_number(x):
    return "" if np.isnan(x) else f"{x:.17g}"


def write_compare_fixture(out, mode, arms, venue, fail=None):
    """Makes out/ (a `perpsim sweep` folder) into what `perpsim compare`
    leaves: out/compare.h5, a copy of sweep.h5 with the attributes
    compare_mode, compare_arms and compare_venue, and out/compare.csv, the
    paired statistics of COMPARE_METRICS computed here with numpy from the
    index's metric columns. fail=(point, replicate) marks that run failed
    first (its metrics NaN, its link gone), as a run that stopped would be.
    Returns compare.h5's path."""
    path = out / "compare.h5"
    shutil.copyfile(out / "sweep.h5", path)
    strings = h5py.string_dtype("utf-8")
    with h5py.File(path, "r+") as f:
        f.attrs["compare_mode"] = mode
        f.attrs.create("compare_arms", np.array(arms, dtype=object),
                       dtype=strings)
        f.attrs["compare_venue"] = venue
        runs = f["runs"]
        if fail is not None:
            table = runs[()]
            i = int(np.flatnonzero((table["point"] == fail[0])
                                   & (table["replicate"] == fail[1]))[0])
            row = table[i]
            row["status"] = b"failed"
            row["error"] = b"run failed: simulated failure"
            for metric in perpsim._text_list(f.attrs["metrics"]):
                row[metric] = np.nan
            runs[i] = row
            f.attrs["ok"] = f.attrs["ok"] - 1
            f.attrs["failed"] = f.attrs["failed"] + 1
            del f["run_files"][row["id"].decode()]
        table = runs[()]
        metrics = perpsim._text_list(f.attrs["metrics"])
    ok = table["status"] == b"ok"
    if mode == "venues":
        venues = list(arms)
        cells = {(v, a): (v, np.ones(len(table), dtype=bool))
                 for v in venues for a in arms if a == v}
    else:
        venues = list(dict.fromkeys(m.split(".", 1)[0] for m in metrics))
        cells = {(v, a): (v, table["point"] == i)
                 for v in venues for i, a in enumerate(arms)}
    lines = [COMPARE_HEADER]
    for block in (venues if mode == "variants" else [None]):
        for metric, label, unit in COMPARE_METRICS:
            by_seed = []
            for arm in arms:
                venue_of, mask = cells[(block or arm, arm)]
                column = f"{venue_of}.{metric}"
                values = (table[column] if column in table.dtype.names
                          else np.full(len(table), np.nan))
                keep = mask & ok & np.isfinite(values)
                by_seed.append(dict(zip(table["replicate"][keep],
                                        values[keep])))
            for a, arm in enumerate(arms):
                venue_of = block or arm
                n, mean, sd, low, high = t_interval(list(by_seed[a].values()))
                fields = [venue_of, metric, label, unit, arm, str(n),
                          *map(csv_number, (mean, sd, low, high))]
                if a == 0:
                    fields += [""] * 5
                else:
                    paired = sorted(set(by_seed[a]) & set(by_seed[0]))
                    d = [by_seed[a][r] - by_seed[0][r] for r in paired]
                    dn, dmean, _, dlow, dhigh = t_interval(d)
                    sign = "+" if dlow > 0 else "-" if dhigh < 0 else ""
                    fields += [str(dn), *map(csv_number, (dmean, dlow, dhigh)),
                               sign]
                lines.append(",".join(f'"{x}"' if "," in x else x
                                      for x in fields))
    (out / "compare.csv").write_text("\n".join(lines) + "\n")
    return path


def load_script(name):
    """tools/NAME (a script without .py) as a module, main() not run."""
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"),
                                                  str(TOOLS / name))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class CompareTest(ToolTestCase):
    """load_compare and plot-compare on comparisons made of real sweeps: the
    funding interval of tiny.yaml at 8h and 1h (variants, one run failed),
    and the two venues of a two-venue tiny scenario (venues)."""

    @classmethod
    def setUpClass(cls):
        tiny = (ROOT / "tests" / "data" / "sweeps" / "tiny.yaml").read_text()
        variants = perpsim_sweep(scratch() / "compare-variants", "tiny.yaml",
                                 tiny, f"grid:\n  {INTERVAL}: [8h, 1h]\n"
                                       "replicates: 3\n")
        cls.variants = write_compare_fixture(variants, "variants",
                                             ["8h", "1h"], "binance",
                                             fail=(1, 2))
        two = (TOOLS_DATA / "tiny-two-venues.yaml").read_text()
        venues = perpsim_sweep(scratch() / "compare-venues", "two.yaml",
                               two, "replicates: 3\n")
        cls.venues = write_compare_fixture(venues, "venues",
                                           ["binance", "hyperliquid"], "")

    def test_load_compare_reads_the_attributes_and_the_table(self):
        c = perpsim.load_compare(self.variants)
        self.assertEqual((c.mode, c.arms, c.venue), ("variants", ["8h", "1h"],
                                                     "binance"))
        self.assertEqual(c.table_path, self.variants.parent / "compare.csv")
        self.assertEqual(list(c.table.columns), COMPARE_HEADER.split(","))
        self.assertEqual(len(c.table), len(COMPARE_METRICS) * 2)
        self.assertEqual(list(c.table["metric"][::2]),
                         [m for m, _, _ in COMPARE_METRICS])
        self.assertEqual(list(c.table["arm"][:4]), ["8h", "1h", "8h", "1h"])
        self.assertEqual(list(c.table["diff_sign"][::2]),
                         [""] * len(COMPARE_METRICS))
        self.assertTrue(c.table["diff_n"][::2].isna().all())
        # written with 17 digits, read back exactly
        runs = c.sweep.runs
        first = runs[(runs["point"] == 0) & (runs["status"] == "ok")]
        liq = c.table[(c.table["metric"] == "liquidations.total_notional")]
        self.assertEqual(liq["mean"].iloc[0], np.mean(first[LIQ]))
        self.assertEqual(list(liq["n"]), [3, 2])  # 1h's third run failed
        self.assertEqual(liq["diff_n"].iloc[1], 2)
        self.assertEqual(list(c.runs_of("1h")["point"]), [1, 1, 1])
        self.assertEqual(c.shown_venue(), "binance")
        self.assertEqual(len(c.differences()), len(c.table))
        with self.assertRaises(perpsim.UnknownNameError) as caught:
            c.shown_venue("binanse")
        self.assertIn("nearest: binance", str(caught.exception))
        v = perpsim.load_compare(self.venues)
        self.assertEqual((v.mode, v.arms, v.venue),
                         ("venues", ["binance", "hyperliquid"], ""))
        self.assertEqual(list(v.table["venue"][:2]), ["binance", "hyperliquid"])
        self.assertEqual(len(v.runs_of("hyperliquid")), 3)
        self.assertIsNone(v.shown_venue())

    def test_plot_compare_variants_writes_compare_png_by_default(self):
        result = tool("plot-compare", self.variants)
        png = self.variants.parent / "compare.png"
        self.assertWrotePng(result, png, COMPARE_PIXELS)

    def test_plot_compare_venues(self):
        png = scratch() / "compare-venues.png"
        result = tool("plot-compare", self.venues, "-o", png)
        self.assertWrotePng(result, png, COMPARE_PIXELS)

    def test_help_states_the_pixel_size(self):
        self.assertHelpStatesPixels("plot-compare", COMPARE_PIXELS)

    def test_title_names_what_varies_and_the_runs_left_out(self):
        script = load_script("plot-compare")
        c = perpsim.load_compare(self.variants)
        arms = script.gather(c, "binance")
        self.assertEqual([a.runs for a in arms], [3, 2])
        self.assertEqual(script.title(c, "binance", arms),
                         f"tiny: {INTERVAL} = 8h | 1h\nvenue binance; 3 "
                         "replicates (seeds 42-44), the same in every arm; "
                         "1 run left out (1 failed)")
        v = perpsim.load_compare(self.venues)
        arms = script.gather(v, None)
        self.assertEqual([a.venue for a in arms], ["binance", "hyperliquid"])
        self.assertEqual(script.title(v, None, arms),
                         "tiny-two-venues: venues binance, hyperliquid\n"
                         "3 replicates (seeds 42-44), every venue in each run")

    def test_files_that_are_not_a_comparison(self):
        out = scratch() / "never.png"
        run = self.variants.parent / "runs" / sorted(
            p.name for p in (self.variants.parent / "runs").iterdir())[0]
        result = tool("plot-compare", run, "-o", out)
        self.assertOneLineError(result, "plot-compare", str(run),
                                "a run result, not a comparison's index")
        plain = self.variants.parent / "sweep.h5"
        result = tool("plot-compare", plain, "-o", out)
        self.assertOneLineError(result, "plot-compare", str(plain),
                                "without the compare_mode attribute")
        garbage = scratch() / "garbage-compare.h5"
        garbage.write_text("compare_mode: variants\n")
        result = tool("plot-compare", garbage, "-o", out)
        self.assertOneLineError(result, "plot-compare", str(garbage),
                                "not an HDF5 file")
        self.assertFalse(out.exists())

    def test_a_missing_or_malformed_table(self):
        alone = scratch() / "compare-alone"
        alone.mkdir()
        shutil.copyfile(self.variants, alone / "compare.h5")
        out = scratch() / "never.png"
        result = tool("plot-compare", alone / "compare.h5", "-o", out)
        self.assertOneLineError(result, "plot-compare",
                                str(alone / "compare.csv"), "no such file")
        self.assertFalse(out.exists())
        table = alone / "compare.csv"
        good = (self.variants.parent / "compare.csv").read_text()
        for text, part in (
                (good.replace("diff_sign", "sign", 1), "no column diff_sign"),
                (good.replace(",1h,", ",2h,", 1),
                 "arm '2h' is not one of the index's compare_arms (8h, 1h)"),
                ("", "not a comparison table")):
            table.write_text(text)
            with self.assertRaises(perpsim.PerpsimFileError) as caught:
                perpsim.load_compare(alone / "compare.h5")
            message = str(caught.exception)
            self.assertTrue(message.startswith(f"{table}: "), message)
            self.assertNotIn("\n", message)
            self.assertIn(part, message)

    def test_venue_names_are_checked(self):
        out = scratch() / "never.png"
        result = tool("plot-compare", self.variants, "--venue", "binanse",
                      "-o", out)
        self.assertOneLineError(result, "plot-compare", str(self.variants),
                                "unknown venue 'binanse'", "nearest: binance")
        result = tool("plot-compare", self.venues, "--venue", "binance",
                      "-o", out)
        self.assertOneLineError(result, "plot-compare", str(self.venues),
                                "a comparison of venues")
        self.assertFalse(out.exists())


class RealCompareTest(ToolTestCase):
    """What `perpsim compare` itself writes reads back through
    load_compare, and its figure is plot-compare's."""

    @classmethod
    def setUpClass(cls):
        cls.folder = perpsim_batch(
            scratch() / "real-compare", "compare",
            ROOT / "tests" / "data" / "sweeps" / "tiny.yaml",
            "--set", "duration=2h", "--set", "output.every=1m",
            "--vary", f"{INTERVAL}=2h,1h", "--replicates", "3")

    def test_the_index_and_table_read_back(self):
        c = perpsim.load_compare(self.folder / "compare.h5")
        self.assertEqual((c.mode, c.arms, c.venue), ("variants",
                                                     ["2h", "1h"], "binance"))
        self.assertEqual(len(c.sweep.runs), 6)
        per_day = c.table[c.table["metric"] == "funding.settlements_per_day"]
        self.assertEqual(list(per_day["mean"]), [12.0, 24.0])
        # the table's mean is the mean of the runs' own values
        runs = c.sweep.runs
        liq = "binance.liquidations.total_notional"
        row = c.table[(c.table["metric"] == "liquidations.total_notional")
                      & (c.table["arm"] == "1h")].iloc[0]
        self.assertAlmostEqual(row["mean"],
                               runs[runs["point"] == 1][liq].mean(),
                               delta=1e-9 * abs(row["mean"]) + 1e-9)

    def test_the_figure_is_drawn(self):
        self.assertPng(self.folder / "compare.png", COMPARE_PIXELS)


# --- stress reports ---------------------------------------------------------

STRESS_PIXELS = (1600, 500)  # one venue: what plot-stress --help promises


class RealStressTest(ToolTestCase):
    """What `perpsim stress` writes reads back through load_stress, its
    table agrees with the paths it holds, and plot-stress draws it."""

    @classmethod
    def setUpClass(cls):
        cls.folder = perpsim_batch(
            scratch() / "real-stress", "stress",
            ROOT / "scenarios" / "quickstart.yaml", "--set", "duration=20m",
            "--paths", "4", "--vary", "venues.binance.insurance_fund=1M,5M")

    def test_the_report_reads_back_and_agrees_with_its_paths(self):
        r = perpsim.load_stress(self.folder / "stress.h5")
        self.assertEqual((r.arms, r.venues, r.paths, r.seed),
                         (["1000000", "5000000"], ["binance"], 4, 42))
        self.assertEqual(list(r.seeds), [42, 43, 44, 45])
        liq = r.values["binance"]["liquidations"]
        self.assertEqual(liq.shape, (2, 4))
        for a, arm in enumerate(r.arms):
            row = r.statistic("binance", arm, "liquidations.mean")
            self.assertAlmostEqual(row["value"], liq[a].mean(),
                                   delta=1e-9 * abs(liq[a].mean()) + 1e-9)
            self.assertLessEqual(row["ci_low"], row["value"])
            self.assertGreaterEqual(row["ci_high"], row["value"])
            # four paths cannot resolve a 99.9th percentile
            self.assertEqual(r.statistic("binance", arm,
                                         "fund_need.p999")["tail_short"], 1)
        # the CSV holds the same table
        csv = pd.read_csv(self.folder / "stress.csv")
        self.assertEqual(len(csv), len(r.table))
        np.testing.assert_array_equal(csv["value"].to_numpy(),
                                      r.table["value"].to_numpy())

    def test_the_figure_is_drawn(self):
        self.assertPng(self.folder / "stress.png", STRESS_PIXELS)
        png = scratch() / "stress-again.png"
        self.assertWrotePng(tool("plot-stress", self.folder / "stress.h5",
                                 "-o", png), png, STRESS_PIXELS)
        self.assertHelpStatesPixels("plot-stress", STRESS_PIXELS)

    def test_a_sweep_index_is_not_a_report(self):
        result = tool("plot-stress", self.folder / "sweep.h5")
        self.assertOneLineError(result, "plot-stress", "a sweep index",
                                "not a stress report")


# --- cascade-metrics --------------------------------------------------------

SQUEEZE = ROOT / "scenarios" / "short-squeeze-1.37b.yaml"
# tests/data/klines/cascade-trough.csv: hourly candles from 19:00 to 02:00
# UTC around the squeeze's start (2025-07-10T20:00Z); within a 6h run its
# trough is the 22:00 candle's low, 104500, a falling candle whose low the
# replay puts two thirds of the way through (2 x 3599999 // 3 ms); over the
# whole file, the 19:00 candle's 99000, a rising one (a third of the way).
TROUGH_KLINES = ROOT / "tests" / "data" / "klines" / "cascade-trough.csv"
KLINES_IN_RUN = {"index_start": 110000.0, "index_trough": 104500.0,
                 "index_trough_utc": "2025-07-10T22:39:59.999Z",
                 "index_end": 107800.0, "index_fall_pct": 5.0,
                 "index_rebound_pct": 100 * 3300 / 104500}
KLINES_WHOLE = {"index_start": 109000.0, "index_trough": 99000.0,
                "index_trough_utc": "2025-07-10T19:19:59.999Z",
                "index_end": 101000.0, "index_fall_pct": 100 * 10000 / 109000,
                "index_rebound_pct": 100 * 2000 / 99000}


def h5_minutes(f, venue):
    """A venue's liquidated notional per minute from the start, from the
    file's records: the summary's bins (duration // 1 min + 1 of them)."""
    liq = f[f"venues/{venue}/events/liquidations"][()]
    minute = np.round(liq["time_s"] * 1000).astype(np.int64) // 60000
    count = int(f.attrs["duration_ms"]) // 60000 + 1
    return np.bincount(minute, weights=liq["notional"], minlength=count)


def h5_worst_window(minutes, window=40):
    """The largest sum over `window` consecutive minutes, by brute force."""
    return max(sum(minutes[max(0, end - window):end])
               for end in range(1, len(minutes) + 1))


def h5_drawdown(values):
    peak, worst = -math.inf, 0.0
    for v in values:
        peak = max(peak, v)
        worst = max(worst, peak - v)
    return worst


class CascadeMetricsTest(ToolTestCase):
    """tools/cascade-metrics against figures computed here from the HDF5
    files: the squeeze scenario cut to 6h (both sides liquidated, one
    venue) and the tiny two-venue scenario (ADL on hyperliquid)."""

    @classmethod
    def setUpClass(cls):
        squeeze = scratch() / "cascade-squeeze"
        started = perpsim_run(squeeze, str(SQUEEZE), "--set", "duration=6h")
        two = scratch() / "cascade-two-venues"
        finish(perpsim_run(two, str(TOOLS_DATA / "tiny-two-venues.yaml")),
               two / "tiny-two-venues-seed42.h5")
        _, err = started.communicate(timeout=240)
        found = sorted(squeeze.glob("*.h5"))
        if started.returncode != 0 or len(found) != 1:
            raise RuntimeError(f"perpsim run failed ({started.returncode}): "
                               f"{err}")
        cls.paths = {"squeeze": found[0],
                     "two": two / "tiny-two-venues-seed42.h5"}
        cls.reports = {}
        for name, path in cls.paths.items():
            result = tool("cascade-metrics", path, "--json")
            if result.returncode != 0:
                raise RuntimeError(f"cascade-metrics failed: {result.stderr}")
            cls.reports[name] = json.loads(result.stdout)

    def files(self):
        """(report, open h5py file) of each run."""
        for name, path in self.paths.items():
            with h5py.File(path, "r") as f:
                yield self.reports[name], f

    def assertClose(self, got, want, msg=None):
        self.assertIsNotNone(got, msg)
        self.assertAlmostEqual(got, want, delta=1e-9 * abs(want) + 1e-9,
                               msg=msg)

    def test_totals_and_shares_are_the_records_and_the_summary(self):
        for report, f in self.files():
            summary = f["summary"].attrs
            for venue in f["venues"]:
                got = report["venues"][venue]
                liq = f[f"venues/{venue}/events/liquidations"][()]
                total = liq["notional"].sum()
                self.assertGreater(total, 0, venue)
                self.assertEqual(
                    got["liquidated_notional"],
                    summary[f"{venue}.liquidations.total_notional"])
                self.assertClose(got["liquidated_notional"], total, venue)
                self.assertEqual(got["liquidation_count"], len(liq))
                longs = liq["notional"][liq["side"] > 0].sum()
                shorts = liq["notional"][liq["side"] < 0].sum()
                self.assertClose(got["long_share"], longs / total)
                self.assertClose(got["short_share"], shorts / total)
                self.assertAlmostEqual(got["long_share"] + got["short_share"],
                                       1.0, delta=1e-12)
        squeeze = self.reports["squeeze"]["venues"]["binance"]
        # both sides liquidated, shorts the most
        self.assertGreater(squeeze["short_share"], 0.5)
        self.assertGreater(squeeze["long_share"], 0.01)

    def test_worst_40_minutes_and_the_peak_minute_are_the_minutes_sums(self):
        for report, f in self.files():
            start = pd.Timestamp(int(f.attrs["start_utc_ms"]), unit="ms",
                                 tz="UTC")
            summary = f["summary"].attrs
            venues = list(f["venues"])
            scopes = [(v, report["venues"][v], h5_minutes(f, v))
                      for v in venues]
            scopes.append(("all", report["all"],
                           sum(h5_minutes(f, v) for v in venues)))
            for scope, got, minutes in scopes:
                total = minutes.sum()
                worst = h5_worst_window(minutes) / total
                self.assertGreaterEqual(got["worst_40m_share"], 0.0)
                self.assertLessEqual(got["worst_40m_share"], 1.0)
                self.assertClose(got["worst_40m_share"], min(1.0, worst), scope)
                peak = int(np.argmax(minutes))
                self.assertEqual(got["peak_minute"], peak, scope)
                self.assertClose(got["peak_minute_notional"], minutes.max(),
                                 scope)
                when = pd.Timestamp(got["peak_minute_utc"])
                self.assertEqual(when, start + pd.Timedelta(minutes=peak))
                if scope != "all":   # the summary defines them the same way
                    self.assertEqual(
                        got["worst_40m_share"],
                        summary[f"{scope}.liquidations.worst_40m_share"])
                    self.assertEqual(
                        got["peak_minute"] * 60,
                        summary[f"{scope}.liquidations.peak_minute"])
        # the squeeze's peak is the second 3% jump, 320 minutes in
        self.assertEqual(self.reports["squeeze"]["all"]["peak_minute"], 320)
        self.assertLess(self.reports["squeeze"]["all"]["worst_40m_share"], 1)

    def test_across_venues_sums_the_venues(self):
        report = self.reports["two"]
        venues = report["venues"]
        self.assertEqual(list(venues), ["binance", "hyperliquid"])
        for name in ("liquidated_notional", "adl_notional",
                     "liquidation_count"):
            self.assertClose(report["all"][name],
                             sum(v[name] for v in venues.values()), name)

    def test_adl_notional_and_share_are_the_adl_records(self):
        for report, f in self.files():
            scopes = {v: [v] for v in f["venues"]}
            scopes["all"] = list(f["venues"])
            for scope, members in scopes.items():
                got = report["all"] if scope == "all" \
                    else report["venues"][scope]
                adl = routed = total = 0.0
                for v in members:
                    adl += f[f"venues/{v}/events/adl"][()]["notional"].sum()
                    ds = f[f"venues/{v}/events/liquidations"]
                    code = h5py.check_enum_dtype(ds.dtype["route"])["adl"]
                    liq = ds[()]
                    total += liq["notional"].sum()
                    routed += liq["notional"][liq["route"] == code].sum()
                self.assertClose(got["adl_notional"], adl, scope)
                self.assertClose(got["adl_routed_notional"], routed, scope)
                self.assertClose(got["adl_share"],
                                 adl / (total - routed + adl), scope)
        hyper = self.reports["two"]["venues"]["hyperliquid"]
        self.assertGreater(hyper["adl_notional"], 0)
        self.assertGreater(hyper["adl_share"], 0)
        self.assertLess(hyper["adl_share"], 1)

    def test_insurance_fund_drawdown_is_the_largest_fall_from_a_high(self):
        for report, f in self.files():
            funds = {v: f[f"venues/{v}/series/insurance_fund"][()]
                     for v in f["venues"]}
            for venue, fund in funds.items():
                self.assertClose(report["venues"][venue]
                                 ["insurance_fund_drawdown"],
                                 h5_drawdown(fund), venue)
            self.assertClose(report["all"]["insurance_fund_drawdown"],
                             h5_drawdown(sum(funds.values())))
        self.assertGreater(self.reports["squeeze"]["all"]
                           ["insurance_fund_drawdown"], 0)

    def test_index_features_are_the_index_series(self):
        for report, f in self.files():
            venues = list(f["venues"])
            for scope in venues + ["all"]:
                venue = venues[0] if scope == "all" else scope
                got = report["all"] if scope == "all" \
                    else report["venues"][scope]
                index = f[f"venues/{venue}/series/index"][()]
                t = f[f"venues/{venue}/series/t"][()]
                at = int(np.argmin(index))
                start, trough, end = index[0], index[at], index[-1]
                self.assertEqual(got["index_start"], start)
                self.assertEqual(got["index_trough"], trough)
                self.assertEqual(got["index_end"], end)
                self.assertEqual(got["index_trough_minute"], t[at] / 60)
                self.assertClose(got["index_fall_pct"],
                                 100 * (start - trough) / start, scope)
                self.assertClose(got["index_rebound_pct"],
                                 100 * (end - trough) / trough, scope)
                times = np.concatenate(
                    [f[f"venues/{v}/events/liquidations"][()]["time_s"]
                     for v in (venues if scope == "all" else [scope])])
                notional = np.concatenate(
                    [f[f"venues/{v}/events/liquidations"][()]["notional"]
                     for v in (venues if scope == "all" else [scope])])
                near = np.abs(times - t[at]) <= 1800
                self.assertClose(got["near_trough_share"],
                                 notional[near].sum() / notional.sum(), scope)
        squeeze = self.reports["squeeze"]["all"]
        self.assertGreater(squeeze["near_trough_share"], 0)
        self.assertLess(squeeze["near_trough_share"], 1)

    def test_the_table_and_the_csv_hold_the_json_figures(self):
        path = self.paths["two"]
        out = scratch() / "cascade-two.csv"
        result = tool("cascade-metrics", path, "--csv", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        header = next(line for line in result.stdout.splitlines()
                      if line.startswith("metric"))
        self.assertEqual(header.split(), ["metric", "binance", "hyperliquid",
                                          "all", "venues"])
        self.assertIn("ADL share", result.stdout)
        table = pd.read_csv(out, float_precision="round_trip")
        self.assertEqual(list(table["scope"]), ["binance", "hyperliquid",
                                                "all"])
        report = self.reports["two"]
        for _, row in table.iterrows():
            want = report["all"] if row["scope"] == "all" \
                else report["venues"][row["scope"]]
            for name in ("liquidated_notional", "worst_40m_share",
                         "adl_share", "index_trough"):
                self.assertEqual(row[name], want[name], name)

    def test_klines_features_of_a_known_file(self):
        path = self.paths["squeeze"]
        for args, want, candles in (((), KLINES_IN_RUN, 6),
                                    (("--klines-all",), KLINES_WHOLE, 8)):
            result = tool("cascade-metrics", path, "--json", "--klines",
                          TROUGH_KLINES, *args)
            self.assertEqual(result.returncode, 0, result.stderr)
            got = json.loads(result.stdout)["klines"]
            self.assertEqual(got["candles"], candles)
            for name, value in want.items():
                if isinstance(value, str):
                    self.assertEqual(got[name], value, name)
                else:
                    self.assertAlmostEqual(got[name], value, delta=1e-9,
                                           msg=name)
        result = tool("cascade-metrics", path, "--klines", TROUGH_KLINES)
        self.assertEqual(result.returncode, 0, result.stderr)
        trough = next(line for line in result.stdout.splitlines()
                      if line.startswith("index trough "))
        self.assertTrue(trough.rstrip().endswith("104,500.00"), trough)

    def test_bad_input_is_one_line_and_exit_2(self):
        folder = scratch() / "cascade-bad"
        folder.mkdir(exist_ok=True)
        text = folder / "notes.h5"
        text.write_text("not HDF5\n")
        plain = folder / "plain.h5"
        with h5py.File(plain, "w") as f:
            f["x"] = np.arange(3)
        missing = folder / "missing.h5"
        for path, part in ((missing, "no such file"),
                           (text, "not a perpsim result"),
                           (plain, "not a perpsim result")):
            self.assertOneLineError(tool("cascade-metrics", path),
                                    "cascade-metrics", path, part)
        run = self.paths["squeeze"]
        klines = ROOT / "tests" / "data" / "klines"
        for path, part in ((klines / "bad_candle.csv", "line 2"),
                           (klines / "header_only.csv", "no candles"),
                           (folder / "none.csv", "no such file"),
                           (klines / "header.csv",
                            "no candle within the run's time")):
            self.assertOneLineError(
                tool("cascade-metrics", run, "--klines", path),
                "cascade-metrics", path, part)

    def test_a_venue_without_liquidations_has_no_shares(self):
        path = two_venue_run()   # hyperliquid: no leveraged traders
        result = tool("cascade-metrics", path, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        quiet = report["venues"]["hyperliquid"]
        busy = report["venues"]["binance"]
        self.assertEqual((quiet["liquidated_notional"],
                          quiet["liquidation_count"]), (0, 0))
        for name in ("long_share", "short_share", "worst_40m_share",
                     "peak_minute", "peak_minute_utc", "peak_minute_notional",
                     "adl_share", "near_trough_share"):
            self.assertIsNone(quiet[name], name)
        self.assertGreater(busy["liquidated_notional"], 0)
        self.assertEqual(report["all"]["peak_minute"], busy["peak_minute"])
        for name in ("liquidated_notional", "long_share", "worst_40m_share"):
            self.assertClose(report["all"][name], busy[name], name)
        table = tool("cascade-metrics", path).stdout.splitlines()
        long_row = next(line for line in table
                        if line.startswith("long share"))
        self.assertEqual(long_row.split()[2:], ["-", "100.00%", "100.00%"])

    def test_a_result_without_its_adl_table_is_one_line_and_exit_2(self):
        damaged = scratch() / "cascade-no-adl.h5"
        shutil.copy(self.paths["two"], damaged)
        with h5py.File(damaged, "a") as f:
            del f["venues/hyperliquid/events/adl"]
        self.assertOneLineError(tool("cascade-metrics", damaged),
                                "cascade-metrics", damaged,
                                "/venues/hyperliquid/events/adl")

    def test_load_klines_reads_a_file_with_a_header_or_without(self):
        klines = ROOT / "tests" / "data" / "klines"
        header = perpsim.load_klines(klines / "header.csv")
        plain = perpsim.load_klines(klines / "no_header_crlf.csv")
        self.assertEqual(len(header), 5)   # the same candles, CRLF
        pd.testing.assert_frame_equal(header, plain)
        self.assertEqual(list(header.columns),
                         ["time", "open_time_ms", "close_time_ms", "open",
                          "high", "low", "close"])
        self.assertEqual(header["time"].iloc[0],
                         pd.Timestamp("2025-07-10T00:00:00Z"))
        self.assertEqual(header["low"].iloc[2], 111050.3)

    def test_help_says_where_each_figure_comes_from(self):
        result = tool("cascade-metrics", "--help")
        self.assertEqual(result.returncode, 0)
        for part in ("[summary]", "[records]", "[series]", "--klines-all",
                     "liquidations.worst_40m_share"):
            self.assertIn(part, result.stdout)



class CrashKlinesTest(unittest.TestCase):
    """tools/make-crash-klines regenerates scenarios/data/crash-2025-10-10-
    synthetic.csv byte for byte, and the file has the anchors the
    scenario's header and scenarios/README.md state."""

    SHIPPED = ROOT / "scenarios" / "data" / "crash-2025-10-10-synthetic.csv"

    def test_regenerates_the_shipped_file_byte_for_byte(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp) / "k.csv"
            subprocess.run(["/usr/bin/python3",
                            str(TOOLS / "make-crash-klines"), str(out)],
                           check=True)
            self.assertEqual(out.read_bytes(), self.SHIPPED.read_bytes())

    def test_the_anchors(self):
        import perpsim
        k = perpsim.load_klines(self.SHIPPED)
        self.assertEqual(len(k), 240)
        self.assertEqual(k["time"].iloc[0].isoformat(),
                         "2025-10-10T19:00:00+00:00")
        self.assertEqual(k["open"].iloc[0], 121600.0)
        low = int(k["low"].to_numpy().argmin())
        self.assertEqual(k["low"].iloc[low], 102000.0)
        self.assertEqual(k["time"].iloc[low].strftime("%H:%M"), "21:20")
        self.assertEqual((k["low"] == 102000.0).sum(), 1)
        at = {t.strftime("%H:%M"): c for t, c in zip(k["time"], k["close"])}
        self.assertEqual(at["21:59"], 113000.0)   # closes at 22:00
        self.assertEqual(k["close"].iloc[-1], 113000.0)


if __name__ == "__main__":
    unittest.main()
