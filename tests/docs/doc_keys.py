#!/usr/bin/python3
"""doc_keys: the keys the docs document are the keys perpsim accepts (ctest
docs.keys), both ways.

    tests/docs/doc_keys.py --build BUILD_DIR

Reads the key tables (a table whose first column is `key`) of
scenarios/README.md, models/README.md and models/venues/README.md, and the
shock tables (first column `kind`, the keys in the second), each under the
heading that says what it belongs to:

  scenarios/README.md  "Top-level keys", "`output`", "`index`", "`venues`",
                       "`populations`" (the keys every kind shares),
                       "`shocks`"
  models/README.md     "Index processes" (index keys and its shocks),
                       "Arrival processes" (a population's `arrival.*`),
                       one section per agent kind, named in its heading
                       (`market_maker`, ...)
  models/venues/README.md  "Keys": a venue's profile keys; the table after
                       "Each bracket:" the fields of `margin.brackets[i]`

It writes a scenario with every agent kind (from scenarios/README.md's
table of kinds) and every shock kind (from its shock table) on two venues,
then:

  - documented -> accepted: every documented key, as a full path on that
    scenario, is set with `perpsim validate --set KEY=...` and must not be
    answered "unknown key" (a mapping such as `output` must have keys under
    it in `perpsim validate --list-keys`);
  - accepted -> documented: every key `perpsim validate --list-keys` prints
    for that scenario (and for every shipped scenario, for the replay
    index's `file`) has its row where its owner is documented (`expect.*`
    aside: tests/test_summary.c checks the metrics).

Exit status: 0 both ways hold, 1 a key is documented and refused or
accepted and undocumented (each printed), 2 bad usage or a table missing.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

SRC = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", ".."))
CELL = re.compile(r"`([A-Za-z_][A-Za-z0-9_.\[\]]*)`")
# A value each shock key takes in the catalogue scenario; a shock key
# documented and not here is reported (add a valid value for it).
SHOCK_VALUES = {"pct": "-1", "factor": "2", "for": "1m", "fraction": "0.5",
                "notional": "1M", "side": "sell", "cap": "1B",
                "venue": "binance"}


class Missing(Exception):
    pass


def sections(path, levels="##|###"):
    """{heading: [lines]} for every heading of the given levels."""
    out, cur = {}, None
    for line in open(path, encoding="utf-8").read().split("\n"):
        m = re.match(rf"^(?:{levels}) (.*)", line)
        if m:
            cur = m.group(1).strip()
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def tables(lines):
    """[(header cells, [row cells])] of the markdown tables in lines."""
    found, i = [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and \
                re.match(r"^\|[-| :]+\|$", lines[i + 1]):
            head = [c.strip() for c in lines[i].strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            found.append((head, rows))
        else:
            i += 1
    return found


def key_rows(lines, first="key"):
    """The keys of the tables of lines whose first column is `first`."""
    keys = []
    for head, rows in tables(lines):
        if head[0] == first:
            for r in rows:
                keys += CELL.findall(r[0])
    return keys


def policy_keys(lines):
    """policies.NAME.KEY for every key table of the risk policies' part of
    the `venues` section: a paragraph opening `NAME`: names the policy its
    next table's keys belong to."""
    keys, name, inside = [], None, False
    for i, line in enumerate(lines):
        if line.startswith("#### "):
            inside = line.startswith("#### Venue risk policies")
            continue
        if not inside:
            continue
        m = re.match(r"^`([a-z_]+)`: ", line)
        if m:
            name = m.group(1)
        elif name and line.startswith("| key |"):
            end = i
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            keys += [f"policies.{name}.{k}" for k in key_rows(lines[i:end])]
            name = None
    return keys


def section(secs, doc, start):
    for name, lines in secs.items():
        if name.startswith(start):
            return lines
    raise Missing(f"{doc}: no section '{start}'")


def shock_keys(lines, doc):
    """{shock kind: [keys]} from a table of kinds whose second column
    lists the keys (`pct`: ...; `venue`; ...)."""
    out = {}
    for head, rows in tables(lines):
        if head[0] in ("kind", "shock") and head[1] == "keys":
            for r in rows:
                for kind in CELL.findall(r[0]):
                    # Each key opens a part of the cell: `venue`; `side`:
                    # `buy` or `sell` names venue and side, not buy.
                    out[kind] = [m.group(1) for m in (
                        re.match(r"\s*`([a-z_]+)`", part)
                        for part in re.split(r"[;,]", r[1])) if m]
    if not out:
        raise Missing(f"{doc}: no table of shock kinds and their keys")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    perpsim = os.path.join(os.path.realpath(args.build), "perpsim")
    scen_doc, models_doc, venues_doc = (
        "scenarios/README.md", "models/README.md", "models/venues/README.md")
    scen = sections(os.path.join(SRC, scen_doc))
    models = sections(os.path.join(SRC, models_doc))
    venues = sections(os.path.join(SRC, venues_doc))

    # What the docs document, as (full path, where) on the catalogue.
    top = key_rows(section(scen, scen_doc, "Top-level keys"))
    output = key_rows(section(scen, scen_doc, "`output`"))
    index = key_rows(section(scen, scen_doc, "`index`")) + \
        key_rows(section(models, models_doc, "Keys"))
    venue_lines = section(scen, scen_doc, "`venues`")
    policies = policy_keys(venue_lines)
    at = [i for i, line in enumerate(venue_lines)
          if line.startswith("#### Venue risk policies")]
    if at:
        venue_lines = venue_lines[:at[0]]
    venue = key_rows(venue_lines) + policies
    pop = key_rows(section(scen, scen_doc, "`populations`"))
    kinds_table = [r for h, r in tables(section(scen, scen_doc, "`populations`"))
                   if h[0] == "kind"]
    if not kinds_table:
        raise Missing(f"{scen_doc}: no table of kinds under `populations`")
    kinds, two_venue = [], set()
    for r in kinds_table[0]:
        for k in CELL.findall(r[0]):
            kinds.append(k)
            if "other_venue" in r[1]:
                two_venue.add(k)
    shocks = shock_keys(section(scen, scen_doc, "`shocks`"), scen_doc)
    model_shocks = shock_keys(section(models, models_doc, "Shocks"), models_doc)
    arrival = key_rows(section(models, models_doc, "Arrival processes"))
    kind_keys = {}  # a kind's ### subsections (Initial positions) its own
    for name, lines in sections(os.path.join(SRC, models_doc), "##").items():
        own = [k for k in CELL.findall(name) if k in kinds]
        for k in own:
            kind_keys[k] = key_rows(lines)
    profile_keys, bracket_keys = [], []
    in_keys = False
    for name, lines in venues.items():
        if name == "Keys":
            in_keys = True
        elif name.startswith(("Adding", "Rules", "Kinds")):
            in_keys = False
        if not in_keys:
            continue
        text = "\n".join(lines)
        if "Each bracket:" in text:
            before, after = text.split("Each bracket:", 1)
            profile_keys += key_rows(before.split("\n"))
            bracket_keys += key_rows(after.split("\n"))
        else:
            profile_keys += key_rows(lines)
    if not profile_keys or not bracket_keys:
        raise Missing(f"{venues_doc}: no key tables under 'Keys'")
    missing_kinds = [k for k in kinds if k not in kind_keys]
    if missing_kinds:
        raise Missing(f"{models_doc}: no section for the kinds {missing_kinds}")

    # The catalogue scenario: every kind, every shock, two venues.
    lines = ["name: doc-keys", "duration: 1h", "venues:",
             "  - {name: binance, profile: binance}",
             "  - {name: hyperliquid, profile: hyperliquid}", "populations:"]
    pop_of = {}
    for i, k in enumerate(kinds):
        pop_of[k] = i
        other = ", other_venue: hyperliquid" if k in two_venue else ""
        lines.append(f"  - {{kind: {k}, venue: binance{other}}}")
    lines.append("shocks:")
    shock_of, problems = {}, []
    for i, (k, keys) in enumerate(shocks.items()):
        shock_of[k] = i
        vals = []
        for key in keys:
            if key not in SHOCK_VALUES:
                problems.append(f"{scen_doc}: shock {k}: key `{key}` has no "
                                "value in tests/docs/doc_keys.py's SHOCK_VALUES")
                continue
            vals.append(f"{key}: {SHOCK_VALUES[key]}")
        lines.append(f"  - {{at: 10m, kind: {k}, {', '.join(vals)}}}")
    with tempfile.TemporaryDirectory(prefix="perpsim-doc-keys-") as tmp:
        cat = os.path.join(tmp, "catalogue.yaml")
        with open(cat, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = subprocess.run([perpsim, "validate", "-q", cat],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"doc_keys: the catalogue scenario does not validate:\n"
                  f"{r.stderr}" + "\n".join(lines), file=sys.stderr)
            return 1
        listed = subprocess.run([perpsim, "validate", "--list-keys", cat],
                                capture_output=True, text=True,
                                check=True).stdout.split()

        def accepted(key):
            """perpsim takes KEY: listed, or a --set of it is not refused
            as an unknown key."""
            key = re.sub(r"^venues\[0\]\.", "venues.binance.", key)
            if key in listed or any(l.startswith((key + ".", key + "["))
                                    for l in listed):
                return True
            r = subprocess.run([perpsim, "validate", "-q", cat, "--set",
                                f"{key}=1"], capture_output=True, text=True)
            return r.returncode == 0 or "unknown key" not in r.stderr

        documented = []
        documented += [(k, scen_doc, "Top-level keys") for k in top]
        documented += [(f"output.{k}", scen_doc, "`output`") for k in output]
        documented += [(f"index.{k}", "scenarios or models README", "index")
                       for k in index if k != "file"]
        documented += [(f"venues[0].{k}", scen_doc, "`venues`") for k in venue]
        documented += [(f"populations[0].{k}", scen_doc, "`populations`")
                       for k in pop]
        documented += [(f"populations[0].arrival.{k}", models_doc,
                        "Arrival processes") for k in arrival]
        for kind, keys in kind_keys.items():
            documented += [(f"populations[{pop_of[kind]}].{k}", models_doc, kind)
                           for k in keys]
        for doc, table in ((scen_doc, shocks), (models_doc, model_shocks)):
            for kind, keys in table.items():
                if kind not in shock_of:
                    problems.append(f"{doc}: shock kind `{kind}` is not in "
                                    f"{scen_doc}'s shock table")
                    continue
                documented += [(f"shocks[{shock_of[kind]}].{k}", doc,
                                f"shock {kind}") for k in keys]
        documented += [(f"venues[0].{k}", venues_doc, "Keys")
                       for k in profile_keys]
        documented += [(f"venues[0].margin.brackets[0].{k}", venues_doc,
                        "Each bracket") for k in bracket_keys]
        for key, doc, where in documented:
            if not accepted(key):
                problems.append(f"{doc} ({where}): `{key}` is documented "
                                "but perpsim refuses it (unknown key)")

        # Accepted -> documented.
        replay = set()
        for f in glob.glob(os.path.join(SRC, "scenarios", "*.yaml")):
            r = subprocess.run([perpsim, "validate", "--list-keys", f],
                               capture_output=True, text=True)
            if r.returncode == 0:
                replay |= {k for k in r.stdout.split() if k.startswith("index.")}
        kind_at = {i: k for k, i in pop_of.items()}
        shock_at = {i: k for k, i in shock_of.items()}
        profile_set = set(profile_keys) | set(venue)
        for key in sorted(set(listed) | replay):
            m = re.fullmatch(r"populations\[(\d+)\]\.(.*)", key)
            s = re.fullmatch(r"shocks\[(\d+)\]\.(.*)", key)
            v = re.fullmatch(r"venues\.[^.]+\.(.*)", key)
            if key.startswith("expect."):
                continue
            if m:
                kind, k = kind_at[int(m.group(1))], m.group(2)
                ok = k in kind_keys[kind] or k in pop or (
                    k.startswith("arrival.") and k[8:] in arrival)
                where = f"{models_doc} ({kind})"
            elif s:
                kind, k = shock_at[int(s.group(1))], s.group(2)
                ok = k in ("at", "kind") or (k in shocks[kind]
                                             and k in model_shocks.get(kind, shocks[kind]))
                where = f"{scen_doc} and {models_doc} (shock {kind})"
            elif v:
                k = v.group(1)
                ok = k in profile_set
                where = f"{venues_doc} (Keys) or {scen_doc} (`venues`)"
            elif key.startswith("output."):
                ok, where = key[7:] in output, f"{scen_doc} (`output`)"
            elif key.startswith("index."):
                ok, where = key[6:] in index, f"{scen_doc} and {models_doc} (index)"
            else:
                ok, where = key in top, f"{scen_doc} (Top-level keys)"
            if not ok:
                problems.append(f"`{key}` is accepted but not documented in "
                                f"{where}")
    for p in problems:
        print(p)
    print(f"{len(documented)} documented keys checked, "
          f"{len(set(listed) | replay)} accepted keys checked, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Missing as err:
        print(f"doc_keys: {err}", file=sys.stderr)
        sys.exit(2)
