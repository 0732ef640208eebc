"""The report on the command line: `run` writes it when it stops (also when it failed), and
`report [RUN_ID] [--output FILE]` writes it again, for the newest run by default."""

from test_cli import cli, project  # noqa: F401 - the throwaway project fixture


def test_run_writes_the_report_and_the_index_when_it_stops(project, capsys, tmp_path):  # noqa: F811
    code, out, _ = cli(capsys, project, "run", "--run-id", "ok")
    report = tmp_path / "artifacts" / "ok" / "report.html"
    assert code == 0 and out.endswith(f"Report: {report}\n")
    assert "demo · run <code>ok</code>" in report.read_text()
    assert 'href="ok/report.html"' in (tmp_path / "artifacts" / "index.html").read_text()

    code, out, err = cli(capsys, project, "run", "--run-id", "bad", "--set", "fail_in=model")
    report = tmp_path / "artifacts" / "bad" / "report.html"
    assert code == 1 and f"Report: {report}\n" in out and "the model diverged" in err
    page = report.read_text()
    assert "the model diverged" in page and "--run-id bad --set fail_in=model" in page


def test_report_writes_the_newest_run_by_default_or_the_one_named(project, capsys, tmp_path):  # noqa: F811
    cli(capsys, project, "run", "--run-id", "a")
    cli(capsys, project, "run", "--run-id", "b")
    root = tmp_path / "artifacts"
    (root / "b" / "report.html").unlink()
    code, out, err = cli(capsys, project, "report")
    assert (code, err) == (0, "")
    assert (
        out
        == f"Report of run b: {root / 'b' / 'report.html'}\nIndex of runs: {root / 'index.html'}\n"
    )
    assert (root / "b" / "report.html").exists()
    code, out, _ = cli(capsys, project, "report", "a", "--output", str(tmp_path / "a.html"))
    assert code == 0 and out.startswith(f"Report of run a: {tmp_path / 'a.html'}\n")
    page = (tmp_path / "a.html").read_text()
    assert "demo · run <code>a</code>" in page
    index = (root / "index.html").resolve()  # the "all runs" link works from another folder
    assert f'<a href="{index.as_uri()}">all runs</a>' in page and index.exists()
    assert '<a href="../index.html">all runs</a>' in (root / "b" / "report.html").read_text()


def test_report_of_an_unknown_run_names_the_runs_there(project, capsys, tmp_path):  # noqa: F811
    code, _, err = cli(capsys, project, "report")
    assert code == 1 and f"error: No runs under {tmp_path / 'artifacts'} yet" in err
    cli(capsys, project, "run", "--run-id", "first")
    code, _, err = cli(capsys, project, "report", "frist")
    assert code == 1 and "No run 'frist' under" in err and "The runs there: first." in err


def test_the_reports_resume_command_and_the_clis_resume_the_run_as_it_was_asked(
    project,  # noqa: F811
    capsys,
    tmp_path,
):
    """Both commands repeat --outputs and --no-cache, and the --set texts as typed (an inline
    table, nan), so that run back they resume the same run instead of being refused."""
    import html
    import importlib
    import json
    import shlex
    import sys

    from dagwire.runtime.cli import main

    asked = ["--no-cache", "--outputs", "model", "--set", "fail_in=model"]
    asked += ["--set", "label={a = 1, b = 'x'}", "--set", "scale=nan"]
    code, out, _ = cli(capsys, project, "run", "--run-id", "r", *asked)
    assert code == 1
    printed = out.split("resume it with: ")[1].splitlines()[0]
    page = (tmp_path / "artifacts" / "r" / "report.html").read_text()
    shown = html.unescape(page.split('<pre class="resume">')[1].split("</pre>")[0])
    assert shown.startswith(f"python -m {project} run ")  # no console script in this test

    train = tmp_path / "src" / project / "transforms" / "train.py"  # fix the problem
    train.write_text(train.read_text().replace('raise ValueError("the model diverged")', "pass"))
    for name in [m for m in sys.modules if m.startswith(project)]:
        del sys.modules[name]
    importlib.invalidate_caches()

    words = shlex.split(shown)
    argv = words[words.index("run") :]
    assert main(argv, package=project) == 0
    out = capsys.readouterr().out
    assert "prepare: skipped (already complete)" in out and "train: completed" in out
    manifest = json.loads((tmp_path / "artifacts" / "r" / "manifest.json").read_text())
    assert "evaluate" not in manifest["groups"]  # --outputs model was repeated
    assert manifest["request"]["cache"] is False
    root = ["--artifacts", str(tmp_path / "artifacts")]  # the CLI's message omits the default
    assert shlex.split(printed) == [w for w in argv if w not in root]


def test_a_run_no_command_line_started_resumes_with_set_values_that_read_back_equal():
    """An orchestrator's run has no recorded request: its config is written back as TOML."""
    import math
    import shlex

    from dagwire.runtime.cli import _toml_value
    from dagwire.runtime.resume import request_from_overrides, resume_command

    config = {"t": {"a": 1, "b c": ["x", 2.5]}, "s": "plain", "n": "1", "f": math.inf, "z": False}
    words = shlex.split(resume_command("r", request_from_overrides(config), artifacts=None))
    read = dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "--set")
    assert {k: _toml_value(v) for k, v in read.items()} == config
    (text,) = request_from_overrides({"x": math.nan})["set"]
    assert math.isnan(_toml_value(text.split("=", 1)[1]))


def test_the_reports_resume_command_uses_the_projects_console_script_when_installed(monkeypatch):
    """As the project's docs do: `uv run <script>` when the package installs one."""
    from importlib import metadata

    from dagwire.runtime import resume

    script = metadata.EntryPoint("my-pipeline", "my_pipeline.cli:main", "console_scripts")
    monkeypatch.setattr(metadata, "entry_points", lambda group: [script])
    resume.program.cache_clear()
    assert resume.program("my_pipeline") == "uv run my-pipeline"
    assert resume.program("other_package") == "python -m other_package"
    resume.program.cache_clear()
