"""Pictures of a dataflow drawn in pure Python: a layered SVG that needs no graphviz install.

``layout`` places the nodes (layers left to right, edges routed around boxes), ``text`` estimates
how wide a label is, and ``svg`` writes the picture. Nothing here loads until a picture is asked
for: ``import dagwire`` and a driver run never import it.
"""

from .svg import STATUSES, dataflow_svg

__all__ = ["STATUSES", "dataflow_svg"]
