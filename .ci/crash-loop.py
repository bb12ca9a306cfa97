"""The crash loop behind .ci/crash-loop: start the server, write, kill -9, repeat.

Each cycle starts the server on the same data directory, sends admin writes from two
clients (each with its own Idempotency-Key), notes which were acknowledged (2xx with the
whole body read), and kills the server with SIGKILL at a random moment: most often while
writes are streaming, sometimes while it is still starting. A write that got no answer is
sent again in a later cycle with the same key and body, so a write committed just before
a kill is replayed, not made twice.

After every kill the database must pass `PRAGMA integrity_check`. Every CHECK_EVERY
cycles the database is read directly, and at the end a restarted server is asked through
the admin API: every acknowledged write must be there, and none twice.

Only the Python standard library is needed. Settings come from the environment (see
.ci/crash-loop).
"""

import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

BINARY = os.environ["PAYSTATUS_BIN"]
DATA_DIR = os.environ["DATA_DIR"]
CYCLES = int(os.environ.get("CYCLES", "1000"))
CHECK_EVERY = int(os.environ.get("CHECK_EVERY", "100"))
# The kill comes at a uniformly random moment up to this long after the server answers.
MAX_KILL_MS = int(os.environ.get("MAX_KILL_MS", "250"))
# Share of cycles killed while the server is still starting (before it answers).
STARTUP_KILLS = float(os.environ.get("STARTUP_KILLS", "0.1"))
WRITERS = int(os.environ.get("WRITERS", "2"))
SEED = int(os.environ.get("SEED", str(random.randrange(1 << 32))))

DB = os.path.join(DATA_DIR, "paystatus.db")
LOG = os.path.join(DATA_DIR, "server.log")
API = "/api/admin/v1"


class Failure(Exception):
    """Something the loop is there to catch: a lost write, a duplicate, a damaged database."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_key():
    out = subprocess.run(
        [BINARY, "keys", "create", "--name", "crash-loop", "--scope", "read,incidents,components"],
        env={**os.environ, "PAYSTATUS_DATA_DIR": DATA_DIR, "RUST_LOG": "warn"},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


class Server:
    """The release binary on a fresh port, its log appended to server.log."""

    running = None  # killed if the loop stops early

    def __init__(self):
        Server.running = self
        self.port = free_port()
        self.log = open(LOG, "ab")
        env = {
            **os.environ,
            "PAYSTATUS_DATA_DIR": DATA_DIR,
            "PAYSTATUS_LISTEN": f"127.0.0.1:{self.port}",
            "RUST_LOG": "warn",
        }
        self.proc = subprocess.Popen(
            [BINARY, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )

    def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"the server exited with {self.proc.returncode} while starting; see {LOG}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.005)
        raise Failure(f"the server did not answer within {timeout} s; see {LOG}")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()


class Write:
    """One admin write: the same method, path, body and Idempotency-Key on every try."""

    def __init__(self, kind, method, path, body, idem, expect):
        self.kind = kind  # incident, update or component
        self.method = method
        self.path = path
        self.body = json.dumps(body, ensure_ascii=False).encode()
        self.idem = idem
        # What must be stored once acknowledged: (incident title), (incident id, message)
        # or (component id).
        self.expect = expect
        self.tries = 0


class Ledger:
    """What was sent and what was acknowledged, shared by the writer threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = []  # writes answered 2xx
        self.pending = []  # writes that got no answer, to be sent again
        self.open_incidents = []  # ids of acknowledged incidents to post updates to
        self.sent = 0
        self.replayed = 0
        self.retried_acked = 0
        self.in_flight = 0
        self.counter = 0

    def next_write(self, cycle):
        with self.lock:
            if self.pending:
                return self.pending.pop(0)
            self.counter += 1
            n = self.counter
            roll = random.random()
            if roll < 0.45 and self.open_incidents:
                incident = random.choice(self.open_incidents)
                message = f"crash-loop update {n} (cycle {cycle})"
                body = {"message": message}
                # A few incidents open at a time, as on a real page; the rest is history.
                if len(self.open_incidents) > 5 or random.random() < 0.15:
                    # Resolved once: no later write resolves it again.
                    body["status"] = "resolved"
                    self.open_incidents.remove(incident)
                return Write("update", "POST", f"{API}/incidents/{incident}/updates", body,
                             f"crash-{n}", (incident, message))
            if roll < 0.9:
                title = f"crash-loop incident {n} (cycle {cycle})"
                body = {
                    "title": title,
                    "message": "결제가 지연되고 있습니다.",
                    "components": {random.choice(["card", "mobile", "kakaopay"]): "partial_outage"},
                }
                return Write("incident", "POST", f"{API}/incidents", body, f"crash-{n}", title)
            component = f"crash-{n}"
            body = {"id": component, "name": f"충돌 시험 {n}"}
            return Write("component", "POST", f"{API}/components", body, f"crash-{n}", component)

    def answered(self, w, body, replayed):
        with self.lock:
            if w.tries > 1:
                self.retried_acked += 1
            if replayed:
                self.replayed += 1
            self.acked.append(w)
            if w.kind == "incident":
                self.open_incidents.append(body["id"])

    def unanswered(self, w):
        with self.lock:
            self.pending.append(w)


def writer(ledger, port, key, cycle, stop, refusals):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        w = ledger.next_write(cycle)
        w.tries += 1
        with ledger.lock:
            ledger.sent += 1
            ledger.in_flight += 1
        try:
            conn.request(w.method, w.path, body=w.body, headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": w.idem,
            })
            r = conn.getresponse()
            raw = r.read()
            body = json.loads(raw)
        except (OSError, http.client.HTTPException, ValueError):
            # Killed before the whole answer arrived: not acknowledged.
            ledger.unanswered(w)
            return
        finally:
            with ledger.lock:
                ledger.in_flight -= 1
        if 200 <= r.status < 300:
            ledger.answered(w, body, r.getheader("Idempotent-Replayed") == "true")
        else:
            refusals.append(f"{w.method} {w.path} -> {r.status}: {raw[:300]!r}")
            stop.set()
            return


def integrity_check():
    con = sqlite3.connect(DB)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    if rows != [("ok",)]:
        raise Failure(f"PRAGMA integrity_check: {rows}")


def check_database(ledger):
    """Every acknowledged write, read straight from the database (the server is down)."""
    con = sqlite3.connect(DB)
    try:
        titles = [r[0] for r in con.execute("SELECT title_ko FROM incidents")]
        updates = [(r[0], r[1]) for r in con.execute("SELECT incident_id, message_ko FROM incident_updates")]
        components = {r[0] for r in con.execute("SELECT id FROM components")}
    finally:
        con.close()
    return verify(ledger, titles, updates, components)


def check_through_api(ledger, key):
    """Every acknowledged write, as a restarted server's admin API reports it."""
    server = Server()
    try:
        server.wait_ready()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)

        def get(path):
            conn.request("GET", path, headers={"Authorization": f"Bearer {key}"})
            r = conn.getresponse()
            raw = r.read()
            if r.status != 200:
                raise Failure(f"GET {path} -> {r.status}: {raw[:300]!r}")
            return json.loads(raw)

        titles, updates = [], []
        cursor = None
        while True:
            page = get(f"{API}/incidents?limit=100" + (f"&cursor={cursor}" if cursor else ""))
            for i in page["items"]:
                titles.append(i["title"]["ko"])
                updates.extend((i["id"], u["message"]["ko"]) for u in i["updates"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        components = {c["id"] for c in get(f"{API}/components")["items"]}
    finally:
        server.kill()
    return verify(ledger, titles, updates, components)


def verify(ledger, titles, updates, components):
    """Returns how many acknowledged writes were found; raises on a loss or a duplicate."""
    def counts(values):
        out = {}
        for v in values:
            out[v] = out.get(v, 0) + 1
        return out

    stored = {"incident": counts(titles), "update": counts(updates),
              "component": counts(components)}
    with ledger.lock:
        acked = list(ledger.acked)
    lost = [w for w in acked if stored[w.kind].get(w.expect, 0) == 0]
    # Every write has its own title, message or id, acknowledged or not: a retry that
    # was not replayed would show up here.
    twice = [v for kind in stored.values() for v, n in kind.items()
             if n > 1 and "crash" in str(v)]
    if lost or twice:
        raise Failure(
            f"{len(lost)} acknowledged writes lost, {len(twice)} stored twice; lost: "
            + ", ".join(f"{w.kind} {w.expect}" for w in lost[:10])
            + "; twice: " + ", ".join(str(v) for v in twice[:10])
        )
    return len(acked)


def main():
    random.seed(SEED)
    key = create_key()
    ledger = Ledger()
    startup_kills = mid_write_kills = unanswered_at_kill = integrity_checks = 0
    checked = 0
    started = time.monotonic()
    print(f"crash loop: {CYCLES} cycles, seed {SEED}, data in {DATA_DIR}", flush=True)
    for cycle in range(1, CYCLES + 1):
        server = Server()
        if random.random() < STARTUP_KILLS:
            time.sleep(random.uniform(0, 0.03))
            server.kill()
            startup_kills += 1
        else:
            server.wait_ready()
            stop = threading.Event()
            refusals = []
            threads = [threading.Thread(target=writer, args=(ledger, server.port, key, cycle, stop, refusals))
                       for _ in range(WRITERS)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0, MAX_KILL_MS / 1000))
            with ledger.lock:
                in_flight = ledger.in_flight
                pending_before = len(ledger.pending)
            server.kill()
            stop.set()
            for t in threads:
                t.join()
            if refusals:
                raise Failure("a write was refused: " + refusals[0])
            mid_write_kills += in_flight > 0
            unanswered_at_kill += len(ledger.pending) - pending_before
        integrity_check()
        integrity_checks += 1
        if cycle % CHECK_EVERY == 0 or cycle == CYCLES:
            checked = check_database(ledger)
            print(f"  cycle {cycle}: {ledger.sent} writes sent, {len(ledger.acked)} acknowledged, "
                  f"all {checked} found in the database, integrity ok "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
    checked = check_through_api(ledger, key)
    integrity_check()
    integrity_checks += 1
    elapsed = time.monotonic() - started
    print()
    print(f"cycles run:                     {CYCLES} ({startup_kills} killed while starting, "
          f"{mid_write_kills} with a write in flight)")
    print(f"writes sent (retries included): {ledger.sent}")
    print(f"writes acknowledged:            {len(ledger.acked)} "
          f"({ledger.retried_acked} after a retry, {ledger.replayed} of them replayed)")
    print(f"writes left unanswered by kill: {unanswered_at_kill} (retried with the same key)")
    print(f"writes checked (admin API):     {checked}")
    print(f"lost: 0, stored twice: 0; integrity_check ok {integrity_checks} times")
    print(f"took {elapsed:.0f} s, seed {SEED}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    except Failure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        if Server.running and Server.running.proc.poll() is None:
            Server.running.proc.kill()
