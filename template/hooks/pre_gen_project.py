"""cookiecutter's and cruft's check of the answers, before anything is written; the template's
generation rules in Python (what an answer may be, and what it leaves out of the project).

copier.yml states the same rules as Jinja validators (copier runs no Python without ``--trust``);
tests/template feeds both the same answers and requires the same verdict and the same words. Each
``*_error`` function returns the message to show, or ``None`` when the answer is fine.

This file is whole in itself: cookiecutter copies a hook to a temporary file, renders it with Jinja
(which puts the answers into ``_COOKIECUTTER_ANSWERS``) and runs it, and Backstage fetches only the
``template/`` folder. Tests and tools import it through ``hooks/dagwire_hooks.py``.
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
import sys
from pathlib import Path

# The questions, in the order copier asks them (the first bad answer is the one reported), their
# defaults (project_slug and package_name are derived, see with_defaults) and fixed choices.
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
DEFAULTS = {
    "project_name": "My Pipeline",
    "description": "A data pipeline built on the dagwire engine.",
    "author_name": "Your Name",
    "author_email": "you@example.com",
    "python_version": PYTHON_VERSIONS[0],
    "orchestrator": "plain",
    "license": "MIT",
    "ci": "github",
}
CHOICES = {
    "python_version": PYTHON_VERSIONS,
    "orchestrator": ("plain", "airflow", "prefect"),
    "license": ("MIT", "Apache-2.0", "BSD-3-Clause", "proprietary"),
    "ci": ("github", "none"),
}
QUESTIONS = (
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "python_version",
    "orchestrator",
    "license",
    "ci",
)

# Long enough for any real name, short enough that generated import lines stay within 100 columns.
MAX_PACKAGE_NAME = 50

# Union of sys.stdlib_module_names for Python 3.11-3.13, lowercased, without the private
# "_name" modules (the identifier rule already refuses a leading underscore). A package with one
# of these names would shadow the standard library for everything in its environment.
STDLIB_MODULE_NAMES = frozenset(
    """
    abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb
    binascii bisect builtins bz2 calendar cgi cgitb chunk cmath cmd code codecs codeop collections
    colorsys compileall concurrent configparser contextlib contextvars copy copyreg cprofile crypt
    csv ctypes curses dataclasses datetime dbm decimal difflib dis distutils doctest email encodings
    ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc
    genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib
    imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3 linecache
    locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt
    multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse os
    ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix
    posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri
    random re readline reprlib resource rlcompleter runpy sched secrets select selectors shelve
    shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3 sre_compile
    sre_constants sre_parse ssl stat statistics string stringprep struct subprocess sunau symtable
    sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap this threading time
    timeit tkinter token tokenize tomllib trace traceback tracemalloc tty turtle turtledemo types
    typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser winreg winsound
    wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
    """.split()
)

# Top-level names the generated project imports besides the standard library: the vendored engine,
# the example pipeline's dependencies (and their test runner) and the orchestrators' packages.
# Taking one breaks the project (`from airflow.sdk import ...` would import the project itself).
RESERVED_PACKAGE_NAMES = frozenset(
    "airflow dagwire fastapi joblib numpy pandas prefect pyarrow pytest scipy sklearn tests "
    "threadpoolctl".split()
)

# Latin letters with diacritics and their plain forms, so "Données Ünïcode" slugs to
# "donnees-unicode" instead of losing letters ("ß" becomes "ss" first). copier.yml carries the same
# two strings.
ACCENTED = "àáâãäåāăąçćčďèéêëēęěğìíîïīıłñńňòóôõöøōőŕřśşšţťùúûüūůűýÿźżž"
PLAIN = "aaaaaaaaacccdeeeeeeegiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz"

_SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def slugify(project_name: str) -> str:
    """Kebab-case ASCII name derived from the human project name (the default project_slug)."""
    plain = project_name.lower().replace("ß", "ss").translate(str.maketrans(ACCENTED, PLAIN))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def package_name(project_slug: str) -> str:
    """Import name derived from the slug (the default package_name)."""
    return project_slug.replace("-", "_")


def text_error(question: str, value: str) -> str | None:
    """Free text ends up in TOML, YAML and Markdown: it must stay on one line."""
    if _CONTROL.search(value):
        return f"{question} contains a line break or control character; use one line of plain text"
    return None


def name_error(question: str, value: str, example: str) -> str | None:
    """A required one-line name (project_name, author_name)."""
    if not value.strip():
        return f"{question} is empty; write a name, e.g. '{example}'"
    return text_error(question, value)


def project_slug_error(slug: str) -> str | None:
    if not _SLUG.fullmatch(slug):
        return (
            f"project_slug '{slug}' is not valid kebab-case: use lowercase ASCII letters, digits "
            "and single hyphens, starting with a letter (e.g. 'churn-model')"
        )
    return None


def package_name_error(name: str) -> str | None:
    if not _PACKAGE.fullmatch(name):
        return (
            f"package_name '{name}' is not a valid package name: use lowercase ASCII letters, "
            "digits and underscores, starting with a letter (e.g. 'churn_model')"
        )
    if len(name) > MAX_PACKAGE_NAME:
        return (
            f"package_name '{name}' is longer than {MAX_PACKAGE_NAME} characters; "
            "choose a shorter name"
        )
    if keyword.iskeyword(name):
        return (
            f"package_name '{name}' is a Python keyword and could never be imported; "
            f"choose another name, e.g. '{name}_pipeline'"
        )
    if name in STDLIB_MODULE_NAMES:
        return (
            f"package_name '{name}' would shadow the standard-library module '{name}'; "
            f"choose another name, e.g. '{name}_pipeline'"
        )
    if name in RESERVED_PACKAGE_NAMES:
        return (
            f"package_name '{name}' would shadow '{name}', which the generated project imports; "
            f"choose another name, e.g. '{name}_pipeline'"
        )
    return None


def email_error(email: str) -> str | None:
    if not _EMAIL.fullmatch(email):
        return f"author_email '{email}' is not an email address like 'jane@example.com'"
    return None


# What only projects with an orchestrator wrapper get ({package} is the package name): the files
# of each orchestrator, and the ones both wrappers share. copier.yml's _exclude lists the same.
ORCHESTRATOR_PATHS = {
    "airflow": (
        "dags",
        "src/{package}/dagwire/orchestrators/airflow.py",
        "src/{package}/pipeline.lock.json",
        "tests/dagwire/test_airflow_dag.py",
    ),
    "prefect": (
        "src/{package}/dagwire/orchestrators/prefect.py",
        "src/{package}/prefect_flow.py",
        "tests/dagwire/test_prefect_flow.py",
    ),
}
WRAPPER_PATHS = ("src/{package}/dagwire/orchestrators",)


def excluded_paths(answers: dict[str, str]) -> list[str]:
    """Generated paths an answer leaves out (copier.yml's ``_exclude`` says the same).

    A folder stands for everything in it; nothing listed lies inside a listed folder.
    """
    paths = []
    if answers["license"] == "proprietary":
        paths.append("LICENSE")
    if answers["ci"] != "github":
        paths.append(".github")
    chosen = answers["orchestrator"]
    wrapper = list(WRAPPER_PATHS) if chosen == "plain" else []
    for orchestrator, owned in ORCHESTRATOR_PATHS.items():
        if orchestrator != chosen:
            wrapper += [p for p in owned if not any(p.startswith(f"{w}/") for w in wrapper)]
    return paths + [p.format(package=answers["package_name"]) for p in wrapper]


def with_defaults(given: dict[str, str]) -> dict[str, str]:
    """Complete ``given`` answers the way copier.yml does, deriving slug and package name."""
    answers = {**DEFAULTS, **given}
    answers.setdefault("project_slug", slugify(answers["project_name"]))
    answers.setdefault("package_name", package_name(answers["project_slug"]))
    return {question: answers[question] for question in QUESTIONS}


def first_error(answers: dict[str, str]) -> tuple[str, str] | None:
    """The first refused answer, in question order, as ``(question, message)``."""
    rules = {
        "project_name": lambda v: name_error("project_name", v, "Churn Model"),
        "project_slug": project_slug_error,
        "package_name": package_name_error,
        "description": lambda v: text_error("description", v),
        "author_name": lambda v: name_error("author_name", v, "Data Team"),
        "author_email": email_error,
    }
    for question in QUESTIONS:
        value = answers[question]
        if question in CHOICES:
            allowed = CHOICES[question]
            error = None if value in allowed else f"{question} '{value}' is not one of {allowed}"
        else:
            error = rules[question](value)
        if error:
            return question, error
    return None


# cookiecutter renders this file with Jinja before running it, which turns this string into the
# answers as JSON. Imported as a module, the string is left as written and never read.
_COOKIECUTTER_ANSWERS = r"""{{ cookiecutter | tojson }}"""


# What post_gen_project.py deletes once cookiecutter has rendered everything, and where the team's
# own files at those paths wait meanwhile (``cookiecutter -f`` into an existing project renders
# over them). post_gen_project.py names the same two paths.
NOTE = ".dagwire-leave-out.json"
SET_ASIDE = ".dagwire-set-aside"


def set_aside(project: Path, relpaths: list[str]) -> None:
    """Note ``relpaths`` for post_gen_project.py and move what already exists there aside."""
    for relpath in relpaths:
        if (project / relpath).exists():
            (project / SET_ASIDE / relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(project / relpath, project / SET_ASIDE / relpath)
    (project / NOTE).write_text(json.dumps(relpaths), encoding="utf-8")


def main(rendered: str, project: Path) -> int:
    """Refuse the first bad answer with copier's message (cookiecutter then deletes the folder it
    made); otherwise prepare the leaving-out."""
    try:
        context = json.loads(rendered)
    except json.JSONDecodeError:  # not rendered: run directly instead of by cookiecutter
        print("this file runs as a cookiecutter hook; import it to use its rules", file=sys.stderr)
        return 2
    answers = {question: str(context[question]) for question in QUESTIONS}
    refused = first_error(answers)
    if refused:
        print(f"dagwire: {refused[1]}", file=sys.stderr)
        return 1
    set_aside(project, excluded_paths(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main(_COOKIECUTTER_ANSWERS, Path.cwd()))
