# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""pipeline.toml agrees with the code: what it asks for can be computed from its [config].

Template-owned. Checked without running anything, so a renamed function or a missing config key
is reported by name before a run gets as far as the stage that needs it.
"""

from {{ cookiecutter.package_name }}.dagwire.runtime.pipeline import (
    Pipeline,
)


def test_every_stage_output_can_be_computed(pipeline: Pipeline):
    """Every stage, and what `run` computes by default ([pipeline] outputs, else every value no
    other node uses), each checked on its own so that a failure names what to fix."""
    dr = pipeline.driver()
    plan = pipeline.plan()  # checks every name the stages list, per-item ones included
    per_item = {n for g in plan.groups if g.over for n in g.nodes}  # no single value to ask for
    requested = {f"stage {stage}": outputs for stage, outputs in pipeline.stages.items()}
    requested["the default outputs"] = plan.outputs
    problems = []
    for what, outputs in requested.items():
        try:
            dr.validate_execution([o for o in outputs if o not in per_item])
        except Exception as exc:  # report every broken stage, not only the first
            problems.append(f"{what}: {exc}")
    assert not problems, "\n".join(problems)
