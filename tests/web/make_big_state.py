#!/usr/bin/env python3
"""Fills a dcinstall state file (docs/state-format.md, schema version 1) with one finished
preflight run over the hosts of a config, for the GUI responsiveness test.

usage: make_big_state.py STATE_DB HOSTS_FILE
HOSTS_FILE: one "host role" per line (host as address:port). Every 50th host failed, every 13th
was skipped; a few hosts get recorded steps with output. Then a deploy run (2) that every host
passed with an older bundle of its role (host_stages, host_bundles), so the cluster reads as
installed and GET /api/v1/plan plans an upgrade of every host.
"""
import sqlite3
import sys
import time

db_path, hosts_path = sys.argv[1], sys.argv[2]
hosts = [line.split() for line in open(hosts_path) if line.strip()]
now = int(time.time() * 1000)
db = sqlite3.connect(db_path)
version = db.execute("PRAGMA user_version").fetchone()[0]
if version < 1:
    sys.exit(f"make_big_state: {db_path} has no dcinstall schema (user_version {version})")
cur = db.cursor()
cur.execute("INSERT INTO runs (id, command, started_ms, finished_ms, outcome) VALUES (1, 'preflight', ?, ?, 'failed')",
            (now - 84000, now - 1000))
rows = []
steps = []
for i, (host, role) in enumerate(hosts):
    if i % 50 == 7:
        state, error = "failed", f"port 2379 is in use on {host.rsplit(':', 1)[0]}"
    elif i % 13 == 0:
        state, error = "skipped", ""
    else:
        state, error = "succeeded", ""
    rows.append((host, "preflight", role, state, "", error, 1, now - 1000 - i))
    if i < 20:
        out = "".join(f"check {n}: ok on {host}\n" for n in range(30))
        steps.append((1, host, "preflight", "checks", "sh install.sh --preflight", now - 5000, now - 4000,
                      1 if state == "failed" else 0, error, out, 0))
cur.executemany("INSERT INTO host_stages (host, stage, role, state, bundle_id, error, run_id, updated_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
cur.executemany("INSERT INTO steps (run_id, host, stage, step, command, started_ms, finished_ms, exit_code, error, "
                "output, output_truncated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", steps)
cur.execute("INSERT INTO runs (id, command, started_ms, finished_ms, outcome) VALUES (2, 'deploy', ?, ?, 'succeeded')",
            (now - 900, now - 500))
cur.executemany("INSERT INTO host_stages (host, stage, role, state, bundle_id, error, run_id, updated_ms) "
                "VALUES (?, 'deploy', ?, 'succeeded', ?, '', 2, ?)",
                [(host, role, f"old-{role}", now - 500) for host, role in hosts])
bundles = [(host, role, f"old-{role}", now - 1000) for host, role in hosts]
cur.executemany("INSERT INTO host_bundles (host, role, running, updated_ms) VALUES (?, ?, ?, ?)", bundles)
db.commit()
print(f"make_big_state: {len(rows)} hosts in {db_path}")
