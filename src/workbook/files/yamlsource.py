"""YAML text in, plain Python data plus a map from key paths to source lines out."""
from __future__ import annotations

from typing import Any

import yaml

from ..errors import CONTROL_CHARACTERS, escape_controls

Path_ = tuple[Any, ...]
MAX_YAML_BYTES = 1_000_000
MAX_DEPTH = 50



class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str):
        self.line = line
        self.message = message
        super().__init__(message)


class _Loader(yaml.SafeLoader):
    """The safe loader without anchors and aliases (a few aliases can expand to gigabytes: the
    "billion laughs") and with nesting bounded before Python's recursion limit is reached."""

    where = "this file"
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlProblem(event.start_mark.line + 1, f"anchors and aliases (&name/*name) are not allowed in "
                                                         f"{self.where}; write the value out")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise YamlProblem(event.start_mark.line + 1, f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_with_lines(text: str, where: str = "book.yaml") -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document; return (data, {path: 1-based line}).

    Duplicate keys are an error (PyYAML would silently keep the last one). Only the safe subset
    of YAML is accepted: no tags that build objects, no anchors or aliases, at most 50 levels
    deep, and no control characters in keys or values (written as escapes such as "\\e").
    `where` names the text in messages ("book.yaml", "front matter").
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlProblem(1, f"file is larger than {MAX_YAML_BYTES // 1000} kB; is this really book settings?")
    loader = _Loader(text)
    loader.where = where
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Path_, int] = {}
        _walk(node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}" if "found" in problem else problem
        raise YamlProblem(line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:  # e.g. reader errors on control characters
        mark = getattr(exc, "problem_mark", None)
        raise YamlProblem(mark.line + 1 if mark else None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem(None, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    _refuse_control_characters(data, (), lines)
    return data, lines


def _refuse_control_characters(value: Any, path: Path_, lines: dict[Path_, int]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_control_characters(key, path + (key,), lines)
            _refuse_control_characters(item, path + (key,), lines)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_control_characters(item, path + (index,), lines)
    elif isinstance(value, str):
        match = CONTROL_CHARACTERS.search(value)
        if match:
            name = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".") or "value"
            raise YamlProblem(line_for(lines, path), f"{name}: holds the control character {escape_controls(match[0])}, "
                                                     "which no book may contain; remove it")


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise YamlProblem(node.start_mark.line + 1, f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlProblem(line, f"{'.'.join(map(str, path + (key,)))}: duplicate key (first on line {seen[key]})")
            seen[key] = line
            lines[path + (key,)] = line
            _walk(value_node, path + (key,), lines, depth + 1)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, depth + 1)


def line_for(lines: dict[Path_, int], path: Path_, default: int = 1) -> int:
    """The line of the deepest known prefix of `path`."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), default)
