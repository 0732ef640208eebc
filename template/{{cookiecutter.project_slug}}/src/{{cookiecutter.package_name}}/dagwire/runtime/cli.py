"""The plain runner: run a project's pipeline, list its nodes, draw its graph, inspect its runs,
and write the graph lock orchestrators build their tasks from.

A generated project's ``cli.py`` is one line over this module:

    def main(argv=None):
        return dagwire.cli.main(argv, package=__package__)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import tomllib
import traceback
from collections.abc import Sequence
from typing import Any, TextIO

from .. import visualize
from ..errors import DagwireError
from ..io.atomic import atomic_write
from ..messages import did_you_mean, format_duration, format_size, short_repr
from ..node import type_name
from .lock import LOCK_FILENAME, check_lock, lock_needed, lock_path, write_lock
from .pipeline import Pipeline
from .plan import Group, PlanError
from .records import RunError, group_record, list_runs, read_manifest
from .resume import resume_command, run_request
from .runs import RunGraph, new_run_id, run_pipeline


def main(argv: Sequence[str] | None = None, *, package: str) -> int:
    """Parse ``argv`` (default: the command line), run the command, return the exit code."""
    parser = _parser(package)
    args = parser.parse_args(argv)
    args.config = {key: _toml_value(value) for key, value in args.raw_set}
    args.package = package
    out = sys.stdout
    try:
        pipeline = Pipeline.load(package)
        code = args.handler(pipeline, args, out)
        out.flush()  # a closed pipe must surface here, where it is handled, not at exit
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())  # so the interpreter's final flush does not fail again
        return 141
    except Exception as exc:  # noqa: BLE001 - every failure ends as a message and exit code 1
        if args.traceback:
            traceback.print_exc()
        else:
            print(_describe(exc), file=sys.stderr)
            if not isinstance(exc, DagwireError):
                print("(add --traceback to see where it happened)", file=sys.stderr)
        return 1


# --- commands -------------------------------------------------------------------------------------
def _run(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    store = pipeline.store(args.artifacts)
    cache = pipeline.cache_path(store, args.cache)
    graph = RunGraph(pipeline, args.config, cache=cache)  # built once: the plan and every group
    _warn_about_unknown_settings(pipeline, args.config, graph.graph)
    plan = pipeline.plan(args.config, outputs=args.outputs, graph=graph.graph)
    run_id = args.run_id or new_run_id()
    started = time.perf_counter()
    header = [f"Run {run_id} of {pipeline.name}: artifacts in {store.run_uri(run_id)}"]

    def on_group(group: Group, event: str) -> None:
        while header:  # printed once the plan is known to be good
            print(header.pop(), file=out)
        if event != "running":
            record = group_record(store, run_id, plan, group.name) or {}
            _print_group(group.name, record, out, skipped=event == "skipped")

    try:
        result = run_pipeline(
            pipeline,
            run_id=run_id,
            store=store,
            config=args.config,
            stage=args.stage,
            outputs=args.outputs,
            on_group=on_group,
            graph=graph,
            plan=plan,
            request=_request(args),
        )
    except Exception:
        if not header:
            resume = resume_command(run_id, _request(args), artifacts=args.artifacts)
            print(
                f"Run {run_id} failed after {_since(started)}. Fix the problem and resume it "
                f"with: {resume}",
                file=out,
            )
            _write_report(store, run_id, out)
        raise
    if result.targets:
        print("Outputs:", file=out)
        for name in result.targets:
            print(f"  {_describe_output(name, result)}", file=out)
    print(
        f"Done in {_since(started)}: {len(result.ran)} group(s) ran, "
        f"{len(result.skipped)} already complete.",
        file=out,
    )
    _write_report(store, run_id, out)
    return 0


def _list(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    dr = pipeline.driver(args.config)
    owner = _group_of_nodes(pipeline, args.config, dr.graph)
    config = pipeline.effective_config(args.config)
    variables = dr.list_available_variables()
    nodes = [v for v in variables if not v.is_external_input and v.name not in config]
    inputs = [v for v in variables if v.is_external_input or v.name in config]
    print(f"Nodes of {pipeline.name} ({len(nodes)}):", file=out)
    for v in nodes:
        group = f"  [{owner[v.name]}]" if v.name in owner else ""
        print(f"  {v.name}: {type_name(v.type)}{group}", file=out)
        if v.documentation:
            print(f"      {v.documentation.splitlines()[0]}", file=out)
    if inputs:
        print(f"Inputs ({len(inputs)}):", file=out)
        for v in inputs:
            source = f" = {config[v.name]!r} (config)" if v.name in config else " (not set)"
            print(f"  {v.name}: {type_name(v.type)}{source}", file=out)
    return 0


def _group_of_nodes(pipeline: Pipeline, config: dict[str, Any], graph: Any) -> dict[str, str]:
    """Node -> the group (task) that runs it; empty, with a warning, if the stages are wrong."""
    try:
        plan = pipeline.plan(config, graph=graph)
    except PlanError as exc:
        print(f"warning: the stages cannot be planned: {exc}", file=sys.stderr)
        return {}
    return {n: g.name for g in plan.groups for n in g.nodes}


def _graph(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    graph = pipeline.driver(args.config).graph
    if args.format == "svg":
        groups = _group_of_nodes(pipeline, args.config, graph)
        text = visualize.to_svg(graph, groups=groups, title=pipeline.name) + "\n"
    else:
        text = (visualize.to_dot if args.format == "dot" else visualize.to_mermaid)(graph)
    if args.output is None:
        out.write(text)
        return 0
    with atomic_write(args.output) as file:
        file.write(text.encode("utf-8"))
    print(f"Wrote the graph ({args.format}) to {args.output}", file=out)
    return 0


def _runs(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    store = pipeline.store(args.artifacts)
    if args.run_id is None:
        runs = list_runs(store)
        if not runs:
            print(f"No runs under {store.root}.", file=out)
            return 0
        width = max(len(m["run_id"]) for m in runs)
        for m in runs:
            print(
                f"{m['run_id']:<{width}}  {m['status']:<10}  {m.get('created_at', '')}  "
                f"{m.get('pipeline', '')}",
                file=out,
            )
        return 0
    manifest = read_manifest(store, args.run_id)
    if manifest is None:
        known = [m["run_id"] for m in list_runs(store)][-5:]
        raise RunError(
            f"No run '{args.run_id}' under {store.root}."
            + (f" Recent runs: {', '.join(known)}." if known else "")
        )
    if args.json:
        json.dump(manifest, out, indent=2)
        out.write("\n")
        return 0
    print(f"Run {manifest['run_id']} of {manifest.get('pipeline')}: {manifest['status']}", file=out)
    print(f"  started {manifest.get('created_at')}, updated {manifest.get('updated_at')}", file=out)
    print(f"  config {json.dumps(manifest.get('config', {}))}", file=out)
    for planned in manifest.get("plan", {}).get("groups", []):
        record = manifest["groups"].get(planned["name"])
        if record is None:
            print(f"  {planned['name']}: not run", file=out)
        else:
            _print_group(planned["name"], record, out)
    return 0


def _report(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    from .report import newest_run, report_html, write_index, write_report

    store = pipeline.store(args.artifacts)
    run_id = args.run_id or newest_run(store)
    if args.output:
        with atomic_write(args.output) as file:
            file.write(report_html(store, run_id).encode("utf-8"))
        print(f"Report of run {run_id}: {args.output}", file=out)
        print(f"Index of runs: {write_index(store)}", file=out)
        return 0
    print(f"Report of run {run_id}: {write_report(store, run_id)}", file=out)
    print(f"Index of runs: {store.location('index.html')}", file=out)
    return 0


def _write_report(store: Any, run_id: str, out: TextIO) -> None:
    """The report of the run that just stopped; a report that cannot be written is a warning,
    never the run's outcome."""
    try:
        from .report import write_report

        print(f"Report: {write_report(store, run_id)}", file=out)
    except Exception as exc:  # noqa: BLE001 - the run's own result and error come first
        print(
            f"warning: the report of run {run_id} could not be written "
            f"({type(exc).__name__}: {exc}); try: report {shlex.quote(run_id)} --traceback",
            file=sys.stderr,
        )


def _lock(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    if args.check:
        if not lock_needed(args.package):
            print(
                f"Nothing to check: {pipeline.name} has no {LOCK_FILENAME} and needs none "
                "(only an Airflow DAG is built from a lock; this project has no Airflow DAG).",
                file=out,
            )
            return 0
        check_lock(pipeline, args.package)
        print(f"{lock_path(args.package)} is up to date.", file=out)
        return 0
    path = write_lock(pipeline, args.package)
    print(
        f"Wrote {path} ({len(pipeline.driver().graph.nodes)} nodes). Commit it: orchestrators "
        "that must not import the pipeline (Airflow's scheduler) build their tasks from it.",
        file=out,
    )
    return 0


# --- output ---------------------------------------------------------------------------------------
def _print_group(name: str, record: dict[str, Any], out: TextIO, *, skipped: bool = False) -> None:
    status = "skipped (already complete)" if skipped else record.get("status", "?")
    duration = "" if skipped else _seconds(record.get("duration_s"))
    print(f"  {name}: {status}{duration}", file=out)
    artifacts = record.get("artifacts", {})
    if record.get("over"):  # run once per item: what its items did, and where their values are
        done, count = record.get("items_completed"), record.get("items")
        print(f"    {done} of {count if count is not None else '?'} items completed", file=out)
        for node, ref in artifacts.items():
            files = len(ref.get("items", ()))
            size = _size(ref.get("size"))
            print(f"    {node:<24} -> {ref['uri']}/ ({files} files, {size})", file=out)
        error = record.get("error")
        if error:
            print(
                f"    item {error.get('item')}: node '{error.get('node')}' failed: "
                f"{error.get('type')}: {error.get('message')}",
                file=out,
            )
        return
    for node, entry in record.get("nodes", {}).items():
        status = "cached" if entry.get("from_cache") else entry.get("status", "?")
        line = f"    {node:<24} {status:<10}{_seconds(entry.get('duration_s'))}"
        ref = artifacts.get(node)
        if ref:
            line += f"  -> {ref['uri']} ({_size(ref.get('size'))})"
        print(line, file=out)
        error = entry.get("error")
        if error:
            print(f"      {error['type']}: {error['message']}", file=out)
    group_error = record.get("error")
    if group_error and group_error.get("node") is None:
        print(f"    error: {group_error['type']}: {group_error['message']}", file=out)


def _warn_about_unknown_settings(pipeline: Pipeline, config: dict[str, Any], graph: Any) -> None:
    """A mistyped --set key would otherwise be ignored in silence."""
    if not config:
        return
    known = {*pipeline.config, *graph.nodes, *graph.external_inputs}
    for key in config:
        if key not in known:
            print(
                f"warning: --set {key}: no config key, input or node of {pipeline.name} has "
                f"this name.{did_you_mean(key, sorted(known))}",
                file=sys.stderr,
            )


def _describe(exc: BaseException) -> str:
    message = str(exc) if isinstance(exc, DagwireError) else f"{type(exc).__name__}: {exc}"
    notes = getattr(exc, "__notes__", [])
    return "\n".join([f"error: {message}", *notes])


#: Outputs shown by value after a run: small JSON only, so a run on S3 or with a large DataFrame
#: or model does not download and deserialize its results just to print them.
_SHOWN_MAX_BYTES = 64 * 1024


def _describe_output(name: str, result: Any) -> str:
    ref = result.refs[name]
    where = f"{ref['uri']} ({_size(ref.get('size'))})"
    size = ref.get("size")
    if ref.get("serializer") == "json" and isinstance(size, int) and size < _SHOWN_MAX_BYTES:
        return f"{name} = {short_repr(result.load(name), 80)}  -> {where}"
    return f"{name} -> {where}"


def _since(started: float) -> str:
    return format_duration(time.perf_counter() - started)


def _seconds(value: float | None) -> str:
    return f"  {format_duration(value)}" if isinstance(value, (int, float)) else ""


def _size(size: int | None) -> str:
    return format_size(size)


def _request(args: argparse.Namespace) -> dict[str, Any]:
    """What this ``run`` was asked, as run.json records it and the resume command repeats it."""
    sets = [f"{key}={value}" for key, value in args.raw_set]
    return run_request(sets, stage=args.stage, outputs=args.outputs, cache=args.cache)


# --- arguments ------------------------------------------------------------------------------------
def _config_item(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def _toml_value(text: str) -> Any:
    """``3`` -> 3, ``0.5`` -> 0.5, ``true`` -> True, ``[1, 2]`` -> [1, 2]; else the text."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def _outputs(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one output name, e.g. --outputs a,b")
    return names


def _parser(package: str) -> argparse.ArgumentParser:
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else package
    if prog in ("__main__.py", "-c", ""):
        prog = f"python -m {package}"
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", help="show the traceback of errors")
    configured = argparse.ArgumentParser(add_help=False)
    configured.add_argument(
        "--set",
        dest="raw_set",
        action="append",
        type=_config_item,
        default=[],
        metavar="KEY=VALUE",
        help="override a config value (parsed as a TOML value, else text); repeatable",
    )
    stored = argparse.ArgumentParser(add_help=False)
    stored.add_argument(
        "--artifacts",
        metavar="ROOT",
        help="artifact root: folder or fsspec URL (default: $DAGWIRE_ARTIFACTS, "
        "else pipeline.toml [artifacts] root)",
    )

    parser = argparse.ArgumentParser(prog=prog, description="Run and inspect this pipeline.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        parents=[common, configured, stored],
        help="run the pipeline (or one stage, or some outputs)",
    )
    which = run.add_mutually_exclusive_group()
    which.add_argument("--stage", metavar="NAME", help="run this stage (and what it needs)")
    which.add_argument(
        "--outputs",
        type=_outputs,
        default=[],
        metavar="A,B",
        help="compute these outputs (and what they need)",
    )
    run.add_argument(
        "--run-id",
        metavar="ID",
        help="run id; an existing one is resumed, skipping complete groups",
    )
    run.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reuse node results from earlier runs when code and inputs are unchanged "
        "(default: pipeline.toml [cache] enabled)",
    )
    run.set_defaults(handler=_run)

    listing = commands.add_parser(
        "list", parents=[common, configured], help="list the nodes with their types and docs"
    )
    listing.set_defaults(handler=_list)

    graph = commands.add_parser(
        "graph",
        parents=[common, configured],
        help="print the graph as Mermaid or DOT text, or as an SVG picture",
    )
    graph.add_argument("--format", choices=("mermaid", "dot", "svg"), default="mermaid")
    graph.add_argument("--output", metavar="FILE", help="write it to FILE instead of printing it")
    graph.set_defaults(handler=_graph)

    lock = commands.add_parser(
        "lock",
        parents=[common],
        help="write pipeline.lock.json, the graph's shape that the Airflow DAG is built from",
    )
    lock.add_argument(
        "--check", action="store_true", help="only check that the lock is up to date (else exit 1)"
    )
    lock.set_defaults(handler=_lock)

    runs = commands.add_parser("runs", parents=[common, stored], help="list the runs, or show one")
    runs.add_argument("run_id", nargs="?", metavar="RUN_ID")
    runs.add_argument("--json", action="store_true", help="print the run's whole manifest")
    runs.set_defaults(handler=_runs)

    report = commands.add_parser(
        "report",
        parents=[common, stored],
        help="write a run's report.html into its folder, and the index of runs at the root",
    )
    report.add_argument("run_id", nargs="?", metavar="RUN_ID", help="default: the newest run")
    report.add_argument(
        "--output", metavar="FILE", help="write the page to FILE (a path or URL) instead"
    )
    report.set_defaults(handler=_report)

    parser.set_defaults(traceback=False, raw_set=[])
    return parser
