"""YAML read the way Kubernetes reads it: as JSON-compatible data.

Kubernetes converts YAML to JSON, where an unquoted `2026-11-25T10:00:00Z` is a string;
PyYAML would make it a datetime that cannot be served back. Duplicate keys, which PyYAML
silently collapses and kubectl rejects, are errors.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


class JsonYamlLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings and rejects duplicate keys.

    Kubernetes reads YAML into JSON, where an unquoted ``2026-11-25T10:00:00Z``
    is a string; PyYAML would make it a datetime that cannot be served.  A
    duplicated key (two ``metadata:`` blocks) silently loses one of them in
    PyYAML, and kubectl rejects it, so it is an error here too.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            # Merge keys (<<) legitimately repeat and are expanded by flatten_mapping.
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == "tag:yaml.org,2002:merge"
            ):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


# Resolvers are class-level state shared with yaml.SafeLoader: copy before editing.
JsonYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_json_compatible(text: str) -> Any:
    """One YAML document as JSON data; raises ValueError for anything JSON cannot hold
    (binary, sets) and yaml.YAMLError for bad YAML."""
    value = yaml.load(text, Loader=JsonYamlLoader)  # noqa: S506 - a SafeLoader subclass
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the YAML holds a value JSON cannot represent: {exc}") from exc
    return value
