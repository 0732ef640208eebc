"""Config keys the engine itself reads, under Apache Hamilton's names
(``from hamilton import settings`` becomes ``from dagwire import settings``)."""

#: Set to True in the driver's config to allow ``@resolve``, which shapes the graph from config:
#: powerful, but the code no longer shows which nodes exist, so a module opts in on purpose.
ENABLE_POWER_USER_MODE = "hamilton.enable_power_user_mode"
