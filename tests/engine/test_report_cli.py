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
    assert "demo · run <code>a</code>" in (tmp_path / "a.html").read_text()


def test_report_of_an_unknown_run_names_the_runs_there(project, capsys, tmp_path):  # noqa: F811
    code, _, err = cli(capsys, project, "report")
    assert code == 1 and f"error: No runs under {tmp_path / 'artifacts'} yet" in err
    cli(capsys, project, "run", "--run-id", "first")
    code, _, err = cli(capsys, project, "report", "frist")
    assert code == 1 and "No run 'frist' under" in err and "The runs there: first." in err
