"""Policy files: schema, CEL compilation and YAML safety, each error naming file, line and rule."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.errors import PolicyError
from scanner.policy.cel import RuleEnvironment
from scanner.policy.loader import compile_rules, load_rules

RULE = """\
rules:
  - id: sample-rule
    title: Sample
    description: A sample rule.
    severity: high
    resourceTypes: [sqladmin.googleapis.com/Instance]
    condition: >-
      {condition}
    observe:
      tier: resource.settings.tier
    message: "{{asset}} has tier {{tier}}"
    remediation:
      text: Fix it.
    references: [https://cloud.google.com/sql/docs]
"""


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load_and_compile(path: Path):
    return compile_rules(load_rules([path]), RuleEnvironment())


def test_valid_rule_loads_with_line_and_reads(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.format(condition="ref('x', 'compute.googleapis.com/SslPolicy') != null"))
    (compiled,) = load_and_compile(path)
    assert compiled.rule.origin.line == 2
    assert compiled.rule.reads == ("compute.googleapis.com/SslPolicy",)


def test_cel_syntax_error_names_file_rule_and_position(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.format(condition="resource.settings. == 'x'"))
    with pytest.raises(PolicyError) as info:
        load_and_compile(path)
    message = info.value.render()
    assert f"{path}:2: rule sample-rule: condition: CEL does not compile" in message
    assert "at 1:20" in message


def test_undeclared_function_is_a_compile_error(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.format(condition="lookup(resource) == 1"))
    with pytest.raises(PolicyError, match="undeclared reference to 'lookup'"):
        load_and_compile(path)


def test_non_boolean_condition_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.format(condition="1 + 2"))
    with pytest.raises(PolicyError, match="must be a boolean expression"):
        load_and_compile(path)


@pytest.mark.parametrize("change,expected", [
    (("severity: high", "severity: urgent"), r"p.yaml:2: rule sample-rule: rules.0.severity: 'urgent' is not one of"),
    (("    title: Sample\n", ""), r"rule sample-rule: rules.0: 'title' is a required property"),
    (("id: sample-rule", "id: Sample Rule"), r"rules.0.id: 'Sample Rule' does not match"),
    (("    remediation:\n      text: Fix it.\n", "    remediation:\n      text: Fix it.\n    colour: red\n"),
     r"Additional properties are not allowed \('colour'"),
    (("[https://cloud.google.com/sql/docs]", "[not a url]"), r"rules.0.references.0"),
])
def test_schema_errors_name_file_line_and_rule(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    path = write(tmp_path, RULE.format(condition="true").replace(*change))
    with pytest.raises(PolicyError, match=expected):
        load_rules([path])


def test_message_may_only_name_observed_values(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.format(condition="true").replace("{tier}", "{size}"))
    with pytest.raises(PolicyError, match="message names size, which is not in observe"):
        load_and_compile(path)


def test_duplicate_rule_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, RULE.format(condition="true"), "a.yaml")
    write(tmp_path, RULE.format(condition="true"), "b.yaml")
    with pytest.raises(PolicyError, match=r"b.yaml:2: rule id 'sample-rule' is defined twice \(first at .*a.yaml:2\)"):
        load_rules([tmp_path])


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.format(condition="true").replace("    severity: high\n", "    severity: high\n    severity: low\n"))
    with pytest.raises(PolicyError, match=r"p.yaml:6: duplicate key 'severity'"):
        load_rules([path])


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 30):
        prev = chr(ord("a") + i - 1) if i < 26 else f"x{i - 1}"
        name = chr(ord("a") + i) if i < 26 else f"x{i}"
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    path = write(tmp_path, "\n".join(lines) + "\nrules: []\n")
    start = time.monotonic()
    with pytest.raises(PolicyError, match=r"p.yaml:1: anchors \(&name\) are not allowed"):
        load_rules([path])
    assert time.monotonic() - start < 1.0


def test_unreadable_and_non_utf8_policy_files(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PolicyError, match="bin.yaml: not a UTF-8 text file"):
        load_rules([path])
    with pytest.raises(PolicyError, match="missing.yaml: no such file or directory"):
        load_rules([tmp_path / "missing.yaml"])


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: x\n   title: [unclosed\n")
    with pytest.raises(PolicyError, match=r"p.yaml:3"):
        load_rules([path])
