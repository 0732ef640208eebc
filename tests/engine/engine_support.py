"""Helpers shared by the engine tests."""

import textwrap
import uuid
from pathlib import Path

from dagwire import driver
from dagwire.ad_hoc_utils import create_temporary_module

#: Tags the engine adds to nodes itself, as Apache Hamilton does.
ENGINE_TAGS = ("module", "hamilton.config")


def build(*fns, cfg=None, adapters=(), dynamic=False):
    """A driver over a temporary module of ``fns``, with config, adapters and dynamic execution
    when asked."""
    builder = driver.Builder().with_modules(create_temporary_module(*fns))
    builder = builder.with_config(cfg or {}).with_adapters(*adapters)
    if dynamic:
        builder = builder.enable_dynamic_execution(allow_experimental_mode=True)
    return builder.build()


def user_tags(node):
    """A node's tags without the ones the engine adds."""
    return {k: v for k, v in node.tags.items() if k not in ENGINE_TAGS}


def write_package(root, toml, modules, prefix="pkg_"):
    """A throwaway package under ``root``: ``pipeline.toml`` (unless None) and a ``transforms``
    subpackage with one module per ``{name: source}``; returns the package's name."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    package = root / name
    (package / "transforms").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "transforms" / "__init__.py").write_text("")
    if toml is not None:
        (package / "pipeline.toml").write_text(textwrap.dedent(toml))
    for module, code in modules.items():
        (package / "transforms" / f"{module}.py").write_text(textwrap.dedent(code))
    return name


#: Groups of one run that finish at the same moment, each in its own process (as Airflow runs
#: tasks): a module of WIDE_GROUPS independent nodes that sleep until a shared deadline.
WIDE_GROUPS = 6
WIDE_MODULE = "import time\n" + "".join(
    f"\n\ndef n{i}(deadline: float) -> int:\n"
    f"    time.sleep(max(0.0, deadline - time.time()))\n"
    f"    return {i}\n"
    for i in range(WIDE_GROUPS)
)
WIDE_TOML = f"""
    [pipeline]
    name = "wide"
    modules = ["transforms.wide"]
    outputs = {[f"n{i}" for i in range(WIDE_GROUPS)]}
    grouping = "nodes"

    [config]
    deadline = 0.0
"""
_RUN_ONE_GROUP = """
import json, sys
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.pipeline import Pipeline
from dagwire.runtime.runs import run_group

package, group, run_id, root, options, deadline = sys.argv[1:]
pipeline = Pipeline.load(package)
config = {"deadline": float(deadline)}
store = ArtifactStore(root, storage_options=json.loads(options) or None)
run_group(pipeline, pipeline.plan(config), group, run_id=run_id, store=store, config=config)
"""


def finish_together(package_root, package, root, run_id, storage_options=None, env=None):
    """Run every group of the wide pipeline in its own process, all finishing at one moment
    (none has opened the run before: their first writes race too)."""
    import json
    import os
    import subprocess
    import sys
    import time

    import dagwire

    paths = [str(package_root), str(Path(dagwire.__file__).parent.parent)]
    environment = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(paths)}
    deadline = time.time() + 2.0 + 0.5 * WIDE_GROUPS  # after every process has started
    options = json.dumps(storage_options or {})
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _RUN_ONE_GROUP,
                package,
                f"n{i}",
                run_id,
                root,
                options,
                str(deadline),
            ],  # fmt: skip
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WIDE_GROUPS)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert time.time() > deadline
