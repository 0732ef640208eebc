"""Real services for tests and benchmarks: Airflow, a Prefect server, an S3-compatible server.

Every service listens on 127.0.0.1 only, every wait is bounded and fails with the tail of the
service's log, and every process is started in a session of its own and stopped by its id: the
whole session (the process, the workers it forked, their children) is signalled and then checked
empty, so nothing outlives a test. Nothing here knows about pytest; a benchmark can use it too.

    with Airflow(python_bin, home, dags_folder, env, scheduler_env) as airflow:
        airflow.unpause("my_pipeline")
        run_id = airflow.trigger("my_pipeline", conf={"test_size": 0.3})
        airflow.wait_for_run("my_pipeline", run_id)    # "success" or "failed"
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
LOOPBACK = "127.0.0.1"


class ServiceError(AssertionError):
    """A service did not start, died, or a wait on it ran out; the message holds its log."""


def free_port() -> int:
    """A port free on the loopback interface now (the service binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def get_json(url: str, timeout: float = 5) -> Any:
    """The JSON at ``url``, or None while the service cannot answer (not up, or an error)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return json.load(response)
    except (OSError, ValueError, urllib.error.URLError):
        return None


class Service:
    """One background process in a session of its own, its output in ``<log_dir>/<name>.log``."""

    def __init__(
        self, name: str, cmd: list[str], *, env: Mapping[str, str], cwd: Path, log_dir: Path
    ) -> None:
        self.name, self.cmd = name, cmd
        self.log = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid = self.process.pid  # also its session's and process group's id

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.log} ({' '.join(self.cmd[:3])} ...) ---\n" + "\n".join(
            text.splitlines()[-lines:]
        )

    def stop(self, timeout: float = 20) -> list[int]:
        """Stop the process and everything in its session; return the pids that had to be killed
        one by one (they escaped the process group: a stray to report)."""
        _signal_group(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        deadline = time.monotonic() + timeout  # workers may outlive their parent a moment
        while session_members(self.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        _signal_group(self.pid, signal.SIGKILL)
        strays = session_members(self.pid)
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return strays


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def session_members(sid: int) -> list[int]:
    """The live processes of session ``sid`` (Linux /proc; elsewhere nothing can be checked)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:  # state, ppid, pgrp, session
            members.append(int(stat.parent.name))
    return members


def wait_for(
    condition: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    services: tuple[Service, ...] = (),
    every: float = 1.0,
) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds, or as
    soon as one of ``services`` dies, with the tail of their logs."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        dead = [s for s in services if not s.alive()]
        if dead or time.monotonic() > deadline:
            why = f"{dead[0].name} exited" if dead else f"not done after {timeout:.0f} s"
            logs = "\n".join(s.tail() for s in services)
            raise ServiceError(f"Waiting for {what}: {why}.\n{logs}")
        time.sleep(every)


class Services:
    """Services started together and stopped together, in reverse order, each by its id."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Service] = []
        self.strays: list[int] = []

    def start(self, name: str, cmd: list[str], env: Mapping[str, str], cwd: Path) -> Service:
        service = Service(name, cmd, env=env, cwd=cwd, log_dir=self.log_dir)
        self.started.append(service)
        return service

    def stop(self) -> None:
        while self.started:
            self.strays += self.started.pop().stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_command(
    cmd: list[str], *, env: Mapping[str, str], cwd: Path, timeout: float, services=()
) -> str:
    """Run a command line to the end; fail with its output (and the services' logs)."""
    try:
        done = subprocess.run(
            cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        logs = "\n".join(s.tail() for s in services)
        raise ServiceError(f"`{' '.join(cmd)}` took over {timeout:.0f} s\n{logs}") from exc
    if done.returncode:
        logs = "\n".join(s.tail() for s in services)
        raise ServiceError(
            f"`{' '.join(cmd)}` exited {done.returncode}\n--- stdout ---\n{done.stdout}\n"
            f"--- stderr ---\n{done.stderr}\n{logs}"
        )
    return done.stdout


# --- S3 ----------------------------------------------------------------------------------------
@contextmanager
def s3_server() -> Iterator[dict[str, str]]:
    """A moto S3 server on 127.0.0.1 (a thread of this process, reachable from any process);
    yields s3fs storage options: ``endpoint_url``, ``key``, ``secret``."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield {"endpoint_url": f"http://{host}:{port}", "key": "testing", "secret": "testing"}
    finally:
        server.stop()


def s3_env(options: Mapping[str, str]) -> dict[str, str]:
    """The environment that points boto/s3fs in another process at that server."""
    return {
        "AWS_ENDPOINT_URL_S3": options["endpoint_url"],
        "AWS_ACCESS_KEY_ID": options["key"],
        "AWS_SECRET_ACCESS_KEY": options["secret"],
        "AWS_DEFAULT_REGION": "us-east-1",
    }


class _Deployment:
    """Services started together (``start``), stopped together by their ids (``stop``)."""

    services: Services

    def start(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> tuple[Service, ...]:
        return tuple(self.services.started)

    def stop(self) -> None:
        self.services.stop()


# --- Airflow -----------------------------------------------------------------------------------
class Airflow(_Deployment):
    """Airflow 3 for one DAG folder: api-server, scheduler and dag-processor on loopback, the
    LocalExecutor with ``parallelism`` slots, SQLite under ``home``.

    ``bin_dir`` holds the ``airflow`` command of the environment the project is installed in.
    ``scheduler_env`` goes to the scheduler only: with the LocalExecutor it launches the tasks, so
    its environment is the workers' (artifact root, credentials).
    """

    def __init__(
        self,
        bin_dir: Path,
        home: Path,
        dags_folder: Path,
        env: Mapping[str, str],
        scheduler_env: Mapping[str, str] = {},
        *,
        parallelism: int = 2,
        timeout: float = 180,
    ) -> None:
        self.bin_dir, self.airflow = bin_dir, str(bin_dir / "airflow")
        self.home, self.timeout = home, timeout
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.env = dict(env) | {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            "AIRFLOW__API__HOST": LOOPBACK,
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,  # one secret for every process
            # reads of the REST API (polling) need no login; the services stay on loopback
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        }
        self.scheduler_env = self.env | dict(scheduler_env)
        self.services = Services(home / "service-logs")

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.cli("db", "migrate", timeout=self.timeout)
        start = self.services.start
        start("api-server", [self.airflow, "api-server"], self.env, self.home)
        # without --skip-serve-logs the scheduler opens a log server on 0.0.0.0:8793
        start(
            "scheduler",
            [self.airflow, "scheduler", "--skip-serve-logs"],
            self.scheduler_env,
            self.home,
        )
        start("dag-processor", [self.airflow, "dag-processor"], self.env, self.home)
        wait_for(
            self._healthy,
            timeout=self.timeout,
            what=f"Airflow at {self.url}",
            services=self.running,
        )

    def _healthy(self) -> bool:
        health = get_json(f"{self.url}/api/v2/monitor/health") or {}
        parts = ("metadatabase", "scheduler", "dag_processor")
        return all((health.get(p) or {}).get("status") == "healthy" for p in parts)

    def cli(self, *args: str, timeout: float = 120) -> str:
        """``airflow <args>`` in the services' environment; fails with its output and the logs."""
        cmd = [self.airflow, *args]
        return run_command(cmd, env=self.env, cwd=self.home, timeout=timeout, services=self.running)

    def api(self, path: str) -> Any:
        return get_json(f"{self.url}/api/v2/{path.lstrip('/')}")

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict[str, Any]:
        """The DAG once the dag-processor has parsed it (fails with its import errors)."""

        def parsed() -> dict[str, Any] | None:
            errors = (self.api("importErrors") or {}).get("import_errors") or []
            if errors:
                raise ServiceError(f"DAG import errors: {json.dumps(errors, indent=1)}")
            return self.api(f"dags/{dag_id}")

        return wait_for(parsed, timeout=timeout, what=f"DAG {dag_id} parsed", services=self.running)

    def unpause(self, dag_id: str) -> None:
        self.wait_for_dag(dag_id)
        self.cli("dags", "unpause", dag_id)

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        """``airflow dags trigger``; the new run's id (the newest run after triggering)."""
        args = ["dags", "trigger", dag_id, "-o", "json"]
        if conf is not None:
            args += ["--conf", json.dumps(conf)]
        out = self.cli(*args)
        rows = _json_rows(out)
        return rows[0]["dag_run_id"]

    def list_runs(self, dag_id: str) -> dict[str, dict[str, Any]]:
        """``airflow dags list-runs -o json``, by run id."""
        return {
            r["run_id"]: r for r in _json_rows(self.cli("dags", "list-runs", dag_id, "-o", "json"))
        }

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """The run as the REST API shows it (state, conf, ...); empty while it cannot answer."""
        return self.api(f"dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}") or {}

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        return self.dag_run(dag_id, run_id).get("state")

    def wait_for_run(
        self, dag_id: str, run_id: str, timeout: float = 240, done=("success", "failed")
    ) -> str:
        """Poll the run (REST API: the CLI takes seconds to start) until its state is in
        ``done``."""
        return wait_for(
            lambda: (state := self.run_state(dag_id, run_id)) in done and state,
            timeout=timeout,
            what=f"run {run_id} of {dag_id} to end ({' or '.join(done)})",
            services=self.running,
        )

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        """``airflow tasks states-for-dag-run -o json``: task id -> state (mapped tasks: their
        instances as ``task[index]``)."""
        out = self.cli("tasks", "states-for-dag-run", dag_id, run_id, "-o", "json")
        states = {}
        for row in _json_rows(out):
            index = row.get("map_index")
            unmapped = index in (None, -1, "-1", "")  # the CLI prints "" for unmapped tasks
            key = row["task_id"] if unmapped else f"{row['task_id']}[{index}]"
            states[key] = row["state"]
        return states

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, str]:
        """What ``task_states`` says, from the REST API (instant; the CLI takes seconds)."""
        quoted = urllib.request.quote(run_id, safe="")
        found = self.api(f"dags/{dag_id}/dagRuns/{quoted}/taskInstances") or {}
        states = {}
        for instance in found.get("task_instances", []):
            task, index = instance["task_id"], instance.get("map_index", -1)
            states[task if index == -1 else f"{task}[{index}]"] = instance["state"]
        return states

    def clear_failed(self, dag_id: str) -> None:
        """``airflow tasks clear <dag> -f -y``: what resumes a manual run on Airflow 3.3."""
        self.cli("tasks", "clear", dag_id, "--only-failed", "--yes")

    def task_logs(
        self, dag_id: str, run_id: str, task_id: str, map_index: int | None = None
    ) -> dict[int, str]:
        """The task's log files under AIRFLOW_HOME/logs, by attempt number (of one instance of
        a mapped task with ``map_index``)."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        if map_index is not None:
            folder /= f"map_index={map_index}"
        return {
            int(m[1]): path.read_text(encoding="utf-8", errors="replace")
            for path in folder.glob("attempt=*.log")
            if (m := re.fullmatch(r"attempt=(\d+)\.log", path.name))
        }


def _json_rows(output: str) -> list[dict[str, Any]]:
    """The JSON list an ``airflow ... -o json`` command prints (among log lines)."""
    for line in output.splitlines():
        if line.startswith(("[{", "[]")):
            return json.loads(line)
    raise ServiceError(f"No JSON list in the command's output:\n{output}")


# --- Prefect -----------------------------------------------------------------------------------
class Prefect(_Deployment):
    """A Prefect server on loopback (SQLite under ``home``) and the processes that serve flows.

    ``bin_dir`` holds the ``prefect`` command; ``env`` is the environment of every process,
    ``PREFECT_API_URL`` pointing at the server is added to it.
    """

    def __init__(
        self, bin_dir: Path, home: Path, env: Mapping[str, str], *, timeout: float = 180
    ) -> None:
        self.bin_dir, self.prefect = bin_dir, str(bin_dir / "prefect")
        self.home, self.timeout = home, timeout
        self.port = free_port()
        self.api_url = f"http://{LOOPBACK}:{self.port}/api"
        self.env = dict(env) | {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "COLUMNS": "300",  # the CLI's tables: whole ids, not "0a1b…"
        }
        self.services = Services(home / "service-logs")

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        cmd = [self.prefect, "server", "start", "--host", LOOPBACK, "--port", str(self.port)]
        self.services.start("server", cmd, self.env, self.home)
        wait_for(
            lambda: get_json(f"{self.api_url}/health") is True,
            timeout=self.timeout,
            what=f"the Prefect server at {self.api_url}",
            services=self.running,
        )

    def serve(
        self, cmd: list[str], cwd: Path, deployment: str, env: Mapping[str, str] = {}
    ) -> Service:
        """Start ``cmd`` (e.g. ``python -m pkg.prefect_flow serve``) with ``env`` on top of the
        server's, and wait until it has registered ``deployment`` ("flow/deployment")."""
        name = f"serve-{len(self.services.started)}"
        service = self.services.start(name, cmd, self.env | dict(env), cwd)
        quoted = urllib.request.quote(deployment)
        wait_for(
            lambda: get_json(f"{self.api_url}/deployments/name/{quoted}"),
            timeout=self.timeout,
            what=f"deployment {deployment} served",
            services=self.running,
        )
        return service

    def cli(self, *args: str, timeout: float = 120) -> str:
        cmd = [self.prefect, *args]
        return run_command(cmd, env=self.env, cwd=self.home, timeout=timeout, services=self.running)

    def run_deployment(self, deployment: str, params: Mapping[str, Any] = {}) -> str:
        """``prefect deployment run <flow/deployment> --param k=v``; the flow run's id."""
        args = ["deployment", "run", deployment]
        for key, value in params.items():
            args += ["--param", f"{key}={json.dumps(value)}"]
        out = self.cli(*args)
        found = re.search(r"UUID:\s*([0-9a-f-]{36})", out)
        if not found:
            raise ServiceError(f"No flow run id in the output of prefect {' '.join(args)}:\n{out}")
        return found[1]

    def flow_run(self, flow_run_id: str) -> dict[str, Any]:
        return get_json(f"{self.api_url}/flow_runs/{flow_run_id}") or {}

    def wait_for_flow_run(
        self, flow_run_id: str, timeout: float = 240, done=("COMPLETED", "FAILED", "CRASHED")
    ) -> str:
        """Poll the flow run (REST API) until its state type is in ``done``."""
        return wait_for(
            lambda: (state := self.flow_run(flow_run_id).get("state_type")) in done and state,
            timeout=timeout,
            what=f"flow run {flow_run_id} to end ({' or '.join(done)})",
            services=self.running,
        )

    def task_runs(self, flow_run_id: str) -> list[dict[str, Any]]:
        """The flow run's task runs (name, state_type, run_count, ...), from the REST API."""
        return self._filter("task_runs", {"flow_runs": {"id": {"any_": [flow_run_id]}}})

    def artifacts(self, flow_run_id: str) -> dict[str, str]:
        """The flow run's artifacts, key -> data of the newest one with that key (REST API)."""
        body = {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "CREATED_DESC"}
        newest_first = self._filter("artifacts", body)
        return {a["key"]: a["data"] for a in reversed(newest_first)}

    def _filter(self, kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.api_url}/{kind}/filter",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return json.load(response)

    def retry(self, flow_run_id: str) -> None:
        """``prefect flow-run retry <id>``: the same flow run, scheduled again."""
        self.cli("flow-run", "retry", flow_run_id)

    def logs(self, flow_run_id: str) -> str:
        return self.cli("flow-run", "logs", flow_run_id)
