# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""``python -m <this package>`` runs the same command line as the console script."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
