"""Evaluating rules: one verdict per (rule, asset), errors as results, references between assets."""

from __future__ import annotations

from dataclasses import replace

from scanner.assets.inventory import Inventory
from scanner.engine import evaluate, loaded_types
from scanner.model import Asset, Remediation, Rule, Severity, Status
from scanner.policy.cel import RuleEnvironment

SQL = "sqladmin.googleapis.com/Instance"
BACKEND = "compute.googleapis.com/BackendService"
ARMOR = "compute.googleapis.com/SecurityPolicy"


def rule(**overrides) -> Rule:
    base = Rule(id="r", title="Regional", description="d", severity=Severity.HIGH, resource_types=(SQL,),
                condition="resource.settings.availabilityType == 'REGIONAL'", remediation=Remediation("fix"),
                observe=(("availability", "resource.settings.availabilityType"),),
                message="{asset} is {availability}")
    return replace(base, **overrides)


def sql(name: str, **data) -> Asset:
    return Asset(name=f"//cloudsql.googleapis.com/projects/p/instances/{name}", asset_type=SQL, data=data,
                 ancestors=("projects/1",))


def run(rules: list[Rule], assets: list[Asset]):
    env = RuleEnvironment()
    compiled = [env.compile_rule(r) for r in rules]
    return evaluate(compiled, Inventory(assets), env)


def test_pass_fail_and_error_each_with_observed_values() -> None:
    evaluated = run([rule()], [sql("a", settings={"availabilityType": "REGIONAL"}),
                               sql("b", settings={"availabilityType": "ZONAL"}),
                               sql("c")])
    by_asset = {r.asset_name.rsplit("/", 1)[1]: r for r in evaluated.results}
    assert [by_asset[k].status for k in "abc"] == [Status.PASS, Status.FAIL, Status.ERROR]
    assert by_asset["b"].message == "b is ZONAL"
    assert by_asset["b"].observed[0].value == "ZONAL"
    assert by_asset["c"].observed[0].missing
    assert "field 'settings' is missing" in by_asset["c"].message


def test_applies_excludes_assets_and_counts_them() -> None:
    evaluated = run([rule(applies="resource.tier != 'shared'")],
                    [sql("a", tier="shared"), sql("b", tier="x", settings={"availabilityType": "REGIONAL"})])
    assert [r.asset_name[-1] for r in evaluated.results] == ["b"]
    assert evaluated.not_applicable == {"r": 1}


def test_non_boolean_result_is_an_error_not_a_pass() -> None:
    evaluated = run([rule(condition="resource.flag")], [sql("a", flag="yes")])
    (result,) = evaluated.results
    assert result.status is Status.ERROR and "not a boolean" in result.message


def test_params_reach_the_condition() -> None:
    evaluated = run([rule(condition="resource.n >= params.min", params={"min": 30}, observe=(), message=None)],
                    [sql("a", n=30), sql("b", n=7)])
    assert [r.status for r in evaluated.results] == [Status.PASS, Status.FAIL]


def test_ref_follows_a_self_link_to_another_asset() -> None:
    armor = Asset(name="//compute.googleapis.com/projects/p/global/securityPolicies/armor", asset_type=ARMOR,
                  data={"rules": [{"action": "deny(403)"}]})
    def backend(name: str, policy: str | None) -> Asset:
        data = {"securityPolicy": policy} if policy else {}
        return Asset(name=f"//compute.googleapis.com/projects/p/global/backendServices/{name}", asset_type=BACKEND, data=data)
    attached = rule(id="armor", resource_types=(BACKEND,), observe=(), message=None,
                    condition=f"has(resource.securityPolicy) && ref(resource.securityPolicy, '{ARMOR}') != null")
    assert loaded_types([RuleEnvironment().compile_rule(attached)]) >= {ARMOR, BACKEND}
    evaluated = run([attached], [armor,
                                 backend("ok", "https://www.googleapis.com/compute/v1/projects/p/global/securityPolicies/armor"),
                                 backend("dangling", "projects/p/global/securityPolicies/gone"),
                                 backend("none", None)])
    assert {r.asset_name.rsplit("/", 1)[1]: r.status for r in evaluated.results} == {
        "ok": Status.PASS, "dangling": Status.FAIL, "none": Status.FAIL}


def test_assets_lists_every_asset_of_a_type() -> None:
    any_regional = rule(condition=f"assets('{SQL}').exists(a, a.resource.settings.availabilityType == 'REGIONAL')",
                        observe=(), message=None)
    evaluated = run([any_regional], [sql("a", settings={"availabilityType": "ZONAL"}),
                                     sql("b", settings={"availabilityType": "REGIONAL"})])
    assert {r.status for r in evaluated.results} == {Status.PASS}


def test_asset_variable_carries_envelope_and_iam_policy() -> None:
    check = rule(condition="asset.project == '1' && asset.iamPolicy.bindings.size() == 1 && asset.resource == resource",
                 observe=(), message=None)
    asset = replace(sql("a", x=1), iam_policy={"bindings": [{"role": "roles/owner", "members": ["user:a@x"]}]})
    (result,) = run([check], [asset]).results
    assert result.status is Status.PASS, result.message


def test_results_are_ordered_by_rule_then_asset() -> None:
    evaluated = run([rule(id="b-rule"), rule(id="a-rule")],
                    [sql("z", settings={"availabilityType": "REGIONAL"}), sql("y", settings={"availabilityType": "REGIONAL"})])
    assert [(r.rule_id, r.asset_name[-1]) for r in evaluated.results] == [
        ("a-rule", "y"), ("a-rule", "z"), ("b-rule", "y"), ("b-rule", "z")]


def test_observed_optionals_record_their_value_or_null() -> None:
    check = rule(observe=(("tier", "resource.?tier"), ("zone", "resource.?settings.?zone")),
                 message="{asset}: tier {tier}, zone {zone}")
    (result,) = run([check], [sql("a", tier="db-f1-micro", settings={"availabilityType": "ZONAL"})]).results
    assert [(o.name, o.value, o.missing) for o in result.observed] == [("tier", "db-f1-micro", False), ("zone", None, False)]
    assert result.message == "a: tier db-f1-micro, zone (not set)"


def test_findings_about_the_iam_policy_point_at_the_iam_record() -> None:
    from scanner.model import Origin

    asset = replace(sql("a", settings={"availabilityType": "ZONAL"}), origin=Origin("resources.jsonl", 3),
                    iam_origin=Origin("iam.jsonl", 8), iam_policy={"bindings": []})
    iam_rule = rule(id="iam", condition="asset.iamPolicy.bindings.size() > 0", observe=(), message=None)
    results = {r.rule_id: r.origin for r in run([rule(), iam_rule], [asset]).results}
    assert results == {"r": Origin("resources.jsonl", 3), "iam": Origin("iam.jsonl", 8)}


def test_observed_maps_have_a_stable_key_order() -> None:
    check = rule(observe=(("m", "{'zeta': 1, 'alpha': 2, 'mid': resource.settings.availabilityType}"),), message=None)
    for _ in range(5):
        (result,) = run([check], [sql("a", settings={"availabilityType": "ZONAL"})]).results
        assert list(result.observed[0].value) == ["alpha", "mid", "zeta"]


UPTIME = "monitoring.googleapis.com/UptimeCheckConfig"


def uptime(name: str, project: str, path: str) -> Asset:
    return Asset(name=f"//monitoring.googleapis.com/projects/{project}/uptimeCheckConfigs/{name}", asset_type=UPTIME,
                 data={"httpCheck": {"path": path}}, ancestors=(f"projects/{project}",))


def test_project_rule_reports_once_per_project() -> None:
    from scanner.model import Origin

    exists = rule(id="uptime", scope="project", resource_types=(UPTIME,), observe=(),
                  condition="resource.httpCheck.path == '/health'",
                  message="project {asset} has {candidates} uptime checks, none on /health")
    project = Asset(name="//cloudresourcemanager.googleapis.com/projects/111", asset_type="cloudresourcemanager.googleapis.com/Project",
                    data={"projectId": "good", "projectNumber": "111"}, ancestors=("projects/111",), origin=Origin("s.jsonl", 1))
    evaluated = run([exists], [project, uptime("a", "111", "/health"), uptime("b", "111", "/"),
                               uptime("c", "222", "/"), uptime("d", "222", "/status"),
                               sql("only-sql", settings={})])
    by_project = {r.asset_name.rsplit("/", 1)[1]: r for r in evaluated.results}
    assert set(by_project) == {"111", "222", "1"}  # project 1 holds only the SQL instance: no uptime check there
    good, bad, empty = by_project["111"], by_project["222"], by_project["1"]
    assert good.status is Status.PASS and good.origin == Origin("s.jsonl", 1)
    assert dict((o.name, o.value) for o in good.observed)["matching"] == [
        "//monitoring.googleapis.com/projects/111/uptimeCheckConfigs/a"]
    assert bad.status is Status.FAIL and bad.message == "project 222 has 2 uptime checks, none on /health"
    assert bad.origin is None  # no Project asset: reports fall back to the rule's own location
    assert empty.status is Status.FAIL and "has 0 uptime checks" in empty.message


def test_project_rule_with_only_unevaluable_candidates_is_an_error() -> None:
    exists = rule(id="uptime", scope="project", resource_types=(UPTIME,), observe=(), message=None,
                  condition="resource.httpCheck.port == 443")
    (result,) = run([exists], [uptime("a", "111", "/health")]).results
    assert result.status is Status.ERROR and "could not be evaluated" in result.message


def test_project_assets_is_limited_to_the_evaluated_assets_project() -> None:
    check = rule(condition=f"projectAssets('{UPTIME}').size() == 1", observe=(), message=None)
    other = Asset(name="//cloudsql.googleapis.com/projects/p2/instances/x", asset_type=SQL, data={}, ancestors=("projects/2",))
    evaluated = run([check], [sql("a"), other, uptime("u", "1", "/"), uptime("v", "3", "/"), uptime("w", "3", "/")])
    assert {r.asset_name.rsplit("/", 1)[1]: r.status for r in evaluated.results} == {"a": Status.PASS, "x": Status.FAIL}


def test_unit_helpers() -> None:
    check = rule(condition="quantity(resource.mem) == 536870912 && seconds(resource.t1) == 300 "
                           "&& seconds(resource.t2) == 300 && seconds(resource.t3) == 5400", observe=(), message=None)
    (result,) = run([check], [sql("a", mem="512Mi", t1=300, t2="300s", t3="1h30m")]).results
    assert result.status is Status.PASS, result.message
    bad = rule(condition="quantity(resource.mem) > 0", observe=(), message=None)
    (result,) = run([bad], [sql("a", mem="lots")]).results
    assert result.status is Status.ERROR and "not a quantity" in result.message


def test_only_function_arguments_name_asset_types_to_load() -> None:
    check = rule(condition="resource.?metadata.?annotations[?'run.googleapis.com/minScale'].orValue('0') == '1' "
                           "&& ref(resource.x, 'vpcaccess.googleapis.com/Connector') != null "
                           "&& projectAssets( 'monitoring.googleapis.com/AlertPolicy' ).size() > 0 "
                           "&& asset.assetType in ['redis.googleapis.com/Instance']", observe=(), message=None)
    assert check.reads == ("monitoring.googleapis.com/AlertPolicy", "vpcaccess.googleapis.com/Connector")


def test_nested_params_reach_cel_as_plain_maps(tmp_path) -> None:
    from scanner.policy.loader import load_rules

    (tmp_path / "p.yaml").write_text(
        "rules:\n  - id: nested\n    title: t\n    description: d\n    severity: low\n"
        "    resourceTypes: [sqladmin.googleapis.com/Instance]\n"
        "    condition: resource.days >= params.minDays[resource.edition]\n"
        "    params: {minDays: {ENTERPRISE: 7, ENTERPRISE_PLUS: 35}}\n"
        "    remediation: {text: t}\n    references: [https://cloud.google.com/sql]\n")
    (loaded,) = load_rules([tmp_path / "p.yaml"])
    evaluated = run([loaded], [sql("a", days=7, edition="ENTERPRISE"), sql("b", days=7, edition="ENTERPRISE_PLUS")])
    assert [r.status for r in evaluated.results] == [Status.PASS, Status.FAIL]


def test_observed_durations_read_as_protobuf_durations() -> None:
    check = rule(observe=(("ttl", "duration(resource.ttl)"), ("short", "duration('1.5s')")), message=None)
    (result,) = run([check], [sql("a", ttl="7776000s", settings={"availabilityType": "REGIONAL"})]).results
    assert [o.value for o in result.observed] == ["7776000s", "1.5s"]


def test_observed_values_are_not_computed_for_assets_a_rule_does_not_apply_to() -> None:
    calls: list[str] = []
    counting = rule(applies="resource.tier != 'shared'", observe=(("n", f"assets('{SQL}').size()"),), message=None)
    env = RuleEnvironment()
    compiled = env.compile_rule(counting)
    inventory = Inventory([sql("a", tier="shared"), sql("b", tier="x", settings={"availabilityType": "REGIONAL"})])
    original = inventory.of_type
    inventory.of_type = lambda t: (calls.append(t), original(t))[1]  # type: ignore[method-assign]
    evaluated = evaluate([compiled], inventory, env)
    assert [r.asset_name[-1] for r in evaluated.results] == ["b"]
    assert calls.count(SQL) == 2  # one walk over the type, one observation (for b only)
