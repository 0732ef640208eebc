"""cookiecutter's and cruft's leaving-out: delete what the answers did not pick, after rendering.

pre_gen_project.py decided which paths (the ones copier.yml's ``_exclude`` leaves out: another
orchestrator's files, LICENSE for a proprietary project, .github without CI) and noted them, having
moved any file of the team's at those paths aside; this hook deletes what the render put there and
moves the team's files back, so ``cookiecutter -f`` over an existing project loses nothing.

This file is whole in itself (cookiecutter renders a copy of it with Jinja and runs that).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

# Written by pre_gen_project.py, which names the same two paths.
NOTE = ".dagwire-leave-out.json"
SET_ASIDE = ".dagwire-set-aside"


def leave_out(project: Path) -> None:
    """Delete the noted paths, then put back what was set aside and remove the note."""
    for relpath in json.loads((project / NOTE).read_text(encoding="utf-8")):
        path = project / relpath
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        kept = project / SET_ASIDE / relpath
        if kept.exists() or kept.is_symlink():
            shutil.move(kept, path)
    shutil.rmtree(project / SET_ASIDE, ignore_errors=True)
    (project / NOTE).unlink()


def main(project: Path) -> int:
    if not (project / NOTE).exists():
        print("this file runs as a cookiecutter hook, after pre_gen_project.py", file=sys.stderr)
        return 2
    leave_out(project)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
