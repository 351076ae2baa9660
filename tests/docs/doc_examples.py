#!/usr/bin/python3
"""doc_examples: every example in the docs is run (ctest docs.examples.<doc>).

    tests/docs/doc_examples.py --build BUILD_DIR DOC.md [DOC.md ...]

Reads each document's fenced code blocks and runs them, in the order they
appear, in a temporary copy of the source tree (the files git tracks, and
untracked ones it does not ignore), with BUILD_DIR (the one holding the
`perpsim` just built) first on PATH, a fresh HOME and the tree's `build` a
link to BUILD_DIR. What each kind of block is:

  ```sh, ```bash   a script, run by `bash -e -o pipefail` from the tree's root
  ```console       `$ COMMAND` lines, each followed by what it must print
                   (its output and errors, as a terminal shows them); a
                   line `...` stands for any number of lines. A command
                   shown without output must succeed; one shown with its
                   output may fail (an example of an error message)
  ```python        run by /usr/bin/python3 from the tree's root, after every
                   earlier python block of the same document (a later block
                   goes on with the names an earlier one made)
  ```yaml          written to a file under scenarios/ and checked: a
                   scenario by `perpsim validate`, a sweep file (a top-level
                   `scenario:`) by `perpsim sweep --dry-run`, a calibration
                   file (a top-level `targets:`) by running `perpsim calibrate`
  ```text          not code: output, a layout, a formula; never run

Any other label, or none, is an error, and so is an indented code block:
every example is fenced and says what it is, so none escapes the test.

An HTML comment just before a block (blank lines and other such comments
between them allowed) changes how it is run:

  <!-- doc-test: skip (REASON) -->        not run; the report lists REASON
  <!-- doc-test: defer (REASON) -->       run after the document's other
                                          blocks (it needs what a later
                                          example makes)
  <!-- doc-test: replace OLD => NEW -->   run with OLD replaced by NEW (OLD
                                          must occur): a long example run
                                          shortened, the report says how
  <!-- doc-test: edit FILE: OLD => NEW -->  before the block runs, OLD
                                          replaced by NEW in FILE of the
                                          temporary tree (and so for the
                                          blocks after it): a shipped
                                          sweep or calibration shortened
  <!-- doc-test: file PATH -->            a yaml block's file, relative to
                                          the tree's root

A block that fails prints its place (DOC:LINE), what ran and its output.
Exit status: 0 every block ran as shown, 1 one did not, 2 bad usage or a
document this test cannot read as it should (an unlabelled block, say).
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RUN = ("sh", "bash", "console", "python", "yaml")
NOT_CODE = ("text",)
BLOCK_TIMEOUT_S = 300
DIRECTIVE = re.compile(r"^<!--\s*doc-test:\s*(.*?)\s*-->\s*$")
FENCE = "```"


class DocError(Exception):
    """A document the test cannot read as it should (exit 2)."""


class Block:
    def __init__(self, doc, line, lang, text, directives):
        self.doc, self.line, self.lang, self.text = doc, line, lang, text
        self.skip = self.defer = self.file = None
        self.replace, self.edit = [], []
        for d in directives:
            self._directive(d)

    def where(self):
        return f"{self.doc}:{self.line}"

    def _directive(self, d):
        m = re.fullmatch(r"(skip|defer)\s*(?:\((.*)\))?", d)
        if m:
            if m.group(1) == "skip" and not m.group(2):
                raise DocError(f"{self.where()}: doc-test: skip needs (a reason)")
            setattr(self, m.group(1), m.group(2) or "")
            return
        m = re.fullmatch(r"replace\s+(.+?)\s+=>\s+(.+)", d)
        if m:
            self.replace.append((m.group(1), m.group(2)))
            return
        m = re.fullmatch(r"edit\s+(\S+):\s+(.+?)\s+=>\s+(.+)", d)
        if m:
            self.edit.append(m.groups())
            return
        m = re.fullmatch(r"file\s+(\S+)", d)
        if m:
            self.file = m.group(1)
            return
        raise DocError(f"{self.where()}: unknown doc-test directive '{d}'")

    def apply_edits(self, tree):
        for rel, old, new in self.edit:
            path = os.path.join(tree, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if old not in text:
                raise DocError(f"{self.where()}: doc-test: edit: '{old}' is "
                               f"not in {rel}")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new))

    def shortened(self):
        return "".join([f" ('{o}' run as '{n}')" for o, n in self.replace] +
                       [f" ({f}: '{o}' as '{n}')" for f, o, n in self.edit])

    def runnable_text(self):
        text = self.text
        for old, new in self.replace:
            if old not in text:
                raise DocError(f"{self.where()}: doc-test: replace: "
                               f"'{old}' is not in the block")
            text = text.replace(old, new)
        return text


def is_list_item(line):
    return re.match(r"\s*([-*+]|\d+\.)\s", line) is not None


def read_blocks(path, name):
    """The fenced blocks of one document, with their directives."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, directives, i = [], [], 0
    prev = ""  # the last non-blank line outside a block
    while i < len(lines):
        line = lines[i]
        m = DIRECTIVE.match(line)
        if m:
            directives.append(m.group(1))
            i += 1
            continue
        if line.startswith(FENCE):
            lang = line[len(FENCE):].strip()
            start = i + 1
            i += 1
            while i < len(lines) and lines[i].rstrip() != FENCE:
                i += 1
            if i == len(lines):
                raise DocError(f"{name}:{start}: a block that never ends")
            if lang not in RUN + NOT_CODE and not directives:
                raise DocError(
                    f"{name}:{start}: a block labelled '{lang}': label it "
                    f"{', '.join(RUN + NOT_CODE)}, or say why it is not run "
                    "(<!-- doc-test: skip (REASON) -->)")
            blocks.append(Block(name, start, lang,
                                "\n".join(lines[start:i]) + "\n", directives))
            directives, prev = [], FENCE
            i += 1
            continue
        if line.strip():
            if (line.startswith("    ") and i > 0 and not lines[i - 1].strip()
                    and not prev.startswith(" ") and not is_list_item(prev)):
                raise DocError(f"{name}:{i + 1}: an indented code block: "
                               "fence it and label it (```sh, ```text, ...)")
            if directives:
                raise DocError(f"{name}:{i + 1}: a doc-test comment that no "
                               "block follows")
            prev = line
        i += 1
    return blocks


def source_files(source):
    try:
        out = subprocess.run(
            ["git", "-C", source, "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"], capture_output=True, check=True).stdout
        return [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        return None


def copy_tree(source, dest):
    files = source_files(source)
    if files is None:  # not a git checkout: everything but builds and results
        shutil.copytree(source, dest, symlinks=True, ignore=shutil.ignore_patterns(
            "build", "build-*", ".git", "*.h5", "*.part"))
        return
    for f in files:
        src = os.path.join(source, f)
        if not os.path.lexists(src):
            continue  # deleted, not yet committed
        dst = os.path.join(dest, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)


def console_pattern(expected):
    """A regex for a console block's expected output: `...` is any lines."""
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:.*\n)*?")
        else:
            parts.append(re.escape(line.rstrip()) + r"[ \t]*\n")
    return re.compile("".join(parts))


def call(argv, cwd, env):
    """argv run to its end in a session of its own, whose every process is
    killed if it outlives BLOCK_TIMEOUT_S or this test is stopped."""
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=BLOCK_TIMEOUT_S)
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


class Runner:
    def __init__(self, tree, env, scratch):
        self.tree, self.env, self.scratch = tree, env, scratch
        self.python = []  # the python blocks run so far, in order
        self.yaml_count = 0

    def call(self, argv):
        return call(argv, self.tree, self.env)

    def sh(self, cmd, bash_opts=("-e", "-o", "pipefail")):
        return self.call(["bash", *bash_opts, "-c", cmd])

    def run(self, b):
        """None when the block ran as shown, else what went wrong."""
        text = b.runnable_text()
        if b.lang in ("sh", "bash"):
            r = self.sh(text)
            return None if r.returncode == 0 else \
                f"exit status {r.returncode}\n{r.stdout}{r.stderr}"
        if b.lang == "python":
            self.python.append(text)
            r = self.call(["/usr/bin/python3", "-c", "\n".join(self.python)])
            if r.returncode != 0:
                self.python.pop()
                return f"exit status {r.returncode}\n{r.stdout}{r.stderr}"
            return None
        if b.lang == "console":
            return self.console(text)
        if b.lang == "yaml":
            return self.yaml(b, text)
        raise DocError(f"{b.where()}: a '{b.lang}' block is not run: "
                       "say why (<!-- doc-test: skip (REASON) -->)")

    def console(self, text):
        commands = []
        for line in text.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                commands.append((line[2:], []))
            elif not commands:
                return f"output before any command: {line}"
            else:
                commands[-1][1].append(line)
        for _, expected in commands:  # a blank line between commands
            while expected and not expected[-1].strip():
                expected.pop()
        for cmd, expected in commands:
            r = self.sh(f"{{ {cmd}\n}} 2>&1", bash_opts=("-o", "pipefail"))
            if r.returncode != 0 and not expected:
                return f"$ {cmd}\nexit status {r.returncode}\n{r.stdout}{r.stderr}"
            if expected and not console_pattern(expected).fullmatch(r.stdout):
                return (f"$ {cmd}\nprinted:\n{r.stdout}"
                        "which is not what the block shows:\n" + "\n".join(expected))
        return None

    def yaml(self, b, text):
        self.yaml_count += 1
        rel = b.file or f"scenarios/doc-example-{self.yaml_count}.yaml"
        path = os.path.join(self.tree, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        top = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*):", text, re.M))
        out = os.path.join(self.scratch, f"yaml-{self.yaml_count}")
        if "targets" in top:
            cmd = ["perpsim", "calibrate", "-q", "-j", "2", "-o", out, rel]
        elif "scenario" in top:
            cmd = ["perpsim", "sweep", "--dry-run", "-o", out, rel]
        else:
            cmd = ["perpsim", "validate", rel]
        r = self.call(cmd)
        return None if r.returncode == 0 else \
            f"{' '.join(cmd)}: exit status {r.returncode}\n{r.stdout}{r.stderr}"


def main():
    ap = argparse.ArgumentParser(description="Run every example of the docs.")
    ap.add_argument("--build", required=True,
                    help="the build folder holding perpsim")
    ap.add_argument("--source", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..", ".."), help="the source tree")
    ap.add_argument("docs", nargs="+", help="documents, relative to the tree")
    args = ap.parse_args()
    # Stopped (ctest's timeout), it still kills what it started and
    # removes its temporary tree.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    source = os.path.realpath(args.source)
    build = os.path.realpath(args.build)
    if not os.access(os.path.join(build, "perpsim"), os.X_OK):
        print(f"doc_examples: no perpsim in {build}", file=sys.stderr)
        return 2
    try:
        blocks = []
        for doc in args.docs:
            blocks += read_blocks(os.path.join(source, doc), doc)
    except (DocError, OSError) as err:
        print(f"doc_examples: {err}", file=sys.stderr)
        return 2

    failed, skipped, ran, not_code = [], [], 0, 0
    with tempfile.TemporaryDirectory(prefix="perpsim-doc-test-") as tmp:
        tree = os.path.join(tmp, "tree")
        os.makedirs(os.path.join(tmp, "home"))
        os.makedirs(os.path.join(tmp, "scratch"))
        copy_tree(source, tree)
        if not os.path.lexists(os.path.join(tree, "build")):
            os.symlink(build, os.path.join(tree, "build"))
        env = dict(os.environ, HOME=os.path.join(tmp, "home"),
                   PATH=build + os.pathsep + os.environ.get("PATH", ""),
                   MPLBACKEND="Agg")
        runner = Runner(tree, env, os.path.join(tmp, "scratch"))
        order = [b for b in blocks if b.defer is None] + \
                [b for b in blocks if b.defer is not None]
        for b in order:
            if b.skip is not None:
                skipped.append(b)
                continue
            if b.lang in NOT_CODE:
                not_code += 1
                continue
            t0 = time.monotonic()
            try:
                b.apply_edits(tree)
                why = runner.run(b)
            except DocError as err:
                print(f"doc_examples: {err}", file=sys.stderr)
                return 2
            except subprocess.TimeoutExpired:
                why = f"still running after {BLOCK_TIMEOUT_S} s"
            ran += 1
            how = b.shortened()
            state = "ok" if why is None else "FAILED"
            print(f"{state:6} {b.where()} ({b.lang}, "
                  f"{time.monotonic() - t0:.1f} s){how}", flush=True)
            if why is not None:
                failed.append(b)
                print("  block:\n" + "".join(f"    {l}\n" for l in
                                              b.text.rstrip("\n").split("\n")))
                print("  " + why.rstrip("\n").replace("\n", "\n  "), flush=True)
    for b in skipped:
        print(f"skip   {b.where()} ({b.lang}): {b.skip}")
    print(f"{ran} blocks run, {len(failed)} failed, {len(skipped)} skipped, "
          f"{not_code} not code")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
