"""Deterministic synthetic Cloud Asset Inventory snapshots for the benchmark.

``write_snapshot(path, spec, seed)`` writes a ``gcloud asset export`` file (newline-delimited
JSON, snake_case envelope): mostly asset types no hascan rule reads, plus per project one
bundle of the types rules do read, with references that resolve inside the snapshot.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REGIONS = ("us-central1", "us-east1", "europe-west1", "asia-northeast1")
TEAMS = ("payments", "identity", "search", "platform", "data", "web")
ENVS = ("prod", "staging", "dev")
FP_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BASE_EPOCH = 1777885953  # 2026-05-04T09:12:33Z, the reference examples' export time
IMAGE = "https://www.googleapis.com/compute/v1/projects/debian-cloud/global"

# Records of the types rules read, written once per project (16 records per project).
BUNDLE = (("project", 1), ("project_iam", 1), ("sql", 2), ("redis", 1), ("run", 4),
          ("security_policy", 1), ("backend_service", 3), ("ssl_policy", 1), ("https_proxy", 2))
BUNDLE_SIZE = sum(count for _, count in BUNDLE)

# Types no rule reads, with their relative frequency.
OTHER_WEIGHTS = {"disk": 20, "instance": 14, "firewall": 8, "subnetwork": 5, "route": 6, "address": 4,
                 "service_account": 10, "bucket": 9, "topic": 7, "subscription": 10, "log_metric": 4}


@dataclass(frozen=True)
class Project:
    index: int
    id: str
    number: str
    folder: str
    org: str
    region: str

    @property
    def compute(self) -> str:
        return f"https://www.googleapis.com/compute/v1/projects/{self.id}"

    @property
    def ancestors(self) -> list[str]:
        return [f"projects/{self.number}", f"folders/{self.folder}", f"organizations/{self.org}"]

    def zone(self, rng: random.Random) -> str:
        return f"{self.region}-{rng.choice('abc')}"


@dataclass(frozen=True)
class SnapshotSpec:
    """How many projects (each with one bundle of rule-read records) and how many other records."""

    projects: int
    others: int

    @property
    def relevant(self) -> int:
        return self.projects * BUNDLE_SIZE

    @property
    def total(self) -> int:
        return self.relevant + self.others

    @classmethod
    def for_assets(cls, assets: int, relevant_percent: float) -> SnapshotSpec:
        projects = max(1, round(assets * relevant_percent / 100 / BUNDLE_SIZE))
        if projects * BUNDLE_SIZE > assets:
            raise ValueError(f"--assets must be at least {BUNDLE_SIZE * projects} for the rule-read records")
        return cls(projects=projects, others=assets - projects * BUNDLE_SIZE)


# A record body: (full name, asset type, REST version, discovery name, location, data).
Body = tuple[str, str, str, str, str, dict]


def _uid(rng: random.Random) -> str:
    return str(rng.randrange(10**18, 10**19))


def _fp(rng: random.Random, length: int = 12) -> str:
    return "".join(rng.choices(FP_CHARS, k=length))


def _ts(rng: random.Random, days: int = 700) -> str:
    stamp = time.gmtime(BASE_EPOCH - rng.randrange(days * 86400))
    return time.strftime("%Y-%m-%dT%H:%M:%S", stamp) + f".{rng.randrange(1000):03d}Z"


def _labels(rng: random.Random) -> dict:
    return {"env": rng.choice(ENVS), "team": rng.choice(TEAMS), "cost-center": f"cc-{rng.randrange(100, 999)}"}


def _disk(rng: random.Random, p: Project, i: int) -> Body:
    zone, name = p.zone(rng), f"disk-{i:07d}"
    data = {
        "id": _uid(rng), "kind": "compute#disk", "name": name, "creationTimestamp": _ts(rng),
        "sizeGb": str(rng.choice((10, 20, 50, 100, 200, 500))), "status": "READY",
        "zone": f"{p.compute}/zones/{zone}", "selfLink": f"{p.compute}/zones/{zone}/disks/{name}",
        "type": f"{p.compute}/zones/{zone}/diskTypes/{rng.choice(('pd-balanced', 'pd-ssd', 'pd-standard'))}",
        "sourceImage": f"{IMAGE}/images/debian-12-bookworm-v20260410", "sourceImageId": _uid(rng),
        "licenses": [f"{IMAGE}/licenses/debian-12-bookworm"],
        "users": [f"{p.compute}/zones/{zone}/instances/vm-{i:07d}"],
        "guestOsFeatures": [{"type": t} for t in ("UEFI_COMPATIBLE", "VIRTIO_SCSI_MULTIQUEUE", "GVNIC", "SEV_CAPABLE")],
        "labels": _labels(rng), "labelFingerprint": _fp(rng), "physicalBlockSizeBytes": "4096",
        "lastAttachTimestamp": _ts(rng, 30), "architecture": "X86_64", "satisfiesPzi": False,
        "resourcePolicies": [f"{p.compute}/regions/{p.region}/resourcePolicies/daily-snapshots"],
    }
    return (f"//compute.googleapis.com/projects/{p.id}/zones/{zone}/disks/{name}",
            "compute.googleapis.com/Disk", "v1", "Disk", zone, data)


def _instance(rng: random.Random, p: Project, i: int) -> Body:
    zone, name = p.zone(rng), f"vm-{i:07d}"
    base = f"{p.compute}/zones/{zone}"
    data = {
        "id": _uid(rng), "kind": "compute#instance", "name": name, "creationTimestamp": _ts(rng),
        "machineType": f"{base}/machineTypes/{rng.choice(('e2-standard-4', 'n2-standard-8', 'c3-highmem-4'))}",
        "status": rng.choice(("RUNNING", "RUNNING", "RUNNING", "TERMINATED")), "zone": base,
        "canIpForward": False, "cpuPlatform": "Intel Cascade Lake", "deletionProtection": False,
        "description": f"{rng.choice(TEAMS)} worker managed by instance group", "startRestricted": False,
        "disks": [{"autoDelete": True, "boot": True, "deviceName": "persistent-disk-0", "diskSizeGb": "50",
                   "index": 0, "interface": "SCSI", "kind": "compute#attachedDisk", "mode": "READ_WRITE",
                   "source": f"{base}/disks/{name}", "type": "PERSISTENT", "architecture": "X86_64",
                   "licenses": [f"{IMAGE}/licenses/debian-12-bookworm"],
                   "guestOsFeatures": [{"type": "UEFI_COMPATIBLE"}, {"type": "GVNIC"}]}],
        "networkInterfaces": [{
            "kind": "compute#networkInterface", "name": "nic0", "fingerprint": _fp(rng), "stackType": "IPV4_ONLY",
            "network": f"{p.compute}/global/networks/{p.id}-vpc",
            "subnetwork": f"{p.compute}/regions/{p.region}/subnetworks/{p.region}-apps",
            "networkIP": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(2, 254)}"}],
        "metadata": {"kind": "compute#metadata", "fingerprint": _fp(rng), "items": [
            {"key": "enable-oslogin", "value": "TRUE"},
            {"key": "startup-script", "value": "#!/bin/bash\nset -euo pipefail\n"
             "apt-get update && apt-get install -y google-osconfig-agent\nsystemctl enable --now worker.service\n"},
            {"key": "instance-template", "value": f"projects/{p.number}/global/instanceTemplates/worker-{i % 7}"}]},
        "scheduling": {"automaticRestart": True, "onHostMaintenance": "MIGRATE", "preemptible": False,
                       "provisioningModel": "STANDARD"},
        "serviceAccounts": [{"email": f"worker@{p.id}.iam.gserviceaccount.com", "scopes": [
            "https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/logging.write",
            "https://www.googleapis.com/auth/monitoring.write"]}],
        "shieldedInstanceConfig": {"enableSecureBoot": False, "enableVtpm": True, "enableIntegrityMonitoring": True},
        "shieldedInstanceIntegrityPolicy": {"updateAutoLearnPolicy": True},
        "tags": {"items": ["allow-health-checks", rng.choice(TEAMS)], "fingerprint": _fp(rng)},
        "labels": _labels(rng), "labelFingerprint": _fp(rng), "fingerprint": _fp(rng),
        "lastStartTimestamp": _ts(rng, 60), "selfLink": f"{base}/instances/{name}",
    }
    return (f"//compute.googleapis.com/projects/{p.id}/zones/{zone}/instances/{name}",
            "compute.googleapis.com/Instance", "v1", "Instance", zone, data)


def _firewall(rng: random.Random, p: Project, i: int) -> Body:
    name = f"fw-{rng.choice(TEAMS)}-{i:07d}"
    data = {
        "id": _uid(rng), "kind": "compute#firewall", "name": name, "creationTimestamp": _ts(rng),
        "description": "allow traffic from the load balancer and health checkers",
        "network": f"{p.compute}/global/networks/{p.id}-vpc", "priority": 1000, "direction": "INGRESS",
        "sourceRanges": ["35.191.0.0/16", "130.211.0.0/22"], "targetTags": ["allow-health-checks"],
        "allowed": [{"IPProtocol": "tcp", "ports": ["80", "443", str(rng.randrange(8000, 9000))]}],
        "logConfig": {"enable": rng.random() < 0.5}, "disabled": False,
        "selfLink": f"{p.compute}/global/firewalls/{name}",
    }
    return (f"//compute.googleapis.com/projects/{p.id}/global/firewalls/{name}",
            "compute.googleapis.com/Firewall", "v1", "Firewall", "global", data)


def _subnetwork(rng: random.Random, p: Project, i: int) -> Body:
    name, octet = f"subnet-{i:07d}", rng.randrange(256)
    data = {
        "id": _uid(rng), "kind": "compute#subnetwork", "name": name, "creationTimestamp": _ts(rng),
        "network": f"{p.compute}/global/networks/{p.id}-vpc", "ipCidrRange": f"10.{octet}.0.0/20",
        "gatewayAddress": f"10.{octet}.0.1", "region": f"{p.compute}/regions/{p.region}",
        "privateIpGoogleAccess": True, "purpose": "PRIVATE", "stackType": "IPV4_ONLY", "fingerprint": _fp(rng),
        "secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": f"10.{octet}.64.0/18"},
                              {"rangeName": "services", "ipCidrRange": f"10.{octet}.32.0/20"}],
        "logConfig": {"enable": True, "aggregationInterval": "INTERVAL_5_SEC", "flowSampling": 0.5,
                      "metadata": "INCLUDE_ALL_METADATA"},
        "selfLink": f"{p.compute}/regions/{p.region}/subnetworks/{name}",
    }
    return (f"//compute.googleapis.com/projects/{p.id}/regions/{p.region}/subnetworks/{name}",
            "compute.googleapis.com/Subnetwork", "v1", "Subnetwork", p.region, data)


def _route(rng: random.Random, p: Project, i: int) -> Body:
    name = f"route-{i:07d}"
    data = {
        "id": _uid(rng), "kind": "compute#route", "name": name, "creationTimestamp": _ts(rng),
        "description": "Default local route to the subnetwork", "destRange": f"10.{rng.randrange(256)}.0.0/20",
        "network": f"{p.compute}/global/networks/{p.id}-vpc", "priority": 0, "routeType": "SUBNET",
        "nextHopNetwork": f"{p.compute}/global/networks/{p.id}-vpc", "selfLink": f"{p.compute}/global/routes/{name}",
    }
    return (f"//compute.googleapis.com/projects/{p.id}/global/routes/{name}",
            "compute.googleapis.com/Route", "v1", "Route", "global", data)


def _address(rng: random.Random, p: Project, i: int) -> Body:
    name = f"addr-{i:07d}"
    data = {
        "id": _uid(rng), "kind": "compute#address", "name": name, "creationTimestamp": _ts(rng),
        "address": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(2, 254)}", "addressType": "INTERNAL",
        "purpose": "GCE_ENDPOINT", "status": "IN_USE", "networkTier": "PREMIUM", "ipVersion": "IPV4",
        "region": f"{p.compute}/regions/{p.region}", "labelFingerprint": _fp(rng),
        "subnetwork": f"{p.compute}/regions/{p.region}/subnetworks/{p.region}-apps",
        "users": [f"{p.compute}/zones/{p.zone(rng)}/instances/vm-{i:07d}"],
        "selfLink": f"{p.compute}/regions/{p.region}/addresses/{name}",
    }
    return (f"//compute.googleapis.com/projects/{p.id}/regions/{p.region}/addresses/{name}",
            "compute.googleapis.com/Address", "v1", "Address", p.region, data)


def _service_account(rng: random.Random, p: Project, i: int) -> Body:
    unique, email = str(rng.randrange(10**20, 10**21)), f"svc-{i:07d}@{p.id}.iam.gserviceaccount.com"
    data = {
        "name": f"projects/{p.id}/serviceAccounts/{email}", "projectId": p.id, "uniqueId": unique,
        "email": email, "displayName": f"{rng.choice(TEAMS)} workload identity", "etag": _fp(rng, 16),
        "oauth2ClientId": unique, "description": "Runs the service; managed by Terraform",
    }
    return (f"//iam.googleapis.com/projects/{p.id}/serviceAccounts/{unique}",
            "iam.googleapis.com/ServiceAccount", "v1", "ServiceAccount", "global", data)


def _bucket(rng: random.Random, p: Project, i: int) -> Body:
    name = f"{p.id}-{rng.choice(TEAMS)}-{i:07d}"
    created = _ts(rng)
    data = {
        "kind": "storage#bucket", "id": name, "name": name, "projectNumber": p.number,
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}", "metageneration": "3",
        "location": rng.choice(("US", "EU", p.region.upper())), "locationType": "multi-region",
        "storageClass": "STANDARD", "etag": "CAM=", "timeCreated": created, "updated": created,
        "iamConfiguration": {"bucketPolicyOnly": {"enabled": True}, "uniformBucketLevelAccess": {"enabled": True},
                             "publicAccessPrevention": "enforced"},
        "versioning": {"enabled": rng.random() < 0.3}, "labels": _labels(rng),
        "lifecycle": {"rule": [{"action": {"type": "Delete"}, "condition": {"age": 365, "isLive": False}},
                               {"action": {"type": "SetStorageClass", "storageClass": "NEARLINE"},
                                "condition": {"age": 30, "matchesStorageClass": ["STANDARD"]}}]},
        "softDeletePolicy": {"retentionDurationSeconds": "604800", "effectiveTime": created},
    }
    return (f"//storage.googleapis.com/{name}", "storage.googleapis.com/Bucket", "v1", "Bucket",
            data["location"].lower(), data)


def _topic(rng: random.Random, p: Project, i: int) -> Body:
    name = f"projects/{p.id}/topics/events-{i:07d}"
    data = {"name": name, "labels": _labels(rng),
            "messageStoragePolicy": {"allowedPersistenceRegions": [p.region, "us-east1"]},
            "messageRetentionDuration": "86400s"}
    return (f"//pubsub.googleapis.com/{name}", "pubsub.googleapis.com/Topic", "v1", "Topic", "global", data)


def _subscription(rng: random.Random, p: Project, i: int) -> Body:
    name = f"projects/{p.id}/subscriptions/worker-{i:07d}"
    data = {
        "name": name, "topic": f"projects/{p.id}/topics/events-{rng.randrange(max(i, 1)):07d}",
        "pushConfig": {}, "ackDeadlineSeconds": 60, "messageRetentionDuration": "604800s",
        "expirationPolicy": {"ttl": "2678400s"}, "state": "ACTIVE", "labels": _labels(rng),
        "retryPolicy": {"minimumBackoff": "10s", "maximumBackoff": "600s"},
        "deadLetterPolicy": {"deadLetterTopic": f"projects/{p.id}/topics/dead-letter", "maxDeliveryAttempts": 5},
    }
    return (f"//pubsub.googleapis.com/{name}", "pubsub.googleapis.com/Subscription", "v1", "Subscription",
            "global", data)


def _log_metric(rng: random.Random, p: Project, i: int) -> Body:
    name = f"errors-{i:07d}"
    data = {
        "name": name, "description": "Count of ERROR log entries per service",
        "filter": f'resource.type="cloud_run_revision" AND severity>=ERROR AND labels.team="{rng.choice(TEAMS)}"',
        "metricDescriptor": {"name": f"projects/{p.id}/metricDescriptors/logging.googleapis.com/user/{name}",
                             "metricKind": "DELTA", "valueType": "INT64", "unit": "1",
                             "type": f"logging.googleapis.com/user/{name}",
                             "labels": [{"key": "service_name", "description": "Cloud Run service"}]},
        "labelExtractors": {"service_name": "EXTRACT(resource.labels.service_name)"},
        "createTime": _ts(rng), "updateTime": _ts(rng, 30),
    }
    return (f"//logging.googleapis.com/projects/{p.number}/metrics/{name}",
            "logging.googleapis.com/LogMetric", "v2", "LogMetric", "global", data)


def _project(rng: random.Random, p: Project, i: int) -> Body:
    data = {"projectNumber": p.number, "projectId": p.id, "lifecycleState": "ACTIVE", "name": p.id,
            "createTime": _ts(rng, 2000), "labels": _labels(rng), "parent": {"type": "folder", "id": p.folder}}
    return (f"//cloudresourcemanager.googleapis.com/projects/{p.number}",
            "cloudresourcemanager.googleapis.com/Project", "v1", "Project", "global", data)


def _sql(rng: random.Random, p: Project, i: int) -> Body:
    name, zone = f"pg-{i:07d}", p.zone(rng)
    data = {
        "kind": "sql#instance", "name": name, "project": p.id, "region": p.region, "gceZone": zone,
        "databaseVersion": "POSTGRES_15", "backendType": "SECOND_GEN", "instanceType": "CLOUD_SQL_INSTANCE",
        "state": "RUNNABLE", "connectionName": f"{p.id}:{p.region}:{name}",
        "ipAddresses": [{"type": "PRIVATE", "ipAddress": f"10.20.{rng.randrange(256)}.{rng.randrange(2, 254)}"}],
        "serviceAccountEmailAddress": f"p{p.number}-abc123@gcp-sa-cloud-sql.iam.gserviceaccount.com",
        "settings": {
            "tier": rng.choice(("db-custom-1-3840", "db-custom-2-7680", "db-g1-small")), "edition": "ENTERPRISE",
            "availabilityType": "REGIONAL" if rng.random() < 0.8 else "ZONAL", "activationPolicy": "ALWAYS",
            "pricingPlan": "PER_USE", "dataDiskType": "PD_SSD", "dataDiskSizeGb": "20", "settingsVersion": "12",
            "storageAutoResize": True, "storageAutoResizeLimit": "0",
            "maintenanceWindow": {"day": 7.0, "hour": 3.0, "kind": "sql#maintenanceWindow"},
            "locationPreference": {"zone": zone, "kind": "sql#locationPreference"},
            "backupConfiguration": {"enabled": rng.random() < 0.9, "startTime": "02:00",
                                    "pointInTimeRecoveryEnabled": True, "transactionLogRetentionDays": 7.0,
                                    "backupRetentionSettings": {"retentionUnit": "COUNT", "retainedBackups": 30.0}},
            "ipConfiguration": {"ipv4Enabled": rng.random() < 0.1,
                                "privateNetwork": f"projects/{p.id}/global/networks/{p.id}-vpc",
                                "sslMode": rng.choice(("ENCRYPTED_ONLY", "ALLOW_UNENCRYPTED_AND_ENCRYPTED"))},
            "databaseFlags": [{"name": "max_connections", "value": "200"}, {"name": "log_min_duration_statement",
                                                                              "value": "1000"}],
        },
    }
    return (f"//cloudsql.googleapis.com/projects/{p.id}/instances/{name}",
            "sqladmin.googleapis.com/Instance", "v1beta4", "DatabaseInstance", p.region, data)


def _redis(rng: random.Random, p: Project, i: int) -> Body:
    name = f"projects/{p.id}/locations/{p.region}/instances/cache-{i:07d}"
    ha = rng.random() < 0.8
    data = {
        "name": name, "tier": "STANDARD_HA" if ha else "BASIC", "memorySizeGb": 5.0, "redisVersion": "REDIS_7_2",
        "locationId": f"{p.region}-a", "alternativeLocationId": f"{p.region}-b" if ha else "",
        "replicaCount": 1.0 if ha else 0.0,
        "readReplicasMode": "READ_REPLICAS_ENABLED" if ha else "READ_REPLICAS_DISABLED",
        "connectMode": "PRIVATE_SERVICE_ACCESS", "authorizedNetwork": f"projects/{p.id}/global/networks/{p.id}-vpc",
        "authEnabled": True, "transitEncryptionMode": "SERVER_AUTHENTICATION", "state": "READY",
        "host": f"10.30.{rng.randrange(256)}.4", "port": 6379.0, "createTime": _ts(rng),
        "nodes": [{"id": f"node-{n}", "zone": f"{p.region}-{zone}"} for n, zone in enumerate("ab" if ha else "a")],
    }
    return (f"//redis.googleapis.com/{name}", "redis.googleapis.com/Instance", "v1", "Instance", p.region, data)


def _run(rng: random.Random, p: Project, i: int) -> Body:
    service, connector = f"svc-{i:07d}", f"projects/{p.id}/locations/{p.region}/connectors/{p.id}-conn"
    if rng.random() < 0.5:
        data = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {
            "name": service, "namespace": p.number, "labels": {"criticality": rng.choice(("critical", "standard"))},
            "annotations": {"run.googleapis.com/ingress": "internal-and-cloud-load-balancing"}},
            "spec": {"template": {"metadata": {"annotations": {
                "autoscaling.knative.dev/minScale": rng.choice(("0", "1", "2")),
                "autoscaling.knative.dev/maxScale": "10", "run.googleapis.com/vpc-access-connector": connector,
                "run.googleapis.com/vpc-access-egress": "private-ranges-only"}},
                "spec": {"timeoutSeconds": 300.0, "containerConcurrency": 80.0, "containers": [{
                    "image": f"us-docker.pkg.dev/{p.id}/apps/{service}:1.4.2",
                    "resources": {"limits": {"cpu": "1000m", "memory": "1Gi"}}}]}}}}
        version = "v1"
    else:
        data = {"name": f"projects/{p.id}/locations/{p.region}/services/{service}",
                "ingress": rng.choice(("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_ALL")),
                "labels": {"criticality": "critical"}, "template": {
                    "scaling": {"minInstanceCount": rng.choice((0, 1, 2)), "maxInstanceCount": 4}, "timeout": "300s",
                    "vpcAccess": {"connector": connector, "egress": "PRIVATE_RANGES_ONLY"},
                    "containers": [{"image": f"us-docker.pkg.dev/{p.id}/apps/{service}:2.0.1",
                                    "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}
        version = "v2"
    return (f"//run.googleapis.com/projects/{p.id}/locations/{p.region}/services/{service}",
            "run.googleapis.com/Service", version, "Service", p.region, data)


def _security_policy(rng: random.Random, p: Project, i: int) -> Body:
    name = f"armor-{p.index}"

    def waf(priority: int, rule: str) -> dict:
        return {"priority": priority, "action": "deny(403)", "preview": rng.random() < 0.1,
                "match": {"expr": {"expression": f"evaluatePreconfiguredWaf('{rule}', {{'sensitivity': 1}})"}}}
    everyone = {"versionedExpr": "SRC_IPS_V1", "config": {"srcIpRanges": ["*"]}}
    data = {"name": name, "type": "CLOUD_ARMOR", "fingerprint": _fp(rng),
            "adaptiveProtectionConfig": {"layer7DdosDefenseConfig": {"enable": True}},
            "rules": [waf(1000, "sqli-v33-stable"), waf(1010, "xss-v33-stable"),
                      {"priority": 2000.0, "action": "throttle", "match": everyone, "rateLimitOptions": {
                          "conformAction": "allow", "exceedAction": "deny(429)", "enforceOnKey": "IP",
                          "rateLimitThreshold": {"count": 100.0, "intervalSec": 60.0}}},
                      {"priority": 2147483647.0, "action": "allow", "match": everyone}],
            "selfLink": f"{p.compute}/global/securityPolicies/{name}"}
    return (f"//compute.googleapis.com/projects/{p.id}/global/securityPolicies/{name}",
            "compute.googleapis.com/SecurityPolicy", "v1", "SecurityPolicy", "global", data)


def _backend_service(rng: random.Random, p: Project, i: int) -> Body:
    name = f"bs-{i:07d}"
    data = {"name": name, "id": _uid(rng), "loadBalancingScheme": "EXTERNAL_MANAGED", "protocol": "HTTPS",
            "securityPolicy": f"{p.compute}/global/securityPolicies/armor-{p.index}", "timeoutSec": 30.0,
            "backends": [{"group": f"{p.compute}/regions/{p.region}/networkEndpointGroups/neg-{i:07d}",
                          "balancingMode": "UTILIZATION", "capacityScaler": 1.0}],
            "logConfig": {"enable": True, "sampleRate": 1.0}, "selfLink": f"{p.compute}/global/backendServices/{name}"}
    return (f"//compute.googleapis.com/projects/{p.id}/global/backendServices/{name}",
            "compute.googleapis.com/BackendService", "v1", "BackendService", "global", data)


def _ssl_policy(rng: random.Random, p: Project, i: int) -> Body:
    name = f"tls-{p.index}"
    modern = rng.random() < 0.7
    data = {"name": name, "profile": "RESTRICTED" if modern else "COMPATIBLE",
            "minTlsVersion": "TLS_1_3" if modern else "TLS_1_0", "fingerprint": _fp(rng),
            "selfLink": f"{p.compute}/global/sslPolicies/{name}"}
    return (f"//compute.googleapis.com/projects/{p.id}/global/sslPolicies/{name}",
            "compute.googleapis.com/SslPolicy", "v1", "SslPolicy", "global", data)


def _https_proxy(rng: random.Random, p: Project, i: int) -> Body:
    name = f"proxy-{i:07d}"
    data = {"name": name, "id": _uid(rng), "urlMap": f"{p.compute}/global/urlMaps/urlmap-{i:07d}",
            "sslCertificates": [f"{p.compute}/global/sslCertificates/cert-{i:07d}"],
            "sslPolicy": f"{p.compute}/global/sslPolicies/tls-{p.index}", "quicOverride": "NONE",
            "selfLink": f"{p.compute}/global/targetHttpsProxies/{name}"}
    return (f"//compute.googleapis.com/projects/{p.id}/global/targetHttpsProxies/{name}",
            "compute.googleapis.com/TargetHttpsProxy", "v1", "TargetHttpsProxy", "global", data)


GENERATORS: dict[str, Callable[[random.Random, Project, int], Body]] = {
    "disk": _disk, "instance": _instance, "firewall": _firewall, "subnetwork": _subnetwork, "route": _route,
    "address": _address, "service_account": _service_account, "bucket": _bucket, "topic": _topic,
    "subscription": _subscription, "log_metric": _log_metric, "project": _project, "sql": _sql, "redis": _redis,
    "run": _run, "security_policy": _security_policy, "backend_service": _backend_service,
    "ssl_policy": _ssl_policy, "https_proxy": _https_proxy,
}


def _project_iam(rng: random.Random, p: Project) -> dict:
    """The project's IAM_POLICY record: a second record with the project's name (export style, int log types)."""
    return {"name": f"//cloudresourcemanager.googleapis.com/projects/{p.number}",
            "asset_type": "cloudresourcemanager.googleapis.com/Project",
            "iam_policy": {"version": 1, "etag": _fp(rng, 16), "bindings": [
                {"role": "roles/run.admin", "members": [f"group:{rng.choice(TEAMS)}@acme.example"]},
                {"role": "roles/viewer", "members": ["group:auditors@acme.example"]}],
                "audit_configs": [{"service": "allServices", "audit_log_configs": [
                    {"log_type": 1}, {"log_type": 3}, {"log_type": 2}]}]},
            "ancestors": p.ancestors, "update_time": _ts(rng, 90)}


def _envelope(rng: random.Random, p: Project, body: Body) -> dict:
    name, asset_type, version, discovery, location, data = body
    api = asset_type.split(".", 1)[0]
    is_project = asset_type == "cloudresourcemanager.googleapis.com/Project"
    parent = f"folders/{p.folder}" if is_project else f"projects/{p.number}"
    return {"name": name, "asset_type": asset_type, "resource": {
        "version": version,
        "discovery_document_uri": f"https://www.googleapis.com/discovery/v1/apis/{api}/{version}/rest",
        "discovery_name": discovery, "parent": f"//cloudresourcemanager.googleapis.com/{parent}",
        "location": location, "data": data}, "ancestors": p.ancestors, "update_time": _ts(rng, 90)}


def _projects(rng: random.Random, count: int) -> list[Project]:
    org = str(rng.randrange(10**11, 10**12))
    folders = [str(rng.randrange(10**11, 10**12)) for _ in range(max(1, count // 20))]
    return [Project(index=k, id=f"acme-{rng.choice(TEAMS)}-{k:05d}", number=str(100000000000 + k * 7919),
                    folder=rng.choice(folders), org=org, region=rng.choice(REGIONS)) for k in range(count)]


def _plan(rng: random.Random, spec: SnapshotSpec) -> list[tuple[str, int]]:
    """Every record to write as (kind, project index), shuffled like an export of many projects."""
    plan = [(kind, k) for k in range(spec.projects) for kind, count in BUNDLE for _ in range(count)]
    kinds, weights = zip(*OTHER_WEIGHTS.items())
    plan += [(kind, rng.randrange(spec.projects)) for kind in rng.choices(kinds, weights, k=spec.others)]
    rng.shuffle(plan)
    return plan


def snapshot_records(spec: SnapshotSpec, seed: int) -> Iterator[dict]:
    """The records of a snapshot, deterministic for (spec, seed)."""
    rng = random.Random(seed)
    projects = _projects(rng, spec.projects)
    for i, (kind, k) in enumerate(_plan(rng, spec)):
        p = projects[k]
        if kind == "project_iam":
            yield _project_iam(rng, p)
        else:
            yield _envelope(rng, p, GENERATORS[kind](rng, p, i))


def write_snapshot(path: Path, spec: SnapshotSpec, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for record in snapshot_records(spec, seed):
            out.write(json.dumps(record, separators=(",", ":")))
            out.write("\n")
