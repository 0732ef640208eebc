"""The reference pages against the code they describe: a command, option, pipeline.toml key or
public engine name that the page does not mention fails here, so the reference cannot drift.

Everything is read from the code (the CLI's argparse parser, pipeline.toml's table of tables, the
engine's public classes), never listed by hand, so a new command or key fails until documented.
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


# --- pipeline.toml ------------------------------------------------------------------------------
def test_the_pipeline_toml_reference_documents_every_table_and_key():
    page = sections("pipeline-toml.md")
    for table, keys in pipeline._TABLES.items():
        section = page.get(f"[{table}]")
        assert section is not None, f"docs/reference/pipeline-toml.md has no `## [{table}]`"
        for key in sorted(keys or ()):
            assert mentions(section, key), f"[{table}] {key} is not documented"


def test_the_pipeline_toml_reference_documents_stage_and_orchestrator_settings():
    page = sections("pipeline-toml.md")
    for key in ("outputs", *settings.TASK_SETTINGS):
        assert mentions(page["[stages]"], key), f"[stages.<name>] {key} is not documented"
    for orchestrator, keys in settings.ORCHESTRATOR_SETTINGS.items():
        for key in keys:
            assert mentions(page["[orchestrator]"], key), f"{orchestrator} {key} is not documented"


def test_the_pipeline_toml_reference_documents_every_choice():
    page = sections("pipeline-toml.md")
    for grouping in plan.GROUPINGS:
        assert mentions(page["[pipeline]"], f'"{grouping}"'), f"grouping {grouping!r}"
    for executor in pipeline.EXECUTORS:
        assert mentions(page["[execution]"], f'"{executor}"'), f"executor {executor!r}"


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
