"""The reference pages against the code they describe, both ways: a command, option, pipeline.toml
table or key, or public engine name that its page does not document fails here, and so does one the
page documents that does not exist, so the reference cannot drift from the code either way.

Everything is read from the code (the CLI's argparse parser, pipeline.toml's table of tables, the
engine's classes and modules: their public members and `__all__`), never listed by hand, so a new
command, key or public name fails until it is documented.
"""

from __future__ import annotations

import argparse
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest
from dagwire import async_driver, base, driver, errors, function_modifiers, htypes, lifecycle
from dagwire.runtime import cli, pipeline, plan, settings

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"


def sections(page: str) -> dict[str, str]:
    """Each `## heading` of a reference page (backticks dropped) -> the text under it."""
    text = (REFERENCE / page).read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    return {heading.strip().strip("`"): body for heading, body in pairs}


def mentions(text: str, code: str) -> bool:
    """``code`` appears as inline code, alone or starting it (`--set KEY=VALUE`, `"threads"`)."""
    return re.search(r"`" + re.escape(code) + r"(?=[`\s=])", text) is not None


def inline_code(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def table_rows(text: str) -> list[list[str]]:
    """The cells of each Markdown table row in ``text`` (header rows included, rules left out)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip("|\n "))])
    return rows


def first_cell_codes(text: str) -> list[str]:
    """What the tables of ``text`` document: the inline code in the first cell of each row."""
    return [code for row in table_rows(text) for code in inline_code(row[0])]


def subsections(section: str) -> tuple[str, dict[str, str]]:
    """A `##` section's own text, and each of its `### heading`s -> the text under it."""
    parts = re.split(r"^### (.+)$", section, flags=re.M)
    return parts[0], dict(zip(parts[1::2], parts[2::2], strict=True))


# --- the command line ---------------------------------------------------------------------------
def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli._parser("my_pipeline")
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1, "the CLI should have one set of subcommands"
    return dict(actions[0].choices)


def documented_forms(action: argparse.Action) -> list[str]:
    """How the page must write an argument: each option string, or a positional's metavar, and
    an option with choices once per choice (`--format dot`)."""
    if not action.option_strings:
        return [action.metavar or action.dest.upper()]
    if action.choices:
        return [
            f"{option} {choice}" for option in action.option_strings for choice in action.choices
        ]
    return list(action.option_strings)


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_the_cli_reference_documents_every_option_of_each_command(command: str):
    section = sections("cli.md").get(command)
    assert section is not None, f"docs/reference/cli.md has no section `## \\`{command}\\``"
    parser = subcommands()[command]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        for form in documented_forms(action):
            assert mentions(section, form), f"`{command}`: docs/reference/cli.md lacks `{form}`"


def test_the_cli_reference_has_a_section_per_command_and_the_shared_options():
    page = sections("cli.md")
    assert set(subcommands()) <= set(page)
    assert mentions((REFERENCE / "cli.md").read_text(encoding="utf-8"), "--help")


def options_of(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def option_problem(parser: argparse.ArgumentParser, written: str) -> str | None:
    """What is wrong with an option as the page writes it (`--format svg`, `--set KEY=VALUE`):
    an option the command lacks, a choice it does not offer, a value it takes under another
    name or does not take at all; None when it is right."""
    option, _, value = written.partition(" ")
    action = options_of(parser).get(option)
    if action is None:
        return f"the command has no option {option}"
    if not value:
        return None
    if action.choices:
        return None if value in action.choices else f"{option} offers no choice {value!r}"
    if action.nargs == 0:
        return f"{option} takes no value"
    return None if value == action.metavar else f"{option}'s value is written {action.metavar}"


def test_the_cli_reference_documents_only_commands_that_exist():
    unknown = sorted(set(sections("cli.md")) - set(subcommands()))
    assert unknown == [], f"docs/reference/cli.md documents commands that do not exist: {unknown}"


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_the_cli_reference_documents_only_options_and_arguments_a_command_has(command: str):
    section = sections("cli.md")[command]
    parser = subcommands()[command]
    written = [code for code in inline_code(section) if code.startswith("-")]
    problems = [f"`{w}`: {option_problem(parser, w)}" for w in written if option_problem(parser, w)]
    positionals = {a.metavar or a.dest.upper() for a in parser._actions if not a.option_strings}
    arguments = [code for code in first_cell_codes(section) if not code.startswith("-")]
    problems += [
        f"`{a}`: the command takes no such argument" for a in arguments if a not in positionals
    ]
    assert problems == [], f"docs/reference/cli.md, `{command}`: " + "; ".join(problems)


def test_the_cli_reference_lists_exactly_the_commands_each_shared_option_belongs_to():
    shared = (REFERENCE / "cli.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    rows = [row for row in table_rows(shared) if inline_code(row[0])]
    assert rows, "docs/reference/cli.md lists no shared options before its first command"
    commands = subcommands()
    for row in rows:
        listed = set(commands) if row[1] == "all" else set(inline_code(row[1]))
        for written in inline_code(row[0]):
            option = written.split(" ")[0]
            having = {name for name, parser in commands.items() if option in options_of(parser)}
            assert listed == having, (
                f"docs/reference/cli.md: `{written}` is listed for {sorted(listed)}, but the "
                f"commands that have it are {sorted(having)}"
            )


# --- pipeline.toml ------------------------------------------------------------------------------
def test_the_pipeline_toml_reference_documents_every_table_and_key():
    page = sections("pipeline-toml.md")
    for table, keys in pipeline._TABLES.items():
        section = page.get(f"[{table}]")
        assert section is not None, f"docs/reference/pipeline-toml.md has no `## [{table}]`"
        for key in sorted(keys or ()):
            assert mentions(section, key), f"[{table}] {key} is not documented"


def orchestrator_tables() -> dict[str, str]:
    """Each orchestrator's settings table, by orchestrator: the `### The <orchestrator> table`
    subsections of `## [orchestrator]` (the orchestrator written as inline code)."""
    _, tables = subsections(sections("pipeline-toml.md")["[orchestrator]"])
    return {inline_code(heading)[0]: body for heading, body in tables.items()}


def test_the_pipeline_toml_reference_documents_stage_and_orchestrator_settings():
    page = sections("pipeline-toml.md")
    for key in ("outputs", *settings.TASK_SETTINGS):
        assert mentions(page["[stages]"], key), f"[stages.<name>] {key} is not documented"
    tables = orchestrator_tables()
    for orchestrator, keys in settings.ORCHESTRATOR_SETTINGS.items():
        table = tables.get(orchestrator)
        assert table is not None, (
            f"pipeline-toml.md, [orchestrator]: no `### The {orchestrator} table`"
        )
        for key in keys:
            assert mentions(table, key), f"{orchestrator} {key} is not documented"


def documented_keys() -> dict[str, tuple[str, set[str] | None]]:
    """Each table of the pipeline.toml page -> (its own text, the keys pipeline.toml allows in it,
    or None for any key)."""
    page = sections("pipeline-toml.md")
    allowed: dict[str, set[str] | None] = {f"[{t}]": keys for t, keys in pipeline._TABLES.items()}
    allowed["[stages]"] = {"outputs", *settings.TASK_SETTINGS}
    tables = {
        heading: (subsections(body)[0], allowed.get(heading)) for heading, body in page.items()
    }
    for orchestrator, body in orchestrator_tables().items():
        keys = settings.ORCHESTRATOR_SETTINGS.get(orchestrator, {})
        tables[f"[orchestrator] {orchestrator}"] = (body, set(keys))
    return tables


def test_the_pipeline_toml_reference_documents_only_tables_and_keys_that_exist():
    unknown_tables = sorted(
        set(sections("pipeline-toml.md")) - {f"[{t}]" for t in pipeline._TABLES}
    )
    assert unknown_tables == [], (
        f"pipeline-toml.md documents tables that do not exist: {unknown_tables}"
    )
    unknown_orchestrators = sorted(set(orchestrator_tables()) - set(settings.ORCHESTRATOR_SETTINGS))
    assert unknown_orchestrators == [], (
        f"pipeline-toml.md documents settings of orchestrators that have none: "
        f"{unknown_orchestrators}"
    )
    for table, (text, keys) in documented_keys().items():
        unknown = sorted(set(first_cell_codes(text)) - keys) if keys is not None else []
        assert unknown == [], (
            f"pipeline-toml.md, {table}, documents keys that do not exist: {unknown}"
        )


def test_the_pipeline_toml_reference_example_is_a_valid_pipeline_toml():
    """The example at the top of the page: every table and key it writes exists."""
    import tomllib

    text = (REFERENCE / "pipeline-toml.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, flags=re.S)
    assert example is not None, "pipeline-toml.md has no ```toml example"
    data = tomllib.loads(example.group(1))
    where = "docs/reference/pipeline-toml.md's example"
    pipeline._check_tables(data, where)
    stages = [s for s in data.get("stages", {}).values() if isinstance(s, dict)]
    for options in (data.get("orchestrator", {}), *stages):
        own = {k: v for k, v in options.items() if k not in ("outputs", "schedule")}
        settings.check_task_settings(own, where, AssertionError)


def test_the_pipeline_toml_reference_documents_every_choice_and_no_other():
    page = sections("pipeline-toml.md")
    for table, key, choices in (
        ("[pipeline]", "grouping", plan.GROUPINGS),
        ("[execution]", "executor", pipeline.EXECUTORS),
    ):
        rows = [row for row in table_rows(page[table]) if inline_code(row[0]) == [key]]
        assert len(rows) == 1, f"pipeline-toml.md, {table}: no one row for `{key}`"
        written = {code.strip('"') for code in inline_code(rows[0][1])}
        assert written == set(choices), (
            f"pipeline-toml.md, {table} {key}: the page gives {sorted(written)}, the code "
            f"accepts {sorted(choices)}"
        )


# --- the engine API -----------------------------------------------------------------------------
# Each surface (a class or a module) has its own section, the one whose `##`/`###` heading holds
# the surface as inline code (`## The driver: \`driver.Driver\``); it runs to the next `##`/`###`
# heading. A name is documented there only as inline code starting a table row, or in a `####`
# heading: a word elsewhere on the page (prose, a code example, another class's table) is not.


def public_members(cls: type) -> list[str]:
    return [name for name in dir(cls) if not name.startswith("_")]


def defined_classes(module: ModuleType, kind: type = object) -> list[str]:
    """The public classes ``module`` itself defines (not the ones it imports)."""
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and inspect.isclass(value)
        and issubclass(value, kind)
        and value.__module__ == module.__name__
    ]


ENGINE_SURFACE = {
    "driver.Driver": public_members(driver.Driver),
    "driver.Builder": public_members(driver.Builder),
    "async_driver.AsyncDriver": public_members(async_driver.AsyncDriver),
    "async_driver.Builder": public_members(async_driver.Builder),
    "function_modifiers": list(function_modifiers.__all__),
    "lifecycle": list(lifecycle.__all__),
    "base": list(base.__all__),
    "errors": defined_classes(errors, Exception),
    "htypes": list(htypes.__all__),
}


def surface_section(surface: str) -> str:
    """The text under the one `##`/`###` heading of engine-api.md that holds `surface`."""
    text = (REFERENCE / "engine-api.md").read_text(encoding="utf-8")
    parts = re.split(r"^#{2,3} (.+)$", text, flags=re.M)
    found = [
        body
        for heading, body in zip(parts[1::2], parts[2::2], strict=True)
        if f"`{surface}`" in heading
    ]
    assert len(found) == 1, (
        f"docs/reference/engine-api.md needs one `##` or `###` heading holding `{surface}`, "
        f"found {len(found)}"
    )
    return found[0]


def documented_names(section: str) -> list[str]:
    r"""The names a section documents: the identifier starting the inline code that starts a
    table row (`| \`execute(final_vars, ...)\` |`), or the first inline code of a `####` heading."""
    starts = re.findall(r"^\|\s*`([A-Za-z_]\w*)", section, flags=re.M)
    return starts + re.findall(r"^#{4,} [^`\n]*`([A-Za-z_]\w*)", section, flags=re.M)


@pytest.mark.parametrize("surface", sorted(ENGINE_SURFACE))
def test_the_engine_api_reference_documents_every_public_name_in_its_section(surface: str):
    names = ENGINE_SURFACE[surface]
    assert names, f"found no public names for {surface}"
    documented = documented_names(surface_section(surface))
    missing = [name for name in names if name not in documented]
    assert missing == [], (
        f"docs/reference/engine-api.md, section `{surface}`, does not document {missing}: add a "
        "table row per name that starts with it as inline code (| `name(arguments)` | ... |)"
    )


@pytest.mark.parametrize("surface", sorted(ENGINE_SURFACE))
def test_the_engine_api_reference_documents_only_names_that_exist(surface: str):
    documented = documented_names(surface_section(surface))
    unknown = sorted(set(documented) - set(ENGINE_SURFACE[surface]))
    assert unknown == [], (
        f"docs/reference/engine-api.md, section `{surface}` documents {unknown}, which "
        f"{surface} does not have; fix the name or move the row to its own section"
    )
