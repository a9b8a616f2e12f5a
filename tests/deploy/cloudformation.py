"""Read deploy/template.yaml the way CloudFormation does, as far as the tests
need: its YAML (intrinsic tags included, through cfn-lint's loader) and the
values of the few intrinsic functions the table's properties use."""

from __future__ import annotations

from typing import Any, Mapping

from cfnlint.decode import decode_str

from tests.deploy.conftest import TEMPLATE

_NO_VALUE = object()


def load_template() -> dict[str, Any]:
    template, problems = decode_str(TEMPLATE.read_text())
    assert not problems, problems
    return template


def resolve(
    template: Mapping[str, Any],
    node: Any,
    parameters: Mapping[str, Any] | None = None,
) -> Any:
    """``node`` with ``Ref`` (to parameters), ``Fn::If``, ``Fn::Equals``,
    ``Fn::Not``, ``Fn::Join`` and ``AWS::NoValue`` worked out, parameters
    taking their defaults unless given."""
    values = {
        name: definition.get("Default")
        for name, definition in template.get("Parameters", {}).items()
    }
    for name, value in (parameters or {}).items():
        values[name] = value
    for name, definition in template.get("Parameters", {}).items():
        listed = definition.get("Type") == "CommaDelimitedList"
        if listed and isinstance(values[name], str):
            values[name] = values[name].split(",")
    return _resolve(template, node, values)


def _resolve(template: Mapping[str, Any], node: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        items = [_resolve(template, item, values) for item in node]
        return [item for item in items if item is not _NO_VALUE]
    if not isinstance(node, Mapping):
        return node

    if len(node) == 1:
        (function, argument), = node.items()
        if function == "Ref":
            return _NO_VALUE if argument == "AWS::NoValue" else values[argument]
        if function == "Fn::If":
            condition, when_true, when_false = argument
            chosen = when_true if _condition(template, condition, values) else when_false
            return _resolve(template, chosen, values)
        if function == "Fn::Equals":
            left, right = (_resolve(template, item, values) for item in argument)
            return left == right
        if function == "Fn::Not":
            return not _resolve(template, argument[0], values)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(_resolve(template, items, values))

    resolved = {key: _resolve(template, value, values) for key, value in node.items()}
    return {key: value for key, value in resolved.items() if value is not _NO_VALUE}


def _condition(template: Mapping[str, Any], name: str, values: Mapping[str, Any]) -> bool:
    return bool(_resolve(template, template["Conditions"][name], values))
