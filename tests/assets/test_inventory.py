"""Merging records and following references between assets."""

from __future__ import annotations

import pytest

from scanner.assets.inventory import Inventory, reference_tail
from scanner.errors import InputError
from scanner.model import Asset, Origin

PROJECT = Asset(name="//cloudresourcemanager.googleapis.com/projects/123", asset_type="cloudresourcemanager.googleapis.com/Project",
                data={"projectId": "acme-prod", "projectNumber": "123"}, ancestors=("projects/123",))
POLICY = Asset(name="//compute.googleapis.com/projects/acme-prod/global/securityPolicies/armor",
               asset_type="compute.googleapis.com/SecurityPolicy", data={"name": "armor"}, ancestors=("projects/123",))
CONNECTOR = Asset(name="//vpcaccess.googleapis.com/projects/123/locations/us-central1/connectors/conn",
                  asset_type="vpcaccess.googleapis.com/Connector", data={"state": "READY"}, location="us-central1",
                  ancestors=("projects/123",))
RUN = Asset(name="//run.googleapis.com/projects/acme-prod/locations/us-central1/services/gw",
            asset_type="run.googleapis.com/Service", data={}, location="us-central1", ancestors=("projects/123",))


@pytest.mark.parametrize("reference", [
    "https://www.googleapis.com/compute/v1/projects/acme-prod/global/securityPolicies/armor",
    "https://compute.googleapis.com/compute/beta/projects/acme-prod/global/securityPolicies/armor",
    "//compute.googleapis.com/projects/acme-prod/global/securityPolicies/armor",
    "projects/acme-prod/global/securityPolicies/armor",
    "projects/123/global/securityPolicies/armor",
    "global/securityPolicies/armor",
])
def test_every_reference_form_resolves(reference: str) -> None:
    inventory = Inventory([PROJECT, POLICY, RUN])
    assert inventory.resolve(reference, "compute.googleapis.com/SecurityPolicy", context=RUN) is POLICY


def test_reference_to_wrong_type_or_missing_asset_is_none() -> None:
    inventory = Inventory([PROJECT, POLICY])
    assert inventory.resolve(POLICY.name, "compute.googleapis.com/SslPolicy") is None
    assert inventory.resolve("projects/acme-prod/global/securityPolicies/other", "compute.googleapis.com/SecurityPolicy") is None
    assert inventory.resolve("", "compute.googleapis.com/SecurityPolicy", context=RUN) is None


def test_connector_named_by_project_id_finds_asset_named_by_number() -> None:
    inventory = Inventory([PROJECT, CONNECTOR, RUN])
    kind = "vpcaccess.googleapis.com/Connector"
    assert inventory.resolve("projects/acme-prod/locations/us-central1/connectors/conn", kind) is CONNECTOR
    assert inventory.resolve("conn", kind, context=RUN) is CONNECTOR  # short name, as Cloud Run allows


def test_project_of_prefers_project_id() -> None:
    inventory = Inventory([PROJECT, CONNECTOR])
    assert inventory.project_of(CONNECTOR) == "acme-prod"
    assert Inventory([CONNECTOR]).project_of(CONNECTOR) == "123"


def test_resource_and_iam_records_merge() -> None:
    resource = Asset(name=PROJECT.name, asset_type=PROJECT.asset_type, data=PROJECT.data, origin=Origin("r.jsonl", 4))
    iam = Asset(name=PROJECT.name, asset_type=PROJECT.asset_type, iam_policy={"bindings": []}, iam_origin=Origin("i.jsonl", 9))
    for order in ([resource, iam], [iam, resource]):
        (merged,) = Inventory(order).of_type(PROJECT.asset_type)
        assert merged.data == PROJECT.data and merged.iam_policy == {"bindings": []}
        assert merged.origin == Origin("r.jsonl", 4)
        assert merged.iam_origin == Origin("i.jsonl", 9)


def test_conflicting_duplicates_are_an_input_error() -> None:
    one = Asset(name=POLICY.name, asset_type=POLICY.asset_type, data={"a": 1}, origin=Origin("a.jsonl", 1))
    two = Asset(name=POLICY.name, asset_type=POLICY.asset_type, data={"a": 2}, origin=Origin("b.jsonl", 7))
    with pytest.raises(InputError, match=r"b.jsonl:7: .*appears twice.*a.jsonl:1"):
        Inventory([one, two])


def test_reference_tail() -> None:
    assert reference_tail("https://www.googleapis.com/compute/v1/projects/p/global/x/y") == "projects/p/global/x/y"
    assert reference_tail("plain-name") is None


def test_relative_reference_without_project_asset_uses_the_referrers_name() -> None:
    """An --asset-types export may leave out the Project: compute names still carry the project id."""
    backend = Asset(name="//compute.googleapis.com/projects/acme-prod/global/backendServices/bs",
                    asset_type="compute.googleapis.com/BackendService", data={}, ancestors=("projects/123",))
    inventory = Inventory([POLICY, backend])
    assert inventory.resolve("global/securityPolicies/armor", POLICY.asset_type, context=backend) is POLICY
    connector_user = Asset(name="//run.googleapis.com/projects/acme-prod/locations/us-central1/services/s",
                           asset_type="run.googleapis.com/Service", location="us-central1", ancestors=("projects/123",))
    assert Inventory([CONNECTOR, connector_user]).resolve("conn", CONNECTOR.asset_type, context=connector_user) is CONNECTOR
