"""dagwire: a dataflow engine with Apache Hamilton's API, in pure standard-library Python.

Vendored into each pipeline project (import it as ``from <your_package>.dagwire import driver``)
and refreshed by ``copier update``; do not edit it in place. See the engine API page of the
template docs.
"""

__version__ = "0.5.0"
