"""A dataflow for comparing the driver's public surface: required and optional inputs, tags,
docstrings, extracted fields, and a function the config can replace."""

from hamilton.function_modifiers import extract_fields, tag


def spend(region: str, budget: float, discount: float = 0.0) -> float:
    """Money spent in the region, after the discount."""
    return budget * (1 - discount) if region else 0.0


@tag(owner="growth", pii="false")
def signups(visits: int, conversion: float = 0.1) -> int:
    """Visitors who signed up."""
    return int(visits * conversion)


@tag(owner="finance")
def cost_per_signup(spend: float, signups: int) -> float:
    return spend / max(signups, 1)


def exchange_rate(currency: str) -> float:
    return {"EUR": 1.1, "USD": 1.0}[currency]


def cost_in_usd(cost_per_signup: float, exchange_rate: float) -> float:
    return cost_per_signup * exchange_rate


@extract_fields({"best_day": str, "best_day_visits": int})
def best(visits: int, day_names: list = None) -> dict:
    days = day_names or ["mon"]
    return {"best_day": days[0], "best_day_visits": visits}


@tag(owner=["growth", "finance"])
def report(cost_in_usd: float, best_day: str) -> str:
    """One line for the weekly mail."""
    return f"{best_day}: {cost_in_usd:.2f}"
