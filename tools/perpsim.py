"""perpsim.py: reads perpsim's HDF5 files into pandas.

This module owns the Python side of the file formats: a run's result
(sim/io/output.h, format_version 1) through load_run, and a sweep's index
(sweep.h5, kind "sweep") through load_sweep, a comparison (perpsim
compare's compare.h5, a sweep index with compare_* attributes, and the
compare.csv beside it) through load_compare, a stress report (perpsim
stress's stress.h5, kind "stress") through load_stress, a Binance klines CSV (the index
replay's input, models/index_replay.c) through load_klines, plus the
statistics of a sweep that tools/plot-sweep draws (Sweep.aggregate, a 95%
t-interval over replicates), and the bar periods of the plot tools
(bar_period). The loaders read the whole file into memory and close it.

A file that is not what the loader expects raises PerpsimFileError, a
ValueError whose message is one line, "FILE: what is wrong". Unknown names
(a venue, a swept key, a metric, a run id) raise UnknownNameError, a
ValueError whose message names the closest known names.

Use it from the repository root with

    import sys; sys.path.insert(0, "tools")
    import perpsim
    run = perpsim.load_run("results/quickstart-seed42.h5")

Needs h5py, numpy and pandas (Debian: python3-h5py, python3-numpy,
python3-pandas; run with /usr/bin/python3).
"""

import dataclasses
import difflib
import itertools
import math
import pathlib

import h5py
import numpy as np
import pandas as pd

FORMAT_VERSION = 1
EXPECT_PREFIX = "expect:"


class PerpsimFileError(ValueError):
    """A file that is not a perpsim file of the kind asked for.

    str(error) is one line: "FILE: what is wrong"; .path and .what hold the
    two parts.
    """

    def __init__(self, path, what):
        self.path = str(path)
        self.what = " ".join(str(what).split())
        super().__init__(f"{self.path}: {self.what}")


class UnknownNameError(ValueError):
    """A name (venue, swept key, metric, run id) the file does not have."""


def nearest(name, known, what):
    """The UnknownNameError for `name` among `known`, naming the closest."""
    known = [str(k) for k in known]
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    if close:
        hint = "nearest: " + ", ".join(close)
    elif len(known) <= 8:
        hint = "known: " + ", ".join(known) if known else "there are none"
    else:
        hint = "known: " + ", ".join(known[:8]) + f", ... ({len(known)} in all)"
    return UnknownNameError(f"unknown {what} '{name}' ({hint})")


# --- decoding -------------------------------------------------------------


def _text(value):
    """A string from an HDF5 string value (str, bytes, numpy bytes).

    Fixed-length strings may carry NUL padding or bytes after a NUL
    terminator; both are cut off.
    """
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).split(b"\0", 1)[0].decode("utf-8")
    return str(value).split("\0", 1)[0]


def _plain(value):
    """An attribute value as plain Python: str, int, float, or a list."""
    if isinstance(value, (str, bytes, np.bytes_)):
        return _text(value)
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.dtype.kind in "OS" \
            else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text_list(value):
    """A 1-D string array attribute (or one string) as a list of str."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, np.bytes_)):
        return [_text(value)]
    return [_text(v) for v in np.asarray(value).ravel()]


def _decode_column(values, dtype):
    """One field of a compound table as a pandas-ready array: HDF5 enums
    become their member names, byte strings become str."""
    enum = h5py.check_enum_dtype(dtype)
    if enum is not None:
        names = {code: name for name, code in enum.items()}
        return np.array([names.get(v, str(v)) for v in values.tolist()],
                        dtype=object)
    if dtype.kind in "SO":
        return np.array([_text(v) for v in values], dtype=object)
    return values


def _table(data):
    """A compound array as a DataFrame, fields in file order, decoded."""
    return pd.DataFrame({name: _decode_column(data[name], data.dtype[name])
                         for name in data.dtype.names})


def _utc(start_utc_ms, seconds):
    """UTC times of offsets in seconds (float) from start_utc_ms.

    Times are rounded to the nanosecond, so offsets written from whole
    milliseconds land exactly on them.
    """
    seconds = np.asarray(seconds, dtype=np.float64)
    ns = np.round(seconds * 1e9).astype(np.int64)
    return pd.to_datetime(int(start_utc_ms) * 1_000_000 + ns, utc=True)


# --- opening and checking -------------------------------------------------


def _existing_file(path):
    """path as a pathlib.Path, after checking that it names a file."""
    path = pathlib.Path(path)
    if not path.exists():
        raise PerpsimFileError(path, "no such file")
    if path.is_dir():
        raise PerpsimFileError(path, "a folder, not a file")
    return path


def _open(path, kind, wanted=None):
    """Opens path for reading after checking it is a perpsim file of
    `kind` ("run" or "sweep"); wanted names what the caller reads, in the
    error, when that is not the kind's usual name ("a comparison's
    index")."""
    path = _existing_file(path)
    try:
        hdf5 = h5py.is_hdf5(str(path))
    except OSError as e:
        raise PerpsimFileError(path, f"cannot be read ({e.strerror or e})")
    if not hdf5:
        raise PerpsimFileError(path, "not a perpsim result (not an HDF5 file)")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise PerpsimFileError(path, f"cannot be opened as HDF5 ({e})")
    try:
        _check_kind(f, path, kind, wanted)
    except PerpsimFileError:
        f.close()
        raise
    return f


def _check_kind(f, path, kind, wanted=None):
    if "format_version" not in f.attrs:
        raise PerpsimFileError(
            path, "not a perpsim result (HDF5 without a format_version "
                  "attribute)")
    version = _plain(f.attrs["format_version"])
    if version != FORMAT_VERSION:
        raise PerpsimFileError(
            path, f"format_version {version}; this reader reads "
                  f"format_version {FORMAT_VERSION}")
    found = _text(f.attrs["kind"]) if "kind" in f.attrs else "run"
    if found == kind:
        return
    names = {"run": "a run result", "sweep": "a sweep index",
             "stress": "a stress report"}
    loaders = {"run": "load_run or plot-run",
               "sweep": "load_sweep or plot-sweep",
               "stress": "load_stress or plot-stress"}
    wanted = wanted or names[kind]
    if found in names:
        raise PerpsimFileError(
            path, f"{names[found]}, not {wanted} (read it with "
                  f"{loaders[found]})")
    raise PerpsimFileError(path, f"a perpsim file of kind '{found}', not "
                                 f"{wanted}")


def _require(f, path, *names):
    for name in names:
        if name not in f:
            raise PerpsimFileError(
                path, f"not a complete perpsim file (no {name})")


def _read(path, kind, reader, wanted=None):
    """Opens path as `kind` and returns reader(f); damage found while
    reading is reported as a PerpsimFileError."""
    with _open(path, kind, wanted) as f:
        try:
            return reader(f)
        except (KeyError, OSError, TypeError) as e:
            raise PerpsimFileError(path, f"damaged or incomplete ({e})")


# --- one run --------------------------------------------------------------


@dataclasses.dataclass(repr=False)
class Run:
    """One run's result file, in memory.

    attrs        the root attributes (format_version, scenario, seed,
                 start_utc, start_utc_ms, duration_ms, sets, ...)
    scenario     the resolved scenario text (/scenario)
    venues       venue names in file order
    venue_attrs  venue -> its attributes (profile, tick_size, ...)
    series       venue -> DataFrame of /venues/<v>/series/*, indexed by
                 UTC time ("time"); the column t is seconds since the start
    audit        venue -> DataFrame of /venues/<v>/audit/* (exact int64
                 totals: long_lots, short_lots, cash_total, deposits,
                 withdrawals), same index; cash_total - deposits +
                 withdrawals is the same in every row (README, "Commands")
    events       venue -> table name -> DataFrame of the event table, with
                 a first column "time" (UTC) from time_s; the liquidation
                 route is a str (book, backstop, fund, adl), and so are the
                 policy table's policy and action (circuit_breaker, ...;
                 halt, resume, reject, clip, trim, defer, margin)
    units        venue -> series name -> its units attribute
    audit_units  venue -> audit name -> units
    event_units  venue -> table name -> field -> units
    summary      metric name ("<venue>.<metric>") -> float, file order
    checks       DataFrame of the expect: checks: metric, low, high,
                 value, pass (bool); no rows when the scenario has none
    """

    path: pathlib.Path
    attrs: dict
    scenario: str
    venues: list
    venue_attrs: dict
    series: dict
    audit: dict
    events: dict
    units: dict
    audit_units: dict
    event_units: dict
    summary: dict
    checks: pd.DataFrame

    @property
    def start(self):
        """The scenario's start, a UTC Timestamp."""
        return pd.Timestamp(int(self.attrs["start_utc_ms"]), unit="ms",
                            tz="UTC")

    def venue(self, name=None):
        """The venue name given, checked, or the first venue."""
        if name is None:
            return self.venues[0]
        if name not in self.venues:
            raise nearest(name, self.venues, "venue")
        return name

    def __repr__(self):
        return (f"<Run {self.path}: scenario {self.attrs.get('scenario')!r}, "
                f"seed {self.attrs.get('seed')}, "
                f"venues {', '.join(self.venues)}>")


def load_run(path):
    """Reads a run's result file (perpsim run) into a Run."""
    path = pathlib.Path(path)
    return _read(path, "run", lambda f: _read_run(f, path))


def _read_run(f, path):
    _require(f, path, "venues", "scenario", "summary")
    attrs = {k: _plain(v) for k, v in f.attrs.items()}
    if "start_utc_ms" not in attrs:
        raise PerpsimFileError(path, "not a complete perpsim file "
                                     "(no start_utc_ms)")
    run = Run(path=path, attrs=attrs, scenario=_text(f["scenario"][()]),
              venues=list(f["venues"]), venue_attrs={}, series={}, audit={},
              events={}, units={}, audit_units={}, event_units={},
              summary={}, checks=None)
    for venue in run.venues:
        _read_venue(f["venues"][venue], run, venue)
    run.summary, run.checks = _read_summary(f["summary"], path)
    return run


def _read_venue(group, run, venue):
    where = f"/venues/{venue}"
    for name in ("series", "audit", "events"):
        if name not in group:
            raise PerpsimFileError(run.path, f"not a complete perpsim file "
                                             f"(no {where}/{name})")
    run.venue_attrs[venue] = {k: _plain(v) for k, v in group.attrs.items()}
    series = group["series"]
    if "t" not in series:
        raise PerpsimFileError(run.path, f"not a complete perpsim file "
                                         f"(no {where}/series/t)")
    index = pd.DatetimeIndex(_utc(run.attrs["start_utc_ms"], series["t"][()]),
                             name="time")
    run.series[venue], run.units[venue] = _columns(series, index, run.path)
    run.audit[venue], run.audit_units[venue] = _columns(group["audit"], index,
                                                        run.path)
    run.events[venue], run.event_units[venue] = {}, {}
    for name, ds in group["events"].items():
        table = _table(ds[()])
        if name == "policy":
            _decode_named(table, ds, run.path)
        table.insert(0, "time",
                     _utc(run.attrs["start_utc_ms"], table["time_s"]))
        run.events[venue][name] = table
        run.event_units[venue][name] = dict(
            zip(ds.dtype.names, _text_list(ds.attrs.get("units"))))


def _decode_named(table, ds, path):
    """The policy table's columns policy and action, indices into its
    attributes policies and actions (comma-separated names), as str."""
    for column, attr in (("policy", "policies"), ("action", "actions")):
        if attr not in ds.attrs:
            raise PerpsimFileError(path, f"{ds.name} has no attribute {attr}")
        names = _text(ds.attrs[attr]).split(",")
        codes = table[column].to_numpy()
        if len(codes) and int(codes.max()) >= len(names):
            raise PerpsimFileError(path, f"{ds.name}: a {column} beyond "
                                         f"its attribute {attr}")
        table[column] = [names[int(c)] for c in codes]


def _columns(group, index, path):
    """A group of equal-length 1-D datasets as (DataFrame, units)."""
    columns, units = {}, {}
    for name, ds in group.items():
        if ds.shape != (len(index),):
            raise PerpsimFileError(
                path, f"{ds.name} has shape {ds.shape}, the output grid "
                      f"{len(index)} rows")
        columns[name] = ds[()]
        units[name] = _text(ds.attrs["units"]) if "units" in ds.attrs else ""
    return pd.DataFrame(columns, index=index), units


def _read_summary(group, path):
    summary, checks = {}, []
    for name, value in group.attrs.items():
        value = np.asarray(value, dtype=np.float64)
        if name.startswith(EXPECT_PREFIX):
            if value.shape != (4,):
                raise PerpsimFileError(
                    path, f"/summary attribute {name} is not [low, high, "
                          "value, pass]")
            low, high, got, passed = value.tolist()
            checks.append((name[len(EXPECT_PREFIX):], low, high, got,
                           bool(passed)))
        else:
            summary[name] = float(value)
    columns = ["metric", "low", "high", "value", "pass"]
    table = pd.DataFrame(checks, columns=columns)
    table["pass"] = table["pass"].astype(bool)
    return summary, table


# --- a sweep --------------------------------------------------------------


def t_quantile_975(df):
    """The 0.975 quantile of Student's t with df degrees of freedom (df >= 1),
    the factor of a two-sided 95% interval. Exact to 4 decimals: a table up
    to 30 degrees, then the Cornish-Fisher expansion around the normal."""
    if df < 1:
        raise ValueError("a t-interval needs at least two values (df >= 1)")
    if df <= len(_T975):
        return _T975[int(df) - 1]
    z = 1.959963984540054
    return (z + (z**3 + z) / (4 * df)
            + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


# t(0.975, df) for df = 1..30.
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
         2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
         2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
         2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)


def interval(values):
    """n, mean, sample stdev and the 95% t-interval (low, high) of the
    finite values; the interval is NaN with fewer than two."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return {"n": n, "mean": mean, "std": math.nan, "low": math.nan,
                "high": math.nan}
    std = float(values.std(ddof=1))
    half = t_quantile_975(n - 1) * std / math.sqrt(n)
    return {"n": n, "mean": mean, "std": std, "low": mean - half,
            "high": mean + half}


@dataclasses.dataclass
class Aggregate:
    """What Sweep.aggregate returns.

    table          one row per combination of the keys' values (in their
                   order, see Sweep.values), columns: the keys, n, mean,
                   std, low, high, values (the sample, a list)
    metric         the metric's full name
    used           the "ok" runs that went in
    left_out       the runs that matched but did not finish ("failed",
                   "missing")
    averaged_over  the other swept keys with more than one value among the
                   runs used: the sample at each point spans them
    where          the filters applied, key -> value
    """

    table: pd.DataFrame
    metric: str
    used: int
    left_out: int
    averaged_over: list
    where: dict


@dataclasses.dataclass(repr=False)
class Sweep:
    """A sweep's index file (sweep.h5), in memory.

    attrs       the root attributes (runs, ok, failed, missing, scenario,
                sweep_file, ...)
    sweep_text  the sweep file's text (/sweep)
    swept_keys  the swept key paths, in the sweep file's order
    metrics     the summary metric columns ("<venue>.<metric>"), in order
    runs        DataFrame of /runs, one row per run in plan order; strings
                decoded to str
    folder      the folder holding sweep.h5 (the runs' paths are relative
                to it)
    """

    path: pathlib.Path
    folder: pathlib.Path
    attrs: dict
    sweep_text: str
    swept_keys: list
    metrics: list
    runs: pd.DataFrame

    def __repr__(self):
        return (f"<Sweep {self.path}: {len(self.runs)} runs over "
                f"{', '.join(self.swept_keys)}>")

    def run(self, which):
        """load_run of one run: which is its id (str), its row number
        (int), or a row of .runs (a Series)."""
        row = self._row(which)
        if row["status"] != "ok":
            error = f": {row['error']}" if row.get("error") else ""
            raise PerpsimFileError(
                self.path, f"run {row['id']} has status {row['status']}{error}")
        return load_run(self.folder / row["path"])

    def _row(self, which):
        if isinstance(which, pd.Series):
            return which
        if isinstance(which, str):
            found = self.runs[self.runs["id"] == which]
            if found.empty:
                raise nearest(which, self.runs["id"], "run id")
            return found.iloc[0]
        if isinstance(which, (int, np.integer)) and not isinstance(which, bool):
            return self.runs.iloc[int(which)]
        raise TypeError("a run is named by its id, its row number or its row")

    def key(self, name):
        """name, checked to be a swept key."""
        if name not in self.swept_keys:
            raise nearest(name, self.swept_keys, "swept key")
        return name

    def metric(self, name):
        """The full metric name: name itself, or the one metric that is
        "<venue>." + name."""
        if name in self.metrics:
            return name
        suffixed = [m for m in self.metrics if m.split(".", 1)[-1] == name]
        if len(suffixed) == 1:
            return suffixed[0]
        if len(suffixed) > 1:
            raise UnknownNameError(
                f"metric '{name}' is on several venues: {', '.join(suffixed)}")
        raise nearest(name, self.metrics, "metric")

    def values(self, key, runs=None):
        """The values a swept key takes among runs (default: all), in plot
        order: numbers ascending, strings in order of first appearance."""
        column = (self.runs if runs is None else runs)[self.key(key)]
        if column.dtype.kind in "fiu":
            return sorted(pd.unique(column.dropna()))
        return list(pd.unique(column))

    def select(self, where):
        """The rows whose keys equal the given values (key -> value; a
        string is read as a number for a numeric key)."""
        rows = self.runs
        for key, value in where.items():
            column = rows[self.key(key)]
            mask = _equals(column, value, key)
            if not mask.any():
                raise UnknownNameError(
                    f"{key}={value} matches no run ({key} takes: "
                    f"{', '.join(show_value(v) for v in self.values(key))})")
            rows = rows[mask]
        return rows

    def aggregate(self, metric, by, where=None):
        """The metric over the "ok" runs at each combination of the keys in
        `by` (one or two swept keys), after the `where` filters: the mean
        and the 95% t-interval over the runs there (its replicates, and the
        runs of other swept keys' values, which averaged_over names)."""
        metric = self.metric(metric)
        by = [self.key(k) for k in by]
        where = dict(where or {})
        rows = self.select(where)
        ok = rows[rows["status"] == "ok"]
        levels = [self.values(k, rows) for k in by]
        records = []
        for combo in itertools.product(*levels):
            mask = np.ones(len(ok), dtype=bool)
            for key, value in zip(by, combo):
                mask &= _equals(ok[key], value, key).to_numpy()
            sample = ok[metric].to_numpy(dtype=np.float64)[mask]
            stats = interval(sample)
            records.append({**dict(zip(by, combo)), **stats,
                            "values": sample.tolist()})
        others = [k for k in self.swept_keys
                  if k not in by and len(pd.unique(ok[k])) > 1]
        table = pd.DataFrame(records, columns=by + ["n", "mean", "std", "low",
                                                    "high", "values"])
        return Aggregate(table=table, metric=metric, used=len(ok),
                         left_out=len(rows) - len(ok), averaged_over=others,
                         where=where)


def _equals(column, value, key):
    """Boolean Series: column == value, numerically for number columns."""
    if column.dtype.kind in "fiu":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UnknownNameError(f"{key} takes numbers; '{value}' is not one")
        return pd.Series(np.isclose(column.to_numpy(dtype=np.float64), number,
                                    rtol=1e-12, atol=0.0), index=column.index)
    return column == str(value)


def show_value(value):
    """A key's value as written in a sweep file (6 for 6.0)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def load_sweep(path):
    """Reads a sweep's index file (perpsim sweep's sweep.h5) into a Sweep."""
    path = pathlib.Path(path)
    return _read(path, "sweep", lambda f: _read_sweep(f, path))


def _read_sweep(f, path):
    _require(f, path, "runs", "sweep")
    runs = _table(f["runs"][()])
    for column in ("id", "status", "path"):
        if column not in runs.columns:
            raise PerpsimFileError(path, f"/runs has no column '{column}'")
    return Sweep(path=path, folder=path.parent,
                 attrs={k: _plain(v) for k, v in f.attrs.items()},
                 sweep_text=_text(f["sweep"][()]),
                 swept_keys=_text_list(f.attrs.get("swept_keys")),
                 metrics=_text_list(f.attrs.get("metrics")), runs=runs)


# --- a comparison ---------------------------------------------------------

COMPARE_MODES = ("variants", "venues")
COMPARE_TABLE = "compare.csv"
COMPARE_COLUMNS = ("venue", "metric", "label", "unit", "arm", "n", "mean",
                   "sd", "ci_low", "ci_high", "diff_n", "diff_mean",
                   "diff_ci_low", "diff_ci_high", "diff_sign")
_COMPARE_TEXT = ("venue", "metric", "label", "unit", "arm", "diff_sign")


@dataclasses.dataclass(repr=False)
class Compare:
    """A comparison (the folder of perpsim compare), in memory: its index
    compare.h5, a sweep index with three more root attributes, and its
    table compare.csv next to it.

    sweep       the index, a Sweep: the runs table, each run's file
    mode        "variants": the arms are the sweep's points, arm i is point
                i; "venues": one point, the arms are the venues of its runs
    arms        the arms' labels in order; the first is the reference the
                differences are taken from
    venue       variants: the venue shown by default; venues: ""
    table       DataFrame of compare.csv, one row per (venue, metric, arm),
                in file order: venue, metric, label, unit, arm and
                diff_sign as str ("" when empty), the other columns float
                (NaN when empty)
    table_path  compare.csv's path
    """

    path: pathlib.Path
    sweep: Sweep
    mode: str
    arms: list
    venue: str
    table: pd.DataFrame
    table_path: pathlib.Path

    def __repr__(self):
        return (f"<Compare {self.path}: {self.mode} "
                f"{', '.join(self.arms)}; {len(self.sweep.runs)} runs>")

    def arm(self, which):
        """The number of an arm given by its label (str) or number (int)."""
        if isinstance(which, str):
            if which not in self.arms:
                raise nearest(which, self.arms, "arm")
            return self.arms.index(which)
        number = isinstance(which, (int, np.integer)) \
            and not isinstance(which, bool)
        if number and 0 <= which < len(self.arms):
            return int(which)
        raise UnknownNameError(f"no arm {which!r} (there are "
                               f"{len(self.arms)}: {', '.join(self.arms)})")

    def runs_of(self, which):
        """The rows of sweep.runs of an arm (label or number), of every
        status: its point (variants), or every run (venues: each run holds
        every arm)."""
        number = self.arm(which)
        runs = self.sweep.runs
        if self.mode == "venues":
            return runs
        return runs[runs["point"] == number]

    def venues(self):
        """The venues the table has rows for, in its order."""
        return list(pd.unique(self.table["venue"]))

    def shown_venue(self, name=None):
        """The venue whose rows and series a figure of variants shows: name,
        checked, or the index's compare_venue, or the table's first venue.
        In venues mode every arm shows its own venue: None, and name must
        not be given."""
        if self.mode == "venues":
            if name is not None:
                raise UnknownNameError(
                    f"a comparison of venues shows each arm's own venue "
                    f"({', '.join(self.arms)}); there is no venue to pick")
            return None
        known = self.venues()
        if name is not None:
            if name not in known:
                raise nearest(name, known, "venue")
            return name
        return self.venue or (known[0] if known else None)

    def differences(self, venue=None):
        """The table's rows that a figure shows, in file order: those of
        one venue (variants; default shown_venue()), or each arm's rows of
        its own venue (venues)."""
        t = self.table
        if self.mode == "venues":
            return t[t["venue"] == t["arm"]]
        return t[t["venue"] == self.shown_venue(venue)]


def load_compare(path):
    """Reads a comparison into a Compare: its index (perpsim compare's
    compare.h5) and the compare.csv in the same folder."""
    path = pathlib.Path(path)
    sweep, mode, arms, venue = _read(path, "sweep",
                                     lambda f: _read_compare(f, path),
                                     wanted="a comparison's index")
    table_path = path.parent / COMPARE_TABLE
    table = _read_compare_table(table_path, arms)
    return Compare(path=path, sweep=sweep, mode=mode, arms=arms, venue=venue,
                   table=table, table_path=table_path)


def _read_compare(f, path):
    sweep = _read_sweep(f, path)
    if "compare_mode" not in f.attrs:
        raise PerpsimFileError(
            path, "a sweep index without the compare_mode attribute, not a "
                  "comparison's index (perpsim compare writes compare.h5; "
                  "draw a sweep with plot-sweep)")
    mode = _text(f.attrs["compare_mode"])
    if mode not in COMPARE_MODES:
        raise PerpsimFileError(path, f"compare_mode '{mode}'; this reader "
                                     f"reads {' and '.join(COMPARE_MODES)}")
    arms = _text_list(f.attrs.get("compare_arms"))
    if not arms:
        raise PerpsimFileError(path, "a comparison without arms (no "
                                     "compare_arms attribute)")
    venue = _text(f.attrs["compare_venue"]) if "compare_venue" in f.attrs \
        else ""
    if "point" not in sweep.runs.columns:
        raise PerpsimFileError(path, "/runs has no column 'point'")
    points = sorted({int(p) for p in sweep.runs["point"]})
    wanted = list(range(len(arms))) if mode == "variants" else [0]
    if points != wanted:
        raise PerpsimFileError(
            path, f"the runs table has {len(points)} points; a comparison of "
                  f"{mode} with {len(arms)} arms has {len(wanted)}")
    return sweep, mode, arms, venue


def _read_compare_table(path, arms):
    """compare.csv as a DataFrame, checked against the index's arms."""
    if not path.is_file():
        raise PerpsimFileError(
            path, "no such file (the comparison's table, which perpsim "
                  "compare writes next to compare.h5)")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False,
                          na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError, OSError) as e:
        raise PerpsimFileError(path, f"not a comparison table ({e})")
    missing = [c for c in COMPARE_COLUMNS if c not in raw.columns]
    if missing:
        raise PerpsimFileError(
            path, f"not a comparison table (no column "
                  f"{', '.join(missing)}; the header is "
                  f"{','.join(COMPARE_COLUMNS)})")
    table = pd.DataFrame(index=raw.index)
    for column in COMPARE_COLUMNS:
        if column in _COMPARE_TEXT:
            table[column] = raw[column].astype(str)
        else:
            table[column] = [_csv_number(text, column, line + 2, path)
                             for line, text in enumerate(raw[column])]
    for line, (arm, sign) in enumerate(zip(table["arm"], table["diff_sign"])):
        if arm not in arms:
            raise PerpsimFileError(
                path, f"line {line + 2}: arm '{arm}' is not one of the "
                      f"index's compare_arms ({', '.join(arms)})")
        if sign not in ("", "+", "-"):
            raise PerpsimFileError(
                path, f"line {line + 2}: diff_sign '{sign}' is not +, - or "
                      "empty")
    return table


def _csv_number(text, column, line, path):
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise PerpsimFileError(path, f"line {line}: {column} '{text}' is not "
                                     "a number") from None


# --- a stress report ------------------------------------------------------


@dataclasses.dataclass(repr=False)
class Stress:
    """A stress report (perpsim stress's stress.h5), in memory.

    path        the file
    scenario    the scenario file the report ran
    arms        the arms' labels; the first is the paired differences'
                reference
    venues      the venues' names
    paths       the paths (replicate seeds) per arm; seeds, their seeds
    resamples   the bootstrap's resamples; seed, its generator's seed
    table       the table of stress.csv as a DataFrame: venue, arm,
                statistic, label, unit, n, value, ci_low, ci_high, diff,
                diff_ci_low, diff_ci_high, tail_short (1 for a percentile
                that the paths cannot resolve)
    values      values[venue][quantity]: an arms x paths array of each
                path's drawdown, adl_count, adl_notional, adl_shortfall,
                fund_min,
                liquidations, worst_40m_share, fund_need, exhausted (NaN
                where the path's run did not finish)
    """
    path: pathlib.Path
    scenario: str
    arms: list
    venues: list
    paths: int
    seeds: np.ndarray
    resamples: int
    seed: int
    table: pd.DataFrame
    values: dict

    def statistic(self, venue, arm, name):
        """The table's row of venue, arm and statistic, as a Series."""
        rows = self.table[(self.table["venue"] == venue)
                          & (self.table["arm"] == arm)
                          & (self.table["statistic"] == name)]
        if rows.empty:
            raise UnknownNameError(nearest(
                name, sorted(set(self.table["statistic"])), "statistic"))
        return rows.iloc[0]


def load_stress(path):
    """Reads a stress report, stress.h5 (perpsim stress), into a Stress."""
    path = pathlib.Path(path)
    return _read(path, "stress", lambda f: _read_stress(f, path),
                 wanted="a stress report")


def _read_stress(f, path):
    _require(f, path, "table", "paths", "paths/seed")
    table = pd.DataFrame({name: _decode_column(f["table"][name][:],
                                               f["table"][name].dtype)
                          for name in f["table"]})
    venues = _text_list(f.attrs["venues"])
    values = {v: {q: f["paths"][v][q][:] for q in f["paths"][v]}
              for v in venues}
    return Stress(path=path, scenario=_text(f.attrs["scenario"]),
                  arms=_text_list(f.attrs["arms"]), venues=venues,
                  paths=int(_plain(f.attrs["paths"])),
                  seeds=f["paths"]["seed"][:],
                  resamples=int(_plain(f.attrs["resamples"])),
                  seed=int(_plain(f.attrs["seed"])), table=table,
                  values=values)


# --- a klines file ----------------------------------------------------------

# The columns of a Binance klines CSV, the format models/index_replay.c reads.
KLINES_COLUMNS = ("open_time", "open", "high", "low", "close", "volume",
                  "close_time", "quote_volume", "count", "taker_buy_volume",
                  "taker_buy_quote_volume", "ignore")
_KLINES_TIMES = ("open_time", "close_time")
_KLINES_PRICES = ("open", "high", "low", "close")
# 1e14 ms is the year 5138: a time this large is in microseconds.
_KLINES_MICROSECONDS_FROM = 100_000_000_000_000


def load_klines(path):
    """Reads a Binance klines CSV (the index replay's file, models/
    index_replay.c) into a DataFrame, one row per candle in file order:
    open_time_ms, close_time_ms (int, ms since the Unix epoch), open, high,
    low, close (float) and "time", the open time in UTC.

    The checks are index_replay's: 12 columns (a header too, recognised by
    a first field that starts with a letter), numbers in the six columns
    read, prices > 0 with low <= open, close <= high, close_time >=
    open_time, each open_time after the previous close_time, times in ms,
    at least one candle; blank lines are skipped. A file that fails one
    raises PerpsimFileError "FILE: line N: what".
    """
    path = _existing_file(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as e:
        raise PerpsimFileError(path, f"cannot be read ({e.strerror or e})")
    except UnicodeDecodeError as e:
        raise PerpsimFileError(path, f"not a klines CSV (not UTF-8 text: "
                                     f"{e.reason} at byte {e.start})")
    rows, header_seen, seen_line = [], False, False
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        fields = [f.strip() for f in line.split(",")]
        if not seen_line:
            seen_line = True
            if fields[0][:1].isalpha() or fields[0][:1] == "_":
                header_seen = True
                _klines_columns(path, number, fields, "the header")
                continue
        _klines_columns(path, number, fields, "the line")
        candle = _klines_candle(path, number, dict(zip(KLINES_COLUMNS,
                                                       fields)))
        if rows and candle[0] <= rows[-1][1]:
            raise PerpsimFileError(
                path, f"line {number}: open_time {candle[0]} is not after "
                      f"the previous candle's close_time {rows[-1][1]} "
                      "(times must increase)")
        rows.append(candle)
    if not rows:
        raise PerpsimFileError(
            path, "no candles (a header only)" if header_seen
            else "no candles (an empty file)")
    table = pd.DataFrame(rows, columns=("open_time_ms", "close_time_ms")
                         + _KLINES_PRICES)
    table.insert(0, "time", pd.to_datetime(table["open_time_ms"], unit="ms",
                                           utc=True))
    return table


def _klines_columns(path, number, fields, what):
    if len(fields) != len(KLINES_COLUMNS):
        raise PerpsimFileError(
            path, f"line {number}: {what} has {len(fields)} columns; a "
                  f"klines file has {len(KLINES_COLUMNS)} "
                  f"({', '.join(KLINES_COLUMNS)})")


def _klines_candle(path, number, fields):
    """(open_time, close_time, open, high, low, close) of one line."""
    values = {}
    for name in _KLINES_TIMES:
        column = f"column {KLINES_COLUMNS.index(name) + 1} ({name})"
        try:
            value = int(fields[name])
        except ValueError:
            value = -1
        if value < 0:
            raise PerpsimFileError(path, f"line {number}: {column}: "
                                         f"'{fields[name]}' is not a time in "
                                         "ms")
        if value >= _KLINES_MICROSECONDS_FROM:
            raise PerpsimFileError(
                path, f"line {number}: {column}: {value} looks like "
                      "microseconds (Binance spot files from 2025 use them); "
                      "klines times must be in ms")
        values[name] = value
    for name in _KLINES_PRICES:
        column = f"column {KLINES_COLUMNS.index(name) + 1} ({name})"
        try:
            value = float(fields[name])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise PerpsimFileError(path, f"line {number}: {column}: "
                                         f"'{fields[name]}' is not a number")
        if value <= 0:
            raise PerpsimFileError(path, f"line {number}: {column}: "
                                         f"{fields[name]} is not a price > 0")
        values[name] = value
    v = values
    if v["close_time"] < v["open_time"]:
        raise PerpsimFileError(
            path, f"line {number}: close_time {v['close_time']} is before "
                  f"open_time {v['open_time']}")
    if not (v["low"] <= min(v["open"], v["close"])
            and max(v["open"], v["close"]) <= v["high"]):
        raise PerpsimFileError(
            path, f"line {number}: the candle is inconsistent: need low <= "
                  f"open, close <= high (open {v['open']:.10g}, high "
                  f"{v['high']:.10g}, low {v['low']:.10g}, close "
                  f"{v['close']:.10g})")
    return (v["open_time"], v["close_time"], v["open"], v["high"], v["low"],
            v["close"])


# --- bars over time, shared by the plot tools -------------------------------

# Event totals (liquidations, taker flows) are drawn per bar: a minute, or
# the first of these periods (s) that keeps a run to at most MAX_BARS bars.
BAR_PERIODS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200,
               86400)
MAX_BARS = 240


def bar_period(duration_s, step_s=0.0):
    """Seconds per bar for a run of duration_s written every step_s: the
    first of BAR_PERIODS no shorter than the step that gives at most
    MAX_BARS bars (whole days beyond)."""
    needed = max(float(step_s), float(duration_s) / MAX_BARS)
    for period in BAR_PERIODS:
        if period >= needed:
            return period
    return 86400 * int(math.ceil(needed / 86400))


def period_text(period):
    """A bar's period in words: "min", "5 min", "h", "2 h"."""
    amount, unit = (period / 3600, "h") if period >= 3600 else (period / 60,
                                                                "min")
    return unit if amount == 1 else f"{amount:g} {unit}"

