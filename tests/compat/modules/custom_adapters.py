"""A user-defined loader and saver registered once and used by name everywhere: in @load_from,
@save_to, to.<name> and from_.<name>, after examples/materialization/custom_materializers.py."""

import dataclasses
from collections.abc import Collection
from typing import Any

from hamilton import registry
from hamilton.function_modifiers import load_from, save_to, source
from hamilton.io import utils
from hamilton.io.data_adapters import DataLoader, DataSaver


class _Lines:
    """What the loader and the saver share: the name and the type."""

    @classmethod
    def applicable_types(cls) -> Collection[type]:
        return [list]

    @classmethod
    def name(cls) -> str:
        return "compat_lines"


@dataclasses.dataclass
class LinesLoader(_Lines, DataLoader):
    path: str
    strip: bool = True

    def load_data(self, type_: type) -> tuple[list, dict[str, Any]]:
        with open(self.path) as file:
            lines = [line.strip() if self.strip else line for line in file]
        return lines, utils.get_file_metadata(self.path)


@dataclasses.dataclass
class LinesSaver(_Lines, DataSaver):
    path: str
    prefix: str = ""

    def save_data(self, data: list) -> dict[str, Any]:
        with open(self.path, "w") as file:
            file.writelines(f"{self.prefix}{item}\n" for item in data)
        return {**utils.get_file_metadata(self.path), "lines": len(data)}


for adapter in [LinesLoader, LinesSaver]:
    registry.register_adapter(adapter)


@load_from.compat_lines(path=source("words_path"))
def words(lines: list) -> list:
    return [word.upper() for word in lines]


@save_to.compat_lines(path=source("sorted_path"), prefix="- ", output_name_="sorted_saved")
def sorted_words(words: list) -> list:
    return sorted(words)


def word_count(words: list, extra: list) -> int:
    return len(words) + len(extra)
