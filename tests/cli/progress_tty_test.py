#!/usr/bin/env python3
"""The live progress of the real `dcinstall install` on a terminal, against the shared test fleet.

    progress_tty_test.py DCINSTALL SOURCE_DIR      (the fleet: $DCINSTALL_TEST_FLEET)

First `dcinstall preflight` with stdout on a pipe: one JSON event per line, no escape sequences.
Then `dcinstall install` of tests/cli/progress-distribution (no services; slow enough to watch)
with stdin, stdout and stderr on a pseudo-terminal; what it wrote is replayed on a minimal
terminal (text, newlines, cursor up, erase line) and checked: exit 0; per stage a bar per role
with its final counts and total, then the stage's summary line; running hosts shown with their
step and last output line, at most 4 at once; the output stays a bounded number of lines (frames
redrawn in place, not a line per event). Always uninstalls at the end (the fleet is shared). Exit 0 passed, 1 failed, 77 skipped
(no test fleet).
"""
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

SKIP = 77
STAGE_DEADLINE_S = 300

failures = []


def check(condition, what, detail=""):
    print(("ok:   " if condition else "FAIL: ") + what)
    if not condition:
        failures.append(what)
        if detail:
            print("      " + detail.replace("\n", "\n      "))
    return condition


class Terminal:
    """What a terminal shows after a byte stream, reduced to the sequences the printer uses.

    `lines` is every line still on the screen or in its scrollback (the screen never scrolls
    anything away); `written` is every line that was completed with a newline, in order, even if
    a redraw erased it later (the frames); `cursor_ups` counts ESC[nA moves.
    """

    CSI = re.compile(rb"\x1b\[([0-9;]*)([A-Za-z])")

    def __init__(self):
        self.rows = [""]
        self.row = 0
        self.written = []
        self.cursor_ups = 0

    def feed(self, data: bytes):
        pos = 0
        text = bytearray()
        while pos < len(data):
            if data[pos] == 0x1B:
                self._put(text)
                text = bytearray()
                match = self.CSI.match(data, pos)
                if not match:
                    pos += 1
                    continue
                count = int(match.group(1) or b"1") if match.group(1).isdigit() else 1
                if match.group(2) == b"A":
                    self.row = max(0, self.row - count)
                    self.cursor_ups += count
                elif match.group(2) == b"K":
                    self.rows[self.row] = ""
                pos = match.end()
            elif data[pos] == 0x0A:
                self._put(text)
                text = bytearray()
                self.written.append(self.rows[self.row])
                self.row += 1
                if self.row == len(self.rows):
                    self.rows.append("")
                pos += 1
            elif data[pos] == 0x0D:
                pos += 1  # the pty's "\r\n"; the printer never rewrites a line with "\r"
            else:
                text.append(data[pos])
                pos += 1
        self._put(text)

    def _put(self, text: bytearray):
        if text:
            self.rows[self.row] += text.decode("utf-8", "replace")

    @property
    def lines(self):
        return self.rows[: self.row] + ([self.rows[self.row]] if self.rows[self.row] else [])


def run_on_pty(argv, deadline_s):
    """Runs argv with stdin, stdout and stderr on a new pty (200x50); returns (status, bytes)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                               start_new_session=True)
    os.close(slave)
    output = bytearray()
    end = time.monotonic() + deadline_s
    while True:
        left = end - time.monotonic()
        if left <= 0:
            os.killpg(process.pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([master], [], [], min(left, 1.0))
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every holder of the slave side closed it
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return process.wait(), bytes(output)


def fleet_counts(fleet):
    counts = {}
    for role, name in (("master", "masters"), ("agent", "agents"), ("public_agent", "public_agents")):
        with open(os.path.join(fleet, "hosts." + name)) as f:
            counts[role] = sum(1 for line in f if line.strip())
    return counts


def bar_re(role, done, total):
    return re.compile(r"^  %s +\[#+\] +%d/%d +ok %d +failed 0 +running 0 *$" %
                      (re.escape(role), done, total, done))


def check_stage(lines, stage, roles):
    """The final frame of `stage` (its header, a full bar per role, its ✔ summary line)."""
    summary = [i for i, line in enumerate(lines) if line.startswith("✔ %s: " % stage)]
    if not check(len(summary) == 1, "%s: one summary line '✔ %s: ...'" % (stage, stage),
                 "\n".join(lines)):
        return
    at = summary[0]
    frame = lines[at - len(roles) - 1: at]
    check(bool(frame) and re.match(r"^%s( \([a-z]+\))?  \d\d:\d\d$" % re.escape(stage), frame[0]),
          "%s: header with the stage and its elapsed time" % stage, "\n".join(frame))
    for role, total in roles.items():
        check(any(bar_re(role, total, total).match(line) for line in frame[1:]),
              "%s: bar of %s with %d/%d done, ok %d, failed 0, running 0" %
              (stage, role, total, total, total), "\n".join(frame))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    dcinstall, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    fleet = os.environ.get("DCINSTALL_TEST_FLEET")
    if not fleet or not os.path.isfile(os.path.join(fleet, "config-fragment.yaml")):
        print("SKIP: DCINSTALL_TEST_FLEET is not set to a fleet (make test brings one up)")
        return SKIP
    roles = {role: n for role, n in fleet_counts(fleet).items() if n > 0}
    hosts = sum(roles.values())

    tmp = tempfile.mkdtemp(prefix="dcinstall-progress-tty-")
    config = os.path.join(tmp, "config.yaml")
    work = os.path.join(tmp, "work")
    with open(os.path.join(fleet, "config-fragment.yaml")) as f:
        fragment = f.read()
    with open(config, "w") as f:
        f.write("cluster_name: progress-test\n")
        f.write("distribution: %s/tests/cli/progress-distribution\n" % source)
        f.write(fragment)
        f.write("command_timeout_s: 120\npostflight_timeout_s: 120\n")
    common = ["-c", config, "--work-dir", work]
    try:
        # First, on the fresh hosts and with a work dir of its own (a preflight after the install
        # would skip every host): no terminal, so JSON lines.
        print("== dcinstall preflight with stdout on a pipe")
        result = subprocess.run([dcinstall, "preflight", "-c", config, "--work-dir", work + "-json"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=STAGE_DEADLINE_S)
        check(result.returncode == 0, "preflight exits 0 (got %d)" % result.returncode,
              result.stderr.decode(errors="replace")[-2000:])
        check(b"\x1b" not in result.stdout, "no escape sequences without a terminal")
        events, bad = [], []
        for line in result.stdout.decode().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                bad.append(line)
        check(not bad and events, "every stdout line is one JSON event (%d events)" % len(events),
              "\n".join(bad[:5]))
        types = [e.get("type") for e in events]
        check(types[:1] == ["stage_started"] and types[-1:] == ["stage_finished"],
              "the events run from stage_started to stage_finished")
        check(types.count("host_finished") == hosts,
              "one host_finished per host (%d of %d)" % (types.count("host_finished"), hosts))
        check(types.count("host_step_started") >= 3 * hosts and "output" in types,
              "steps and their output are events too (%d steps)" % types.count("host_step_started"))
        if events and types[-1] == "stage_finished":
            counts = events[-1]["counts"]
            check(all(counts.get(r, {}).get("succeeded") == n for r, n in roles.items()),
                  "stage_finished counts every host as succeeded", json.dumps(counts))

        print("== dcinstall install on a terminal (%d hosts: %s)" % (hosts, roles))
        status, output = run_on_pty([dcinstall, "install"] + common, 4 * STAGE_DEADLINE_S)
        with open(os.path.join(tmp, "install.tty"), "wb") as f:
            f.write(output)
        terminal = Terminal()
        terminal.feed(output)
        lines = terminal.lines
        transcript = "\n".join(lines[-60:])
        check(status == 0, "install exits 0 (got %s)" % status, transcript)
        check(b"\x1b[1A" in output and b"\x1b[2K" in output,
              "frames are redrawn with cursor up + erase line")
        check_stage(lines, "preflight", roles)
        check_stage(lines, "deploy", roles)
        check_stage(lines, "postflight", roles)
        check_stage(lines, "cluster-check", {"master": 1})
        # Bounded: per stage a header, a bar per role and the summary, and a few lines of slack
        # for warnings; never a line per event (there are several per host and step).
        bound = 4 * (len(roles) + 2) + 6
        check(len(lines) <= bound,
              "the terminal holds %d lines at the end (at most %d)" % (len(lines), bound),
              "\n".join(lines))
        check(len(terminal.written) > 2 * len(lines),
              "many more frame lines were drawn (%d) than remain (%d): redrawn in place" %
              (len(terminal.written), len(lines)))
        running = [l for l in terminal.written if re.match(r"^  \S+ +\[[#-]+\] .*running [1-9]", l)]
        check(bool(running), "a bar showed running hosts while they ran")
        step_lines = [l for l in terminal.written if re.match(r"^    \S+:\d+ checks$", l)]
        check(bool(step_lines), "running hosts were listed with their step ('    HOST checks')")
        output_lines = [l for l in terminal.written
                        if re.match(r"^    \S+:\d+ wait for quorum: .*(warming|checks failed)", l)]
        check(bool(output_lines),
              "a running host was shown with its last output line ('HOST wait for quorum: ...')",
              "\n".join(sorted(set(l for l in terminal.written if l.startswith("    ")))[:20]))
        listed = max((sum(1 for l in frame if l.startswith("    "))
                      for frame in frames(terminal.written)), default=0)
        check(0 < listed <= 4, "at most 4 running hosts listed at once (saw %d)" % listed)

    finally:
        print("== dcinstall uninstall --yes (the fleet is shared)")
        result = subprocess.run([dcinstall, "uninstall", "--yes"] + common,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, timeout=STAGE_DEADLINE_S)
        check(result.returncode == 0, "uninstall exits 0 (got %d)" % result.returncode,
              result.stderr.decode(errors="replace")[-2000:])
        if not failures:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept for a look: %s (install.tty is the raw terminal output)" % tmp)
    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


def frames(written):
    """Splits the drawn lines into frames: each starts at a stage header line."""
    frame = []
    for line in written:
        if re.match(r"^[a-z-]+( \([a-z]+\))?  \d\d:\d\d$", line):
            if frame:
                yield frame
            frame = []
        frame.append(line)
    if frame:
        yield frame


if __name__ == "__main__":
    sys.exit(main())
