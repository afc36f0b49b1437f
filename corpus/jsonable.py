"""Plain-data views of the model, for JSON output at the edge."""

from __future__ import annotations

import dataclasses
from typing import Any

from .model import DateRange, Meeting, PartialDate


def to_data(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists, dates to ``{"iso", "precision", "missing"}``."""
    if isinstance(value, (PartialDate, DateRange)):
        return value.to_dict()
    if isinstance(value, Meeting):
        data = {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        data["references"] = to_data(value.references)
        return data
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_data(item) for item in value]
    return value
