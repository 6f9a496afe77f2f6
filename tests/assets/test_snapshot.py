"""Reading every snapshot shape Google produces, and refusing damaged ones."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scanner.assets.snapshot import ReadStats, load_snapshot
from scanner.errors import InputError
from tests.conftest import sql_record, write_jsonl


def names(paths, **kwargs):
    return [a.name for a in load_snapshot(paths, **kwargs)]


def test_gcloud_export_jsonl_keeps_record_lines(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [sql_record("a"), sql_record("b")])
    assets = list(load_snapshot([path]))
    assert [(a.name.rsplit("/", 1)[1], a.origin.line) for a in assets] == [("a", 1), ("b", 2)]
    assert assets[0].asset_type == "sqladmin.googleapis.com/Instance"
    assert assets[0].location == "us-central1"
    assert assets[0].ancestors == ("projects/123456789012", "organizations/987654321098")


def test_gcloud_asset_list_array_with_camel_case_envelope(tmp_path: Path) -> None:
    records = [{"name": "//redis.googleapis.com/projects/p/locations/r/instances/c", "assetType": "redis.googleapis.com/Instance",
                "updateTime": "2026-01-01T00:00:00Z", "resource": {"data": {"tier": "BASIC"}}}]
    path = tmp_path / "list.json"
    path.write_text(json.dumps(records, indent=2))
    (asset,) = load_snapshot([path])
    assert asset.asset_type == "redis.googleapis.com/Instance"
    assert asset.update_time == "2026-01-01T00:00:00Z"
    assert asset.origin.line == 3  # the line that names the asset


def test_list_assets_pages_one_per_file_array_and_lines(tmp_path: Path) -> None:
    page = {"readTime": "2026-01-01T00:00:00Z", "assets": [sql_record("a"), sql_record("b")], "nextPageToken": "t"}
    (tmp_path / "page1.json").write_text(json.dumps(page, indent=1))
    (tmp_path / "pages.json").write_text(json.dumps([page, {"assets": [sql_record("c")]}]))
    write_jsonl(tmp_path / "pages.jsonl", [page])
    assert [n.rsplit("/", 1)[1] for n in names([tmp_path / "page1.json"])] == ["a", "b"]
    assert [n.rsplit("/", 1)[1] for n in names([tmp_path / "pages.json"])] == ["a", "b", "c"]
    assert [n.rsplit("/", 1)[1] for n in names([tmp_path / "pages.jsonl"])] == ["a", "b"]


def test_gzip_and_directory_with_numbered_shards(tmp_path: Path) -> None:
    shard_dir = tmp_path / "export" / "sqladmin.googleapis.com" / "Instance"
    shard_dir.mkdir(parents=True)
    write_jsonl(shard_dir / "0", [sql_record("a")])
    with gzip.open(tmp_path / "export" / "more.jsonl.gz", "wt") as fh:
        fh.write(json.dumps(sql_record("b")) + "\n")
    (tmp_path / "export" / "notes.txt").write_text("not a snapshot")
    (tmp_path / "export" / ".hidden.json").write_text("garbage")
    found = sorted(n.rsplit("/", 1)[1] for n in names([tmp_path / "export"]))
    assert found == ["a", "b"]


def test_several_files_are_read_in_order(tmp_path: Path) -> None:
    one = write_jsonl(tmp_path / "1.jsonl", [sql_record("a")])
    two = write_jsonl(tmp_path / "2.jsonl", [sql_record("b")])
    assert [n.rsplit("/", 1)[1] for n in names([two, one])] == ["b", "a"]


def test_integral_doubles_become_ints_and_strings_stay(tmp_path: Path) -> None:
    record = sql_record("a", dataDiskSizeGb="20")
    record["resource"]["data"]["settings"]["backupConfiguration"] = {"transactionLogRetentionDays": 7.0, "ratio": 0.5}
    (asset,) = load_snapshot([write_jsonl(tmp_path / "a.jsonl", [record])])
    settings = asset.data["settings"]
    assert settings["backupConfiguration"]["transactionLogRetentionDays"] == 7
    assert isinstance(settings["backupConfiguration"]["transactionLogRetentionDays"], int)
    assert settings["backupConfiguration"]["ratio"] == 0.5
    assert settings["dataDiskSizeGb"] == "20"


@pytest.mark.parametrize("audit_key,log_key,type_key,values", [
    ("audit_configs", "audit_log_configs", "log_type", [1, 3, 2]),
    ("auditConfigs", "auditLogConfigs", "logType", ["ADMIN_READ", "DATA_READ", "DATA_WRITE"]),
    ("audit_configs", "audit_log_configs", "log_type", [1.0, 3.0, 2.0]),
])
def test_iam_audit_configs_normalised(tmp_path: Path, audit_key: str, log_key: str, type_key: str, values: list) -> None:
    record = {"name": "//cloudresourcemanager.googleapis.com/projects/1", "asset_type": "cloudresourcemanager.googleapis.com/Project",
              "iam_policy": {audit_key: [{"service": "allServices",
                                          log_key: [{type_key: v, "exempted_members": ["user:a@x"]} for v in values]}]}}
    (asset,) = load_snapshot([write_jsonl(tmp_path / "iam.jsonl", [record])])
    logs = asset.iam_policy["auditConfigs"][0]["auditLogConfigs"]
    assert [entry["logType"] for entry in logs] == ["ADMIN_READ", "DATA_READ", "DATA_WRITE"]
    assert logs[0]["exemptedMembers"] == ["user:a@x"]


def test_type_filter_drops_unread_types_before_normalising(tmp_path: Path) -> None:
    records = [sql_record("a"), {"name": "//compute.googleapis.com/projects/p/zones/z/disks/d",
                                 "asset_type": "compute.googleapis.com/Disk", "resource": "not even an object"}]
    stats = ReadStats()
    kept = list(load_snapshot([write_jsonl(tmp_path / "a.jsonl", records)],
                              wanted={"sqladmin.googleapis.com/Instance"}.__contains__, stats=stats))
    assert [a.asset_type for a in kept] == ["sqladmin.googleapis.com/Instance"]
    assert (stats.records, stats.kept) == (2, 1)


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    """The first asset arrives before a damaged later line is even read."""
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(sql_record("a")) + "\n" + '{"name": "//x", "asset_typ')
    stream = load_snapshot([path])
    assert next(stream).name.endswith("/a")
    with pytest.raises(InputError, match=r"a\.jsonl:2: .*truncated"):
        next(stream)


@pytest.mark.parametrize("content,message", [
    (b'{"name": "//x", "asset_type": "t", "resource": {"data": {}}}\n{"name": "//y", "asset_t', r":2: JSON ends too early"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", r"not a JSON snapshot"),
    (b"\xff\xfe{\x00", r"not a JSON snapshot|not a text file"),
    (b'{"name": "//x", "asset_type": "t", "resource": []}\n', r":1: asset //x: 'resource' must be an object"),
    (b'{"name": "//x", "asset_type": "t", "resource": {"data": "str"}}\n', r"'resource.data' must be an object"),
    (b'{"asset_type": "t"}\n', r":1: asset record has no 'name'"),
    (b'{"name": "//x"}\n', r"has no 'asset_type'"),
    (b'[{"name": "//x", "asset_type": "t"},\n', r"truncated"),
    (b'{"name": "//x", "asset_type": "t", "ancestors": "projects/1"}\n', r"'ancestors' must be a list"),
])
def test_bad_input_names_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        list(load_snapshot([path]))
    assert str(path) in info.value.render()


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(("".join(json.dumps(sql_record(f"i{i}")) + "\n" for i in range(200))).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt gzip"):
        list(load_snapshot([path]))


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(load_snapshot([tmp_path / "nope.json"]))
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(InputError, match="holds no snapshot files"):
        list(load_snapshot([empty_dir]))


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.assets import snapshot

    path = write_jsonl(tmp_path / "locked.jsonl", [sql_record("a")])

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(snapshot, "open", denied, raising=False)
    with pytest.raises(InputError, match="locked.jsonl: cannot read file: Permission denied"):
        list(load_snapshot([path]))


def test_empty_file_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("\n  \n")
    assert list(load_snapshot([path])) == []
