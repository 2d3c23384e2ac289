"""The deadline rush against the cluster (scripts/cluster up), bounded in time, with the render ceiling measured
in the same run:

    .venv/bin/python bench/load/run.py [--host http://127.0.0.1:58000] [--users 18] [--run-time 120]

1. WeasyPrint alone renders one step document (the approval's two-page Biên bản, as bench/pdf.py builds it) N
   times on this machine: the ceiling is cores ÷ that median time, the documents per second the machine could
   render if it did nothing else.
2. Locust drives the three roles (bench/load/locustfile.py) headless for --run-time seconds and stops by itself
   (the run is also killed 60 s after its deadline, whatever happens).
3. Per request name: count, errors, throughput, p50/p95/p99; then the steps that issue a document ("doc: …") per
   second against the ceiling (target ≥ 80 %) and the errors (target: none). The render is timed again after the
   load, to see how much the machine itself moved meanwhile.
With --stop PART (a part of scripts/cluster: consumer1, pg-replica, storage, app1…) that part is stopped
--stop-after seconds into the load and started again --restart-after seconds into it; /readyz through the proxy is
polled every 5 s meanwhile and printed, so what users saw can be told apart from before and after.
Exit status 0 when both targets are met, 1 otherwise. CSV files in --csv-dir (default /tmp/union-load).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))


def render_time(samples: int) -> float:
    """Median seconds for WeasyPrint alone to render the approval's Biên bản (HTML as issuing builds it)."""
    from bench.pdf import demo_app, html_issued_by, prepare, submitted_for_approval
    from workflow import clock
    from workflow.dossiers import documents
    from workflow.extensions import db
    from workflow.pdf import render

    app = demo_app("load-render-")
    with app.app_context():
        prepare()
        reviewer, dossier = submitted_for_approval()
        html = html_issued_by(lambda: documents.issue_for_event(reviewer, dossier, "approve", None, clock.today(),
                                                                reviewer.organisation))
        db.session.rollback()
        render.html_to_pdf(html)  # warm-up: fonts, stylesheet
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            render.html_to_pdf(html)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def ready(host: str) -> dict:
    try:
        with urllib.request.urlopen(f"{host}/readyz", timeout=10) as response:
            return json.loads(response.read())
    except Exception as error:  # noqa: BLE001
        raise SystemExit(f"{host}/readyz does not answer 200 ({error}); is the cluster up? scripts/cluster status"
                         ) from None


def run_locust(args, prefix: Path) -> int:
    command = [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "load" / "locustfile.py"),
               "--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "--run-time", f"{args.run_time}s",
               "-H", args.host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "15",
               "--loglevel", "WARNING"]
    print(f"locust: {args.users} users for {args.run_time} s against {args.host}", flush=True)
    log = open(prefix.with_suffix(".log"), "w")  # noqa: SIM115
    try:
        process = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                 timeout=args.run_time + 60, env={**os.environ, "PYTHONPATH": str(ROOT)})
        return process.returncode
    except subprocess.TimeoutExpired:
        print("locust did not stop by itself: killed", flush=True)
        return -1
    finally:
        log.close()


def outage(args, stop: threading.Event, notes: list[str]):
    """Stop a part of the cluster during the load, start it again, and note /readyz through the proxy."""
    cluster = str(ROOT / "scripts" / "cluster")
    started = time.monotonic()
    stopped = restarted = False
    while not stop.wait(1.0):
        now = time.monotonic() - started
        if not stopped and now >= args.stop_after:
            subprocess.run([cluster, "stop", args.stop], capture_output=True)
            notes.append(f"{now:5.0f} s  stopped {args.stop}")
            stopped = True
        if stopped and not restarted and now >= args.restart_after:
            result = subprocess.run([cluster, "start", args.stop], capture_output=True, text=True)
            notes.append(f"{time.monotonic() - started:5.0f} s  started {args.stop} again"
                         + ("" if result.returncode == 0 else f" (failed: {result.stdout[-200:]})"))
            restarted = True
        if int(now) % 5 == 0:
            try:
                with urllib.request.urlopen(f"{args.host}/readyz", timeout=10) as response:
                    body, status = json.loads(response.read()), response.status
            except urllib.error.HTTPError as error:
                body, status = json.loads(error.read() or b"{}"), error.code
            except Exception as error:  # noqa: BLE001
                body, status = {}, type(error).__name__
            failed = body.get("failed") or []
            queue = body.get("checks", {}).get("queue", {}).get("pending")
            notes.append(f"{now:5.0f} s  /readyz {status}" + (f" failed: {', '.join(failed)}" if failed else "")
                         + (f", queue {queue}" if queue is not None else ""))


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="http://127.0.0.1:58000")
    parser.add_argument("--users", type=int, default=18, help="2 reviewers, 1 province, the rest officers")
    parser.add_argument("--spawn-rate", type=float, default=6)
    parser.add_argument("--run-time", type=int, default=120, help="seconds")
    parser.add_argument("--renders", type=int, default=15, help="renders timed for the ceiling")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--csv-dir", default="/tmp/union-load")
    parser.add_argument("--target", type=float, default=0.8)
    parser.add_argument("--stop", help="a part of scripts/cluster to stop during the load (then start again)")
    parser.add_argument("--stop-after", type=float, default=20)
    parser.add_argument("--restart-after", type=float, default=50)
    args = parser.parse_args(argv)

    ready(args.host)
    before = render_time(args.renders)
    ceiling = args.cores / before
    print(f"render alone (Biên bản, median of {args.renders}): {before * 1000:.0f} ms; "
          f"ceiling {args.cores} cores ÷ render = {ceiling:.2f} documents/s", flush=True)

    folder = Path(args.csv_dir)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / time.strftime("load-%Y%m%d-%H%M%S")
    started = time.monotonic()
    notes: list[str] = []
    finished = threading.Event()
    watcher = threading.Thread(target=outage, args=(args, finished, notes), daemon=True) if args.stop else None
    if watcher:
        watcher.start()
    code = run_locust(args, prefix)
    elapsed = time.monotonic() - started
    finished.set()
    if watcher:
        watcher.join(timeout=60)
        print("\n" + "\n".join(notes))
    after = render_time(args.renders)

    rows = read_stats(prefix)
    total = next(r for r in rows if r["Name"] == "Aggregated")
    rows = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: r["Name"])
    print(f"\n{'request':34} {'count':>6} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for r in [*rows, total]:
        print(f"{r['Type'] + ' ' + r['Name'] if r['Type'] else r['Name']:34.34} {r['Request Count']:>6} "
              f"{r['Failure Count']:>6} {float(r['Requests/s']):6.2f} {r['50%']:>6} {r['95%']:>6} {r['99%']:>6}")
    docs = [r for r in rows if r["Name"].startswith("doc: ")]
    done = sum(int(r["Request Count"]) - int(r["Failure Count"]) for r in docs)
    # the locust run's own length (its csv rates), not counting the sign-ins' ramp-up nor the renders
    seconds = int(total["Request Count"]) / float(total["Requests/s"]) if float(total["Requests/s"]) else elapsed
    rate = done / seconds
    errors = int(total["Failure Count"])
    share = rate / ceiling
    print(f"\nthroughput: {float(total['Requests/s']):.2f} requests/s over {seconds:.0f} s; errors: {errors}")
    print(f"steps issuing a document: {done} in {seconds:.0f} s = {rate:.2f}/s; ceiling {ceiling:.2f}/s "
          f"({args.cores} cores ÷ {before * 1000:.0f} ms) -> {share:.0%} (target ≥ {args.target:.0%})")
    print(f"render alone after the load: {after * 1000:.0f} ms (before: {before * 1000:.0f} ms)")
    if errors:
        failures = Path(f"{prefix}_failures.csv")
        if failures.exists():
            print("\nerrors:\n" + failures.read_text()[:3000])
    print(f"\nCSV: {prefix}_stats.csv; locust's log: {prefix}.log")
    met = code == 0 and errors == 0 and share >= args.target
    print("targets met" if met else "targets NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
