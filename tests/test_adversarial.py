"""An adversarial catalogue: hostile and careless configs, grouped by what they attack.

Every case must end in exit code 1, name the field at fault (or, for YAML and environment problems, the
lines or the file) and write nothing. Most run through the CLI's entry point in-process (fast); a
representative subset (SUBPROCESS) runs the real command line as a separate process.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from configs import s3_with_iam
from measured import Outcome, Run, Runner

ROOT = Path(__file__).resolve().parent.parent
HEADER = "apiVersion: zymtrace.io/v1alpha1\nkind: ZymtraceBackend\nmetadata:\n  name: zymtrace\n  namespace: zymtrace\n"

CH_EXISTING = {"mode": "use_existing", "use_existing": {"host": "https://ch.example.com:8443", "user": "u"}}
PG_EXISTING = {"mode": "use_existing", "use_existing": {"host": "db.example.com:5432", "user": "u"}}
S3 = s3_with_iam()


def sc(**kw: Any) -> dict[str, Any]:
    return {"services": {"web": kw}}


def affinity(value: Any) -> dict[str, Any]:
    return {"services": {"web": {"affinity": value}}}


def node_terms(*expressions: dict[str, Any]) -> dict[str, Any]:
    terms = [{"matchExpressions": list(expressions)}]
    return affinity({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}})


def tolerations(*items: Any) -> dict[str, Any]:
    return {"services": {"web": {"tolerations": list(items)}}}


def pod_ctx(**kw: Any) -> dict[str, Any]:
    return {"security": {"podSecurityContext": kw}}


def ctr_ctx(**kw: Any) -> dict[str, Any]:
    return {"security": {"containerSecurityContext": kw}}


def behavior(value: Any) -> dict[str, Any]:
    return {"services": {"common": {"hpa": {"enabled": True, "behavior": value}}}}


def policy(**kw: Any) -> dict[str, Any]:
    return behavior({"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60, **kw}]}})


def web_resources(requests: dict[str, Any] | None = None, limits: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"services": {"web": {"resources": {"requests": requests or {}, "limits": limits or {}}}}}


def volume(**kw: Any) -> dict[str, Any]:
    return {"postgres": {"create": {"storage": kw}}}


def glob(**kw: Any) -> dict[str, Any]:
    return {"global": kw}


def gateway_host(**kw: Any) -> dict[str, Any]:
    return {"ingress": {"enabled": True, "hosts": {"gateway": kw}}}


P_WEB = "spec.services.web"
P_AFF = f"{P_WEB}.affinity"
P_NODE = f"{P_AFF}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
P_POLICY = "spec.services.common.hpa.behavior.scaleUp.policies[0]"
P_PSC = "spec.security.podSecurityContext"
P_CSC = "spec.security.containerSecurityContext"
HUGE = "x" * (300 * 1024)

# (category, id, spec, path the error names)
SPEC_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # ---------------------------------------------------------------- affinity
    ("affinity", "typo-nodeAffinty", affinity({"nodeAffinty": {}}), f"{P_AFF}.nodeAffinty"),
    (
        "affinity",
        "pod-anti-affinity-without-topologyKey",
        affinity(
            {
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {"matchLabels": {"a": "b"}}}]
                }
            }
        ),
        f"{P_AFF}.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
    ),
    (
        "affinity",
        "empty-nodeSelectorTerms",
        affinity({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}),
        P_NODE,
    ),
    (
        "affinity",
        "In-without-values",
        node_terms({"key": "zone", "operator": "In"}),
        f"{P_NODE}[0].matchExpressions[0]",
    ),
    (
        "affinity",
        "Exists-with-values",
        node_terms({"key": "zone", "operator": "Exists", "values": ["a"]}),
        f"{P_NODE}[0].matchExpressions[0]",
    ),
    (
        "affinity",
        "Gt-not-integer",
        node_terms({"key": "cpus", "operator": "Gt", "values": ["many"]}),
        f"{P_NODE}[0].matchExpressions[0]",
    ),
    (
        "affinity",
        "unknown-operator",
        node_terms({"key": "zone", "operator": "Near", "values": ["a"]}),
        f"{P_NODE}[0].matchExpressions[0].operator",
    ),
    (
        "affinity",
        "weight-0",
        affinity(
            {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 0, "preference": {}}]}}
        ),
        f"{P_AFF}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
    ),
    (
        "affinity",
        "weight-101",
        affinity(
            {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 101, "preference": {}}]}}
        ),
        f"{P_AFF}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
    ),
    (
        "affinity",
        "weighted-term-without-podAffinityTerm",
        affinity({"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 5}]}}),
        f"{P_AFF}.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm",
    ),
    (
        "affinity",
        "bad-topologyKey",
        affinity({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "not valid!"}]}}),
        f"{P_AFF}.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
    ),
    (
        "affinity",
        "bad-namespace",
        affinity(
            {
                "podAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {"topologyKey": "zone", "namespaces": ["Bad_NS"]}
                    ]
                }
            }
        ),
        f"{P_AFF}.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespaces[0]",
    ),
    (
        "affinity",
        "Lt-negative",
        node_terms({"key": "cpus", "operator": "Lt", "values": ["-3"]}),
        f"{P_NODE}[0].matchExpressions[0].values[0]",
    ),
    (
        "affinity",
        "label-value",
        node_terms({"key": "zone", "operator": "In", "values": ["eu west"]}),
        f"{P_NODE}[0].matchExpressions[0].values[0]",
    ),
    ("affinity", "scalar", affinity("anywhere"), P_AFF),
    ("affinity", "list", {"clickhouse": {"affinity": []}}, "spec.clickhouse.affinity"),
    (
        "affinity",
        "common-typo",
        {"services": {"common": {"affinity": {"podAfinity": {}}}}},
        "spec.services.common.affinity.podAfinity",
    ),
    # ---------------------------------------------------------------- tolerations
    (
        "tolerations",
        "Exists-with-value",
        tolerations({"key": "a", "operator": "Exists", "value": "x"}),
        f"{P_WEB}.tolerations[0]",
    ),
    (
        "tolerations",
        "seconds-without-effect",
        tolerations({"key": "a", "value": "b", "tolerationSeconds": 5}),
        f"{P_WEB}.tolerations[0]",
    ),
    (
        "tolerations",
        "seconds-with-NoSchedule",
        tolerations({"key": "a", "effect": "NoSchedule", "tolerationSeconds": 5}),
        f"{P_WEB}.tolerations[0]",
    ),
    ("tolerations", "Equal-without-key", tolerations({"operator": "Equal", "value": "x"}), f"{P_WEB}.tolerations[0]"),
    ("tolerations", "bad-key", tolerations({"key": "bad key", "operator": "Exists"}), f"{P_WEB}.tolerations[0]"),
    (
        "tolerations",
        "operator-typo",
        tolerations({"key": "a", "operator": "Equals"}),
        f"{P_WEB}.tolerations[0].operator",
    ),
    ("tolerations", "effect-typo", tolerations({"key": "a", "effect": "NoExecut"}), f"{P_WEB}.tolerations[0].effect"),
    (
        "tolerations",
        "seconds-bool",
        tolerations({"key": "a", "effect": "NoExecute", "tolerationSeconds": True}),
        f"{P_WEB}.tolerations[0].tolerationSeconds",
    ),
    ("tolerations", "bad-value", tolerations({"key": "a", "value": "bad value!"}), f"{P_WEB}.tolerations[0]"),
    ("tolerations", "map-not-list", {"services": {"web": {"tolerations": {"key": "a"}}}}, f"{P_WEB}.tolerations"),
    ("tolerations", "unknown-key", tolerations({"key": "a", "operater": "Exists"}), f"{P_WEB}.tolerations[0].operater"),
    # ---------------------------------------------------------------- security contexts
    ("security", "runAsUsr", pod_ctx(runAsUsr=1000), f"{P_PSC}.runAsUsr"),
    ("security", "readOnlyRootFileSystem", ctr_ctx(readOnlyRootFileSystem=True), f"{P_CSC}.readOnlyRootFileSystem"),
    (
        "security",
        "negative-uid",
        {"services": {"web": {"securityContext": {"runAsUser": -1}}}},
        f"{P_WEB}.securityContext.runAsUser",
    ),
    ("security", "uid-overflow", pod_ctx(runAsUser=2**31), f"{P_PSC}.runAsUser"),
    ("security", "runAsNonRoot-maybe", ctr_ctx(runAsNonRoot="maybe"), f"{P_CSC}.runAsNonRoot"),
    ("security", "drop-not-list", ctr_ctx(capabilities={"drop": "ALL"}), f"{P_CSC}.capabilities.drop"),
    ("security", "localhost-without-profile", pod_ctx(seccompProfile={"type": "Localhost"}), f"{P_PSC}.seccompProfile"),
    (
        "security",
        "privileged-without-escalation",
        {"services": {"web": {"securityContext": {"privileged": True, "allowPrivilegeEscalation": False}}}},
        "spec.services.web.securityContext.allowPrivilegeEscalation",
    ),
    (
        "security",
        "sys-admin-without-escalation",
        ctr_ctx(allowPrivilegeEscalation=False, capabilities={"add": ["CAP_SYS_ADMIN"]}),
        f"{P_CSC}.allowPrivilegeEscalation",
    ),
    (
        "security",
        "empty-gmsa-spec",
        ctr_ctx(windowsOptions={"gmsaCredentialSpec": ""}),
        f"{P_CSC}.windowsOptions.gmsaCredentialSpec",
    ),
    (
        "security",
        "gmsa-name-upper",
        ctr_ctx(windowsOptions={"gmsaCredentialSpecName": "Spec"}),
        f"{P_CSC}.windowsOptions.gmsaCredentialSpecName",
    ),
    (
        "security",
        "empty-windows-user",
        ctr_ctx(windowsOptions={"runAsUserName": ""}),
        f"{P_CSC}.windowsOptions.runAsUserName",
    ),
    (
        "security",
        "windows-user-two-backslashes",
        ctr_ctx(windowsOptions={"runAsUserName": "a\\b\\c"}),
        f"{P_CSC}.windowsOptions.runAsUserName",
    ),
    (
        "security",
        "seccomp-lowercase",
        pod_ctx(seccompProfile={"type": "runtimedefault"}),
        f"{P_PSC}.seccompProfile.type",
    ),
    (
        "security",
        "profile-with-RuntimeDefault",
        ctr_ctx(seccompProfile={"type": "RuntimeDefault", "localhostProfile": "x.json"}),
        f"{P_CSC}.seccompProfile",
    ),
    ("security", "procMount-Masked", ctr_ctx(procMount="Masked"), f"{P_CSC}.procMount"),
    ("security", "fsGroupChangePolicy", pod_ctx(fsGroupChangePolicy="Sometimes"), f"{P_PSC}.fsGroupChangePolicy"),
    ("security", "sysctl-name", pod_ctx(sysctls=[{"name": "bad name", "value": "1"}]), f"{P_PSC}.sysctls[0].name"),
    ("security", "negative-group", pod_ctx(supplementalGroups=[-5]), f"{P_PSC}.supplementalGroups[0]"),
    (
        "security",
        "privileged-on-pod",
        {"postgres": {"create": {"podSecurityContext": {"privileged": True}}}},
        "spec.postgres.create.podSecurityContext.privileged",
    ),
    (
        "security",
        "capabilities-remove",
        {"storage": {"create": {"securityContext": {"capabilities": {"remove": ["ALL"]}}}}},
        "spec.storage.create.securityContext.capabilities.remove",
    ),
    ("security", "context-scalar", {"security": {"podSecurityContext": "strict"}}, P_PSC),
    # ---------------------------------------------------------------- HPA behavior
    ("hpa-behavior", "scaleup-typo", behavior({"scaleup": {}}), "spec.services.common.hpa.behavior.scaleup"),
    (
        "hpa-behavior",
        "window-3601",
        behavior({"scaleDown": {"stabilizationWindowSeconds": 3601}}),
        "spec.services.common.hpa.behavior.scaleDown.stabilizationWindowSeconds",
    ),
    ("hpa-behavior", "policy-type", policy(type="Pod"), f"{P_POLICY}.type"),
    ("hpa-behavior", "policy-value-0", policy(value=0), f"{P_POLICY}.value"),
    ("hpa-behavior", "period-1801", policy(periodSeconds=1801), f"{P_POLICY}.periodSeconds"),
    (
        "hpa-behavior",
        "missing-period",
        behavior({"scaleUp": {"policies": [{"type": "Pods", "value": 1}]}}),
        f"{P_POLICY}.periodSeconds",
    ),
    (
        "hpa-behavior",
        "selectPolicy",
        behavior({"scaleUp": {"selectPolicy": "Maximum"}}),
        "spec.services.common.hpa.behavior.scaleUp.selectPolicy",
    ),
    (
        "hpa-behavior",
        "policies-map",
        {"services": {"web": {"hpa": {"enabled": True, "behavior": {"scaleUp": {"policies": {"type": "Pods"}}}}}}},
        f"{P_WEB}.hpa.behavior.scaleUp.policies",
    ),
    ("hpa-behavior", "scalar", behavior("fast"), "spec.services.common.hpa.behavior"),
    ("hpa-behavior", "value-bool", policy(value=True), f"{P_POLICY}.value"),
    # ---------------------------------------------------------------- probes
    (
        "probes",
        "period-0",
        {"clickhouse": {"create": {"healthProbes": {"liveness": {"periodSeconds": 0}}}}},
        "spec.clickhouse.create.healthProbes.liveness.periodSeconds",
    ),
    (
        "probes",
        "timeout-overflow",
        {"storage": {"create": {"healthProbes": {"readiness": {"timeoutSeconds": 2**31}}}}},
        "spec.storage.create.healthProbes.readiness.timeoutSeconds",
    ),
    (
        "probes",
        "negative-delay",
        {"clickhouse": {"create": {"healthProbes": {"liveness": {"initialDelaySeconds": -1}}}}},
        "spec.clickhouse.create.healthProbes.liveness.initialDelaySeconds",
    ),
    (
        "probes",
        "threshold-bool",
        {"clickhouse": {"create": {"healthProbes": {"liveness": {"failureThreshold": True}}}}},
        "spec.clickhouse.create.healthProbes.liveness.failureThreshold",
    ),
    (
        "probes",
        "typo",
        {"clickhouse": {"create": {"healthProbes": {"liveness": {"periodSecond": 5}}}}},
        "spec.clickhouse.create.healthProbes.liveness.periodSecond",
    ),
    # ---------------------------------------------------------------- resources and quantities
    ("quantities", "minus-one", web_resources({"cpu": "-1"}), f"{P_WEB}.resources.requests.cpu"),
    ("quantities", "inf-string", web_resources(limits={"memory": ".inf"}), f"{P_WEB}.resources.limits.memory"),
    ("quantities", "inf-float", web_resources(limits={"memory": float("inf")}), f"{P_WEB}.resources.limits.memory"),
    ("quantities", "nan", web_resources(limits={"cpu": float("nan")}), f"{P_WEB}.resources.limits.cpu"),
    ("quantities", "cpu-request-over-limit", web_resources({"cpu": 2}, {"cpu": 1}), f"{P_WEB}.resources"),
    (
        "quantities",
        "memory-request-over-limit",
        web_resources({"memory": "2Gi"}, {"memory": "1Gi"}),
        f"{P_WEB}.resources",
    ),
    ("quantities", "milli-over-limit", web_resources({"cpu": "1500m"}, {"cpu": "1"}), f"{P_WEB}.resources"),
    ("quantities", "name-with-space", web_resources({"my resource": 1}), f"{P_WEB}.resources"),
    ("quantities", "extended-without-domain", web_resources({"gpu": 1}), f"{P_WEB}.resources"),
    ("quantities", "unit-word", web_resources(limits={"cpu": "1 core"}), f"{P_WEB}.resources.limits.cpu"),
    ("quantities", "bool", web_resources(limits={"cpu": True}), f"{P_WEB}.resources.limits.cpu"),
    ("quantities", "negative-float", web_resources({"cpu": -0.5}), f"{P_WEB}.resources.requests.cpu"),
    (
        "quantities",
        "job-resources",
        {"storage": {"create": {"jobResources": {"limits": {"memory": "lots"}}}}},
        "spec.storage.create.jobResources.limits.memory",
    ),
    ("quantities", "request-typo", {"services": {"web": {"resources": {"request": {}}}}}, f"{P_WEB}.resources.request"),
    ("quantities", "trailing-newline", web_resources(limits={"memory": "1Ki\n"}), f"{P_WEB}.resources.limits.memory"),
    (
        "names",
        "secret-key-path",
        {"global": {"licenseKeySecretName": "lic", "licenseKeySecretKey": "/abs"}},
        "spec.global.licenseKeySecretKey",
    ),
    ("quantities", "lowercase-suffix", web_resources(limits={"memory": "1gi"}), f"{P_WEB}.resources.limits.memory"),
    ("volumes", "size-0", volume(size=0), "spec.postgres.create.storage.size"),
    ("volumes", "size-0Gi", volume(size="0Gi"), "spec.postgres.create.storage.size"),
    ("volumes", "size-negative", volume(size="-1Gi"), "spec.postgres.create.storage.size"),
    ("volumes", "size-word", volume(size="big"), "spec.postgres.create.storage.size"),
    ("volumes", "class-underscore", volume(className="Fast_SSD"), "spec.postgres.create.storage.className"),
    ("volumes", "class-space", volume(className="fast ssd"), "spec.postgres.create.storage.className"),
    (
        "volumes",
        "subPath-dotdot",
        volume(type="existing_pvc", existing_pvc={"pvcName": "data", "subPath": "../etc"}),
        "spec.postgres.create.storage.existing_pvc.subPath",
    ),
    (
        "volumes",
        "subPath-absolute",
        volume(type="existing_pvc", existing_pvc={"pvcName": "data", "subPath": "/abs"}),
        "spec.postgres.create.storage.existing_pvc.subPath",
    ),
    (
        "volumes",
        "subPath-inner-dotdot",
        volume(type="existing_pvc", existing_pvc={"pvcName": "data", "subPath": "a/../../b"}),
        "spec.postgres.create.storage.existing_pvc.subPath",
    ),
    (
        "volumes",
        "pvc-name",
        volume(type="existing_pvc", existing_pvc={"pvcName": "My PVC"}),
        "spec.postgres.create.storage.existing_pvc.pvcName",
    ),
    # ---------------------------------------------------------------- names, labels, annotations
    ("names", "prefix-digit", glob(namePrefix="1abc"), "spec.global.namePrefix"),
    ("names", "prefix-dash", glob(namePrefix="-abc"), "spec.global.namePrefix"),
    ("names", "prefix-upper", glob(namePrefix="ABC"), "spec.global.namePrefix"),
    ("names", "prefix-long", glob(namePrefix="a" * 41), "spec.global.namePrefix"),
    ("names", "prefix-dot", glob(namePrefix="a.b"), "spec.global.namePrefix"),
    ("names", "prefix-bool", glob(namePrefix=True), "spec.global.namePrefix"),
    ("names", "chartVersion-plus", glob(chartVersion="1.0+build"), "spec.global.chartVersion"),
    ("names", "chartVersion-long", glob(chartVersion="a" * 64), "spec.global.chartVersion"),
    ("names", "chartVersion-dash", glob(chartVersion="-1.0"), "spec.global.chartVersion"),
    ("names", "clusterDomain", glob(clusterDomain="Cluster.Local"), "spec.global.clusterDomain"),
    (
        "names",
        "pull-secret",
        {"global": {"registry": {"pullSecretName": "Bad_Secret"}}},
        "spec.global.registry.pullSecretName",
    ),
    ("names", "license-secret", glob(licenseKeySecretName="x y"), "spec.global.licenseKeySecretName"),
    ("labels", "label-key", sc(podLabels={"bad key!": "x"}), f"{P_WEB}.podLabels.bad key!"),
    ("labels", "label-value", sc(podLabels={"tier": "bad value!"}), f"{P_WEB}.podLabels.tier"),
    ("labels", "label-value-long", sc(podLabels={"tier": "a" * 64}), f"{P_WEB}.podLabels.tier"),
    ("labels", "service-label-key", sc(service={"labels": {"-x": "y"}}), f"{P_WEB}.service.labels.-x"),
    (
        "labels",
        "empty-prefix",
        {"services": {"common": {"nodeSelector": {"kubernetes.io/": "x"}}}},
        "spec.services.common.nodeSelector.kubernetes.io/",
    ),
    (
        "labels",
        "podmonitor-label",
        {"metricReporter": {"podMonitor": {"additionalLabels": {"k": "x y"}}}},
        "spec.metricReporter.podMonitor.additionalLabels.k",
    ),
    ("annotations", "key-two-slashes", sc(podAnnotations={"a/b/c": "x"}), f"{P_WEB}.podAnnotations.a/b/c"),
    ("annotations", "pod-300KiB", sc(podAnnotations={"big": HUGE}), f"{P_WEB}.podAnnotations"),
    ("annotations", "ingress-300KiB", {"ingress": {"annotations": {"big": HUGE}}}, "spec.ingress.annotations"),
    ("annotations", "service-300KiB", sc(service={"annotations": {"big": HUGE}}), f"{P_WEB}.service.annotations"),
    ("env", "name-digit", sc(env={"1BAD": "x"}), f"{P_WEB}.env.1BAD"),
    ("env", "nested", sc(env={"A": {"nested": 1}}), f"{P_WEB}.env.A"),
    (
        "env",
        "configmap-over-1MiB",
        {"services": {"common": {"env": {f"V{i}": "x" * 200_000 for i in range(6)}}}},
        "spec.services.common.env",
    ),
    (
        "ports",
        "portName-upper",
        {"services": {"gateway": {"service": {"portName": "HTTP"}}}},
        "spec.services.gateway.service.portName",
    ),
    (
        "ports",
        "portName-long",
        {"services": {"gateway": {"service": {"portName": "a-very-long-port-name"}}}},
        "spec.services.gateway.service.portName",
    ),
    (
        "ports",
        "portName-digits",
        {"services": {"gateway": {"service": {"portName": "123"}}}},
        "spec.services.gateway.service.portName",
    ),
    (
        "ports",
        "portName-double-dash",
        {"services": {"gateway": {"service": {"portName": "a--b"}}}},
        "spec.services.gateway.service.portName",
    ),
    (
        "ports",
        "portName-empty",
        {"services": {"gateway": {"service": {"portName": ""}}}},
        "spec.services.gateway.service.portName",
    ),
    ("ports", "port-0", {"services": {"ingest": {"port": 0}}}, "spec.services.ingest.port"),
    ("ports", "port-65536", {"services": {"ingest": {"port": 65536}}}, "spec.services.ingest.port"),
    ("ports", "port-bool", {"services": {"ingest": {"port": True}}}, "spec.services.ingest.port"),
    (
        "ports",
        "clickhouse-port",
        {"clickhouse": {"create": {"service": {"http": {"port": 70000}}}}},
        "spec.clickhouse.create.service.http.port",
    ),
    ("ports", "nodePort-80", sc(service={"type": "NodePort", "nodePort": 80}), f"{P_WEB}.service.nodePort"),
    # ---------------------------------------------------------------- images
    ("images", "repo-upper", sc(image={"repository": "Zymtrace-Backend"}), f"{P_WEB}.image.repository"),
    ("images", "repo-space", sc(image={"repository": "zymtrace backend"}), f"{P_WEB}.image.repository"),
    ("images", "repo-scheme", sc(image={"repository": "https://ghcr.io/x"}), f"{P_WEB}.image.repository"),
    ("images", "repo-with-tag", sc(image={"repository": "zymtrace:1.0"}), f"{P_WEB}.image.repository"),
    ("images", "tag-space", sc(image={"tag": "v 1"}), f"{P_WEB}.image.tag"),
    ("images", "tag-colon", sc(image={"tag": ":latest"}), f"{P_WEB}.image.tag"),
    ("images", "tag-dash", sc(image={"tag": "-rc1"}), f"{P_WEB}.image.tag"),
    ("images", "tag-long", sc(image={"tag": "a" * 129}), f"{P_WEB}.image.tag"),
    ("images", "registry-scheme", glob(imageRegistry="https://docker.io"), "spec.global.imageRegistry"),
    ("images", "registry-trailing-slash", glob(imageRegistry="docker.io/"), "spec.global.imageRegistry"),
    ("images", "registry-upper-path", glob(appImageRegistry="ghcr.io/Zystem"), "spec.global.appImageRegistry"),
    ("images", "db-registry-space", glob(dbImageRegistry="my registry"), "spec.global.dbImageRegistry"),
    ("images", "appVersion-space", glob(appVersion="1.0 beta"), "spec.global.appVersion"),
    ("images", "common-imageTag", {"services": {"common": {"imageTag": "latest!"}}}, "spec.services.common.imageTag"),
    (
        "images",
        "clickhouse-repo-upper",
        {"clickhouse": {"create": {"image": {"repository": "clickhouse/ClickHouse-server"}}}},
        "spec.clickhouse.create.image.repository",
    ),
    (
        "images",
        "proxy-tag-digest",
        {"postgres": {"gcp_cloudsql": {"proxy": {"image": {"tag": "2.11@sha256"}}}}},
        "spec.postgres.gcp_cloudsql.proxy.image.tag",
    ),
    # ---------------------------------------------------------------- hosts and URLs
    (
        "hosts",
        "clickhouse-shell",
        {"clickhouse": {**CH_EXISTING, "use_existing": {"host": "not a host; rm -rf /", "user": "u"}}},
        "spec.clickhouse.use_existing.host",
    ),
    (
        "hosts",
        "clickhouse-space",
        {"clickhouse": {**CH_EXISTING, "use_existing": {"host": "http://ch host:8123", "user": "u"}}},
        "spec.clickhouse.use_existing.host",
    ),
    (
        "hosts",
        "postgres-shell",
        {"postgres": {**PG_EXISTING, "use_existing": {"host": "not a host; rm -rf /", "user": "u"}}},
        "spec.postgres.use_existing.host",
    ),
    (
        "hosts",
        "postgres-port",
        {"postgres": {**PG_EXISTING, "use_existing": {"host": "db:99999", "user": "u"}}},
        "spec.postgres.use_existing.host",
    ),
    (
        "hosts",
        "aurora-subshell",
        {"postgres": {"mode": "aws_aurora", "aws_aurora": {"host": "$(whoami)", "user": "u", "region": "eu-west-1"}}},
        "spec.postgres.aws_aurora.host",
    ),
    (
        "hosts",
        "minio-endpoint",
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {"type": "minio", "minio": {"endpoint": "http://minio;reboot"}},
            }
        },
        "spec.storage.use_existing.minio.endpoint",
    ),
    (
        "hosts",
        "s3-endpoint",
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {"type": "s3", "s3": {"endpoint": "https://s3 .amazonaws.com"}},
            }
        },
        "spec.storage.use_existing.s3.endpoint",
    ),
    (
        "hosts",
        "gcs-endpoint",
        {"storage": {"mode": "use_existing", "use_existing": {"type": "gcs", "gcs": {"endpoint": "gs://bucket name"}}}},
        "spec.storage.use_existing.gcs.endpoint",
    ),
    (
        "hosts",
        "symbolization-endpoint",
        {"globalSymbolization": {"config": {"endpoint": "http://`id`"}}},
        "spec.globalSymbolization.config.endpoint",
    ),
    (
        "hosts",
        "issuer-space",
        {"auth": {"oidc": {"provider": {"issuerUri": "https://accounts google.com"}}}},
        "spec.auth.oidc.provider.issuerUri",
    ),
    (
        "hosts",
        "redirect-javascript",
        {"auth": {"oidc": {"provider": {"redirectUri": "javascript:alert(1)"}}}},
        "spec.auth.oidc.provider.redirectUri",
    ),
    ("hosts", "llm-pipe", {"aiAssistant": {"customLLM": {"url": "http://x|y"}}}, "spec.aiAssistant.customLLM.url"),
    (
        "hosts",
        "mcp-endpoint",
        {"aiAssistant": {"mcpServers": [{"name": "a", "endpoint": "not a url"}]}},
        "spec.aiAssistant.mcpServers[0].endpoint",
    ),
    # ---------------------------------------------------------------- ingress
    ("ingress", "host-upper", gateway_host(host="Zymtrace.Example.com"), "spec.ingress.hosts.gateway.host"),
    ("ingress", "host-port", gateway_host(host="zymtrace.example.com:443"), "spec.ingress.hosts.gateway.host"),
    ("ingress", "host-ip", gateway_host(host="10.0.0.1"), "spec.ingress.hosts.gateway.host"),
    ("ingress", "host-shell", gateway_host(host="not a host; rm -rf /"), "spec.ingress.hosts.gateway.host"),
    ("ingress", "host-star", gateway_host(host="*"), "spec.ingress.hosts.gateway.host"),
    (
        "ingress",
        "path-relative",
        gateway_host(host="z.example.com", paths=[{"path": "api"}]),
        "spec.ingress.hosts.gateway.paths[0]",
    ),
    (
        "ingress",
        "path-double-slash",
        gateway_host(host="z.example.com", paths=[{"path": "/a//b"}]),
        "spec.ingress.hosts.gateway.paths[0]",
    ),
    (
        "ingress",
        "path-dotdot",
        gateway_host(host="z.example.com", paths=[{"path": "/../x"}]),
        "spec.ingress.hosts.gateway.paths[0]",
    ),
    (
        "ingress",
        "pathType-lowercase",
        gateway_host(host="z.example.com", paths=[{"path": "/", "pathType": "prefix"}]),
        "spec.ingress.hosts.gateway.paths[0].pathType",
    ),
    ("ingress", "no-paths", gateway_host(host="z.example.com", paths=[]), "spec.ingress.hosts.gateway.paths"),
    ("ingress", "tls-secret", {"ingress": {"tls": [{"secretName": "TLS_secret"}]}}, "spec.ingress.tls[0].secretName"),
    (
        "ingress",
        "tls-host",
        {"ingress": {"tls": [{"secretName": "tls", "hosts": ["Bad Host"]}]}},
        "spec.ingress.tls[0].hosts[0]",
    ),
    ("ingress", "className", {"ingress": {"className": "Nginx Internal"}}, "spec.ingress.className"),
    ("ingress", "mtls-host", gateway_host(mtls={"host": "mtls..example.com"}), "spec.ingress.hosts.gateway.mtls.host"),
    (
        "ingress",
        "mtls-path-space",
        gateway_host(mtls={"host": "m.example.com", "paths": [{"path": "/ x", "pathType": "Exact"}]}),
        "spec.ingress.hosts.gateway.mtls.paths[0]",
    ),
    # ---------------------------------------------------------------- integers and booleans
    ("integers", "replicas-true", sc(replicas=True), f"{P_WEB}.replicas"),
    ("integers", "replicas-0", sc(replicas=0), f"{P_WEB}.replicas"),
    ("integers", "replicas-overflow", sc(replicas=2**31), f"{P_WEB}.replicas"),
    ("integers", "replicas-fraction", sc(replicas=1.5), f"{P_WEB}.replicas"),
    ("integers", "replicas-word", sc(replicas="two"), f"{P_WEB}.replicas"),
    (
        "integers",
        "minReplicas-false",
        {"services": {"common": {"hpa": {"minReplicas": False}}}},
        "spec.services.common.hpa.minReplicas",
    ),
    (
        "integers",
        "cpu-percent-101",
        {"services": {"common": {"hpa": {"targetCPUUtilizationPercentage": 101}}}},
        "spec.services.common.hpa.targetCPUUtilizationPercentage",
    ),
    ("integers", "retention-negative", glob(dataRetentionDays=-1), "spec.global.dataRetentionDays"),
    ("integers", "timeout-0", {"services": {"migrate": {"timeoutSeconds": 0}}}, "spec.services.migrate.timeoutSeconds"),
    (
        "integers",
        "hops-negative",
        {"services": {"gateway": {"xff_num_trusted_hops": -1}}},
        "spec.services.gateway.xff_num_trusted_hops",
    ),
    (
        "integers",
        "request-size-overflow",
        {"aiAssistant": {"requestSizeLimit": 9_999_999_999}},
        "spec.aiAssistant.requestSizeLimit",
    ),
    ("integers", "poll-true", {"metricReporter": {"pollPeriodSec": True}}, "spec.metricReporter.pollPeriodSec"),
    (
        "integers",
        "statefulset-replicas-true",
        {"clickhouse": {"create": {"replicas": True}}},
        "spec.clickhouse.create.replicas",
    ),
    # ---------------------------------------------------------------- durations
    (
        "durations",
        "words",
        {"metricReporter": {"podMonitor": {"interval": "30 seconds"}}},
        "spec.metricReporter.podMonitor.interval",
    ),
    (
        "durations",
        "fraction",
        {"metricReporter": {"podMonitor": {"interval": "1.5m"}}},
        "spec.metricReporter.podMonitor.interval",
    ),
    (
        "durations",
        "negative",
        {"metricReporter": {"podMonitor": {"interval": "-30s"}}},
        "spec.metricReporter.podMonitor.interval",
    ),
    (
        "durations",
        "number",
        {"metricReporter": {"podMonitor": {"interval": 30}}},
        "spec.metricReporter.podMonitor.interval",
    ),
    # ---------------------------------------------------------------- databases
    (
        "databases",
        "empty-postgres-user",
        {"postgres": {"create": {"config": {"user": ""}}}},
        "spec.postgres.create.config.user",
    ),
    (
        "databases",
        "postgres-user-sql",
        {"postgres": {"create": {"config": {"user": "postgres; DROP"}}}},
        "spec.postgres.create.config.user",
    ),
    (
        "databases",
        "empty-clickhouse-user",
        {"clickhouse": {"create": {"config": {"user": ""}}}},
        "spec.clickhouse.create.config.user",
    ),
    (
        "databases",
        "database-semicolon",
        {"postgres": {**PG_EXISTING, "use_existing": {**PG_EXISTING["use_existing"], "database": "zym;drop"}}},
        "spec.postgres.use_existing.database",
    ),
    (
        "databases",
        "database-dash",
        {"clickhouse": {"create": {"config": {"database": "a-b"}}}},
        "spec.clickhouse.create.config.database",
    ),
    (
        "databases",
        "database-digit",
        {"postgres": {"aws_aurora": {"database": "1db"}}},
        "spec.postgres.aws_aurora.database",
    ),
    (
        "databases",
        "cluster-name",
        {"clickhouse": {**CH_EXISTING, "use_existing": {**CH_EXISTING["use_existing"], "clusterName": "c; x"}}},
        "spec.clickhouse.use_existing.clusterName",
    ),
    (
        "databases",
        "existing-user-space",
        {"postgres": {**PG_EXISTING, "use_existing": {**PG_EXISTING["use_existing"], "user": "a b"}}},
        "spec.postgres.use_existing.user",
    ),
]

# (category, id, spec, path, secret text that must not appear in the output)
SECRET_CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    (
        "credentials",
        "postgres-newline",
        {"postgres": {"create": {"config": {"password": "hunter2\nx"}}}},
        "spec.postgres.create.config.password",
        "hunter2",
    ),
    (
        "credentials",
        "clickhouse-nul",
        {"clickhouse": {"create": {"config": {"password": "hunter2\x00"}}}},
        "spec.clickhouse.create.config.password",
        "hunter2",
    ),
    (
        "credentials",
        "minio-tab",
        {"storage": {"create": {"config": {"password": "hunter2\tx"}}}},
        "spec.storage.create.config.password",
        "hunter2",
    ),
    (
        "credentials",
        "admin-escape",
        {"auth": {"admin": {"password": "hunter2\x1b[31m"}}},
        "spec.auth.admin.password",
        "hunter2",
    ),
    (
        "credentials",
        "basic-cr",
        {"auth": {"type": "basic", "basic": {"username": "u", "password": "hunter2\rx"}}},
        "spec.auth.basic.password",
        "hunter2",
    ),
    (
        "credentials",
        "registry-del",
        {"global": {"registry": {"password": "hunter2\x7f"}}},
        "spec.global.registry.password",
        "hunter2",
    ),
    ("credentials", "demo-newline", {"prefillDemo": {"password": "hunter2\n"}}, "spec.prefillDemo.password", "hunter2"),
    (
        "credentials",
        "oidc-bell",
        {"auth": {"oidc": {"provider": {"clientSecret": "hunter2\x07"}}}},
        "spec.auth.oidc.provider.clientSecret",
        "hunter2",
    ),
    (
        "credentials",
        "s3-key-newline",
        {"storage": {**S3, "use_existing": {"type": "s3", "s3": {"region": "eu-west-1", "secretKey": "hunter2\n"}}}},
        "spec.storage.use_existing.s3.secretKey",
        "hunter2",
    ),
]

# (category, id, YAML text under the header, path, fragments the message must hold)
YAML_CASES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    (
        "yaml",
        "duplicate-strictSecrets",
        "spec:\n  gitops:\n    strictSecrets: true\n    strictSecrets: false\n",
        "",
        ("duplicate key 'strictSecrets'", "line 9", "first at line 8"),
    ),
    (
        "yaml",
        "duplicate-service",
        "spec:\n  services:\n    web: {}\n    web: {replicas: 2}\n",
        "",
        ("duplicate key 'web'", "first at line 8"),
    ),
    ("yaml", "duplicate-spec", "spec: {}\nspec: {}\n", "", ("duplicate key 'spec'", "first at line 6")),
    ("yaml", "duplicate-metadata-name", "spec: {}\n", "", ()),  # replaced below: needs its own header
    (
        "yaml",
        "timestamp",
        "spec:\n  global:\n    chartVersion: 2024-01-01\n",
        "spec.global.chartVersion",
        ("date/time", "quote"),
    ),
    (
        "yaml",
        "timestamp-in-env",
        "spec:\n  services:\n    web:\n      env:\n        START: 2024-01-01T10:00:00Z\n",
        "spec.services.web.env.START",
        ("date/time",),
    ),
    (
        "yaml",
        "binary",
        "spec:\n  global:\n    licenseKey: !!binary aGVsbG8=\n",
        "spec.global.licenseKey",
        ("!!binary",),
    ),
    ("yaml", "set", "spec:\n  auth:\n    admin:\n      roles: !!set {a, b}\n", "spec.auth.admin.roles", ("!!set",)),
    (
        "yaml",
        "omap",
        "spec:\n  services:\n    common:\n      env: !!omap [{A: x}]\n",
        "spec.services.common.env",
        ("!!omap",),
    ),
    (
        "yaml",
        "pairs",
        "spec:\n  services:\n    web:\n      podLabels: !!pairs [{a: b}]\n",
        "spec.services.web.podLabels",
        ("!!pairs",),
    ),
    (
        "yaml",
        "timestamp-key",
        "spec:\n  services:\n    web:\n      podLabels:\n        2024-01-01: x\n",
        "spec.services.web.podLabels.2024-01-01",
        ("date/time",),
    ),
    ("yaml", "spec-scalar", "spec: 5\n", "spec", ("mapping",)),
    ("yaml", "services-scalar", "spec:\n  services: none\n", "spec.services", ("mapping",)),
    ("yaml", "global-list", "spec:\n  global: []\n", "spec.global", ("mapping",)),
    (
        "yaml",
        "bool-word",
        "spec:\n  gitops:\n    strictSecrets: maybe\n",
        "spec.gitops.strictSecrets",
        ("true or false",),
    ),
]
YAML_CASES[3] = (
    "yaml",
    "duplicate-metadata-name",
    "spec: {}\n",
    "",
    ("duplicate key 'name'", "first at line 4"),
)

ALL = (
    [(c, i, "spec", (s, p)) for c, i, s, p in SPEC_CASES]
    + [(c, i, "secret", (s, p, t)) for c, i, s, p, t in SECRET_CASES]
    + [(c, i, "yaml", (y, p, f)) for c, i, y, p, f in YAML_CASES]
)
# Every 12th case also runs as a real process (the installed command line), the others in-process.
SUBPROCESS = {i for n, (_, i, _, _) in enumerate(ALL) if n % 12 == 0}


def _document(kind: str, data: tuple[Any, ...]) -> str:
    if kind == "yaml":
        text = data[0]
        if text == "spec: {}\n":  # the duplicate-metadata-name case
            return HEADER.replace("  namespace:", "  name: other\n  namespace:") + text
        return HEADER + text
    return HEADER + yaml.safe_dump({"spec": data[0]}, sort_keys=False)


def _run(args: list[str], in_process: bool, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    if in_process:
        from kustomize_zymtrace.cli import main

        code = main(args)
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "kustomize_zymtrace", *args], capture_output=True, text=True, env=env, timeout=120
    )
    return proc.returncode, proc.stdout, proc.stderr


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("[error]")]


@pytest.mark.parametrize(("category", "case", "kind", "data"), ALL, ids=[f"{c}/{i}" for c, i, _, _ in ALL])
def test_catalogue(
    category: str, case: str, kind: str, data: tuple[Any, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(_document(kind, data))
    out = tmp_path / "out"
    code, stdout, stderr = _run(["render", str(config), "-o", str(out)], case not in SUBPROCESS, capsys)
    errors = _errors(stderr)
    assert code == 1, f"exit {code}: {stderr}"
    assert not out.exists(), "an invalid config wrote output"
    assert stdout == ""
    assert "internal error" not in stderr and "Traceback" not in stderr
    path = data[1]
    if path:
        assert any(f" {path}: " in line for line in errors), f"no error at {path}: {errors}"
    if kind == "yaml":
        assert any(all(fragment in line for fragment in data[2]) for line in errors), errors
    if kind == "secret":
        assert data[2] not in stdout + stderr, "a credential was echoed"


# ---------------------------------------------------------------- environment


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(HEADER + "spec: {}\n")
    return config


def test_environment_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = _run(["render", str(tmp_path / "nope.yaml")], True, capsys)
    assert (code, stdout) == (1, "")
    assert _errors(stderr) == [f"[error] cannot read {tmp_path / 'nope.yaml'}: No such file or directory"]


def test_environment_directory_as_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = _run(["render", str(tmp_path)], True, capsys)
    assert code == 1 and "Is a directory" in stderr and len(_errors(stderr)) == 1


def test_environment_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(HEADER.encode() + b"spec:\n  global:\n    licenseKey: \xff\xfe\n")
    code, _, stderr = _run(["render", str(bad)], True, capsys)
    assert code == 1 and "not UTF-8" in stderr


def test_environment_output_not_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, stderr = _run(["render", str(_config(tmp_path)), "-o", str(blocker / "out")], True, capsys)
    assert code == 1
    assert any("cannot write" in line and "Not a directory" in line for line in _errors(stderr)), stderr
    assert blocker.read_text() == "x"


def test_environment_disk_full_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fourth file hits a full disk: no file of the render is left behind."""
    real = Path.write_text
    calls: list[Path] = []

    def failing(self: Path, *args: Any, **kwargs: Any) -> int:
        calls.append(self)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing)
    out = tmp_path / "out"
    code, _, stderr = _run(["render", str(_config(tmp_path)), "-o", str(out)], True, capsys)
    assert code == 1
    assert any("No space left on device" in line for line in _errors(stderr)), stderr
    assert len(calls) >= 4, "the failure was not reached"
    assert not [p for p in tmp_path.rglob("*.yaml") if p.parent != tmp_path], "a file of the render was left behind"


def test_environment_disk_full_keeps_the_previous_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, out = _config(tmp_path), tmp_path / "out"
    assert _run(["render", str(config), "-o", str(out)], True, capsys)[0] == 0
    before = {p: p.read_text() for p in out.rglob("*")}
    config.write_text(HEADER + "spec:\n  global:\n    namePrefix: other\n")

    def full(self: Path, *args: Any, **kwargs: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    code, _, stderr = _run(["render", str(config), "-o", str(out)], True, capsys)
    assert code == 1 and "No space left on device" in stderr
    assert {p: p.read_text() for p in out.rglob("*")} == before


def _process(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kustomize_zymtrace", *args], env=env, timeout=120, **kwargs)


def test_environment_stdout_full(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = _process(["render", str(_config(tmp_path))], stdout=full, stderr=subprocess.PIPE)
    errors = _errors(proc.stderr.decode())
    assert proc.returncode == 1
    assert errors == ["[error] cannot write to stdout: No space left on device"]
    assert b"Exception ignored" not in proc.stderr


def test_environment_stdout_closed(tmp_path: Path) -> None:
    proc = subprocess.run(
        f"exec {sys.executable} -m kustomize_zymtrace render {_config(tmp_path)} >&-",
        shell=True,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 1
    assert _errors(proc.stderr.decode()) == ["[error] cannot write to stdout: it is closed"]


def test_environment_broken_pipe(tmp_path: Path) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m kustomize_zymtrace render {_config(tmp_path)} | true; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports `cmd | head` when head left early
    assert _errors(proc.stderr.decode()) == []


def test_environment_krm_stdin_closed() -> None:
    proc = subprocess.run(
        f"exec {sys.executable} -m kustomize_zymtrace <&-",
        shell=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 1
    assert _errors(proc.stderr.decode()) == ["[error] cannot read stdin: it is closed"]
    assert proc.stdout == b""


def test_catalogue_size() -> None:
    categories = {category for category, *_ in ALL}
    assert len(ALL) >= 150 and len(categories) >= 15


# ---------------------------------------------------------------- the other side: valid edges are accepted

EDGE_SPEC: dict[str, Any] = {
    "global": {
        "namePrefix": "z" + "a" * 38 + "9",  # the longest prefix: 40 characters
        "chartVersion": "v" + "1" * 61 + "z",  # a 63-character label value
        "appImageRegistry": "localhost:5000/team_a/sub-path",
        "dbImageRegistry": "Registry.Example.com:443",
    },
    "services": {
        "common": {
            "imageTag": "v1.2.3_rc-1",
            "tolerations": [
                {"operator": "Exists"},
                {"key": "example.com/dedicated", "operator": "Equal", "value": "zymtrace", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "tolerationSeconds": 2**62},
            ],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [{"key": "cpus", "operator": "Gt", "values": ["3"]}]},
                            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]},
                        ]
                    },
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 100, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}
                    ],
                },
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 1,
                            "podAffinityTerm": {
                                "topologyKey": "kubernetes.io/hostname",
                                "labelSelector": {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]},
                                "namespaces": ["a" * 63],
                            },
                        }
                    ]
                },
            },
            "hpa": {
                "enabled": True,
                "minReplicas": 1,
                "maxReplicas": 2**31 - 1,
                "behavior": {
                    "scaleUp": {
                        "stabilizationWindowSeconds": 3600,
                        "selectPolicy": "Disabled",
                        "policies": [{"type": "Percent", "value": 2**31 - 1, "periodSeconds": 1800}],
                    },
                    "scaleDown": {
                        "stabilizationWindowSeconds": 0,
                        "policies": [{"type": "Pods", "value": 1, "periodSeconds": 1}],
                    },
                },
            },
        },
        "ingest": {"port": 65535, "portTrusted": 1, "portHealth": 8377},
        "web": {
            "resources": {
                "requests": {"cpu": "100m", "memory": "1.5Gi", "ephemeral-storage": "1e3"},
                "limits": {"cpu": 0.5, "memory": "1.5Gi", "hugepages-2Mi": "0", "example.com/gpu": 1},
            },
            "podLabels": {"example.com/" + "k" * 63: "v" * 63},
            "podAnnotations": {"note": "x" * (200 * 1024)},
        },
        "gateway": {"service": {"portName": "a" * 15}},
        # privileged asked for: the hardening's allowPrivilegeEscalation: false yields to it
        "symdb": {"securityContext": {"privileged": True, "capabilities": {"add": ["CAP_SYS_ADMIN"]}}},
        "bucket-check": {"nodeSelector": {"pool": "jobs"}},
    },
    "security": {
        "podSecurityContext": {
            "runAsUser": 2**31 - 1,
            "runAsGroup": 0,
            "fsGroupChangePolicy": "OnRootMismatch",
            "supplementalGroups": [0, 2**31 - 1],
            "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/zymtrace.json"},
        },
        "containerSecurityContext": {
            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
            "windowsOptions": {
                "gmsaCredentialSpecName": "gmsa-spec.example",
                "gmsaCredentialSpec": "{}",
                "runAsUserName": "NT AUTHORITY\\ContainerUser",
            },
        },
    },
    "clickhouse": {
        "create": {
            "storage": {"className": "a" * 63 + "." + "b" * 63, "size": "1.5Gi"},
            "healthProbes": {"liveness": {"periodSeconds": 2**31 - 1, "failureThreshold": 2**31 - 1}},
        }
    },
    "postgres": {
        "create": {
            "storage": {"type": "existing_pvc", "existing_pvc": {"pvcName": "data", "subPath": "a/..b/c.d"}},
        }
    },
    "ingress": {
        "enabled": True,
        "className": "nginx.internal",
        "hosts": {
            "gateway": {
                "host": "*.zymtrace.example.com",
                "paths": [
                    {"path": "/api/v1", "pathType": "Exact"},
                    {"path": "/x", "pathType": "ImplementationSpecific"},
                ],
            }
        },
        "tls": [{"secretName": "tls.example", "hosts": ["*.zymtrace.example.com"]}],
    },
    "metricReporter": {"podMonitor": {"enabled": True, "interval": "1h30m15s"}},
}


def test_edge_values_are_accepted_by_the_api_server(apiserver: Any) -> None:
    """The limits enforced above are the API server's own: values at the edge still apply."""
    from helpers import config as make_config
    from helpers import record

    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render

    apiserver.namespace("edges")
    backend, _ = load(make_config(EDGE_SPEC, namespace="edges"))
    objects = record(render(backend))
    kinds = {obj["kind"] for obj in objects}
    assert {"HorizontalPodAutoscaler", "Ingress", "PodMonitor", "Job"} <= kinds
    results = apiserver.apply_all(objects, dry_run=True)
    rejected = [f"{r.ref}: {r.message}" for r in results if not r.ok]
    assert not rejected, "valid edge values rejected by the API server:\n" + "\n".join(rejected)
    assert len(results) == len(objects)


# ---------------------------------------------------------------- Helm parity and the one YAML reading


def _render(spec: dict[str, Any]) -> list[dict[str, Any]]:
    from helpers import render

    return render(spec)


def _env(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)["data"]


def test_null_deletes_list_defaults_as_in_helm() -> None:
    """auth.admin.roles: null leaves no roles (the chart then omits the variable), not the default back."""
    provider = {"clientId": "c", "redirectUri": "https://z.example.com/api/v1/oauth2/callback"}
    spec = {"auth": {"type": "oidc", "oidc": {"provider": {**provider, "scopes": None, "extraParams": None}}}}
    spec["auth"]["admin"] = {"roles": None}
    data = _env(_render(spec), "ConfigMap", "zymtrace-auth-config")
    defaults = _env(
        _render({"auth": {"type": "oidc", "oidc": {"provider": provider}}}),
        "ConfigMap",
        "zymtrace-auth-config",
    )
    for key in ("IDENTITY__AUTH__ADMIN__ROLES", "IDENTITY__AUTH__OIDC__SCOPES", "IDENTITY__AUTH__OIDC__EXTRA_PARAMS"):
        assert key in defaults and key not in data


def test_from_helm_values_keeps_an_explicit_null(tmp_path: Path) -> None:
    from kustomize_zymtrace.helm_values import convert

    values = (
        "services:\n  common:\n    hpa:\n      enabled: true\n"
        "      behavior: null\n      targetMemoryUtilizationPercentage: null\n"
    )
    out = yaml.safe_load(convert(values, "values.yaml", name="z", namespace="z"))
    hpa = out["spec"]["services"]["common"]["hpa"]
    assert hpa["behavior"] is None and hpa["targetMemoryUtilizationPercentage"] is None
    assert hpa["maxReplicas"] == 10  # the chart's other defaults are still pinned
    objects = _render(out["spec"])
    scaler = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    assert "behavior" not in scaler["spec"]
    assert [m["resource"]["name"] for m in scaler["spec"]["metrics"]] == ["cpu"]


def test_one_yaml_reading_for_convert_and_render(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The converter and render agree on what a value is: an unquoted `on` (a boolean to Helm) is refused
    where a name belongs, by the converter already; quoted, it is the text "on" in both."""
    from kustomize_zymtrace.cli import main

    values = tmp_path / "values.yaml"
    values.write_text("global:\n  namePrefix: on\n")
    assert main(["from-helm-values", str(values)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "spec.global.namePrefix: " in captured.err
    values.write_text('global:\n  namePrefix: "on"\n')
    assert main(["from-helm-values", str(values)]) == 0
    converted = tmp_path / "config.yaml"
    converted.write_text(capsys.readouterr().out)
    assert main(["render", str(converted)]) == 0
    names = [o["metadata"]["name"] for o in yaml.safe_load_all(capsys.readouterr().out)]
    assert "on-gateway" in names


def test_from_helm_values_rejects_duplicate_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kustomize_zymtrace.cli import main

    values = tmp_path / "values.yaml"
    values.write_text("gitops:\n  strictSecrets: true\n  strictSecrets: false\n")
    assert main(["from-helm-values", str(values)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "duplicate key 'strictSecrets' (first at line 2)" in captured.err and "line 3" in captured.err


def test_bucket_check_placement_from_the_charts_key() -> None:
    spec = {
        "storage": s3_with_iam(),
        "services": {
            "migrate": {"nodeSelector": {"pool": "migrate"}, "tolerations": [{"operator": "Exists"}]},
            "bucket-check": {"nodeSelector": {"pool": "checks"}},
        },
    }
    objects = _render(spec)
    job = next(o for o in objects if o["kind"] == "Job" and "-bucket-check-" in o["metadata"]["name"])
    pod = job["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"pool": "checks"}  # its own key
    assert pod["tolerations"] == [{"operator": "Exists"}]  # else the migrate Job's
    migrate = next(o for o in objects if o["kind"] == "Job" and "-migrate-" in o["metadata"]["name"])
    assert migrate["spec"]["template"]["spec"]["nodeSelector"] == {"pool": "migrate"}


def test_rerender_into_a_relative_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staged files are found again whatever the form of the output path (tempfile names are absolute)."""
    from kustomize_zymtrace.cli import main

    monkeypatch.chdir(tmp_path)
    _config(tmp_path)
    assert main(["render", "config.yaml", "-o", "out"]) == 0
    (tmp_path / "config.yaml").write_text(HEADER + "spec:\n  global:\n    appVersion: 26.9.0\n")
    assert main(["render", "config.yaml", "-o", "out", "--layout", "stages"]) == 0
    files = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.yaml"))
    assert files and not any(".tmp-" in name for name in files)
    assert all("/" in name for name in files)  # the flat files are gone
    capsys.readouterr()


# ================================================================ every surface: one reader, one error contract
#
# Each case runs one command line in a forked child of a server that has the package imported (tests/
# measured.py): exit code, the message (it names the file, field or line), that nothing was written, and
# the run's own CPU time and peak memory, against the bounds every command keeps.

CPU_SECONDS, PEAK_MB = 5.0, 500.0
Content = str | bytes | None | Callable[[], str]  # a callable: made when the case runs
BASE_CONFIG = ROOT / "base" / "generator" / "zymtrace.yaml"
FINISH_CONFIG = "apiVersion: zymtrace.io/v1alpha1\nkind: ZymtraceFinish\nmetadata:\n  name: finish\n"
REPORT = os.environ.get("ADVERSARIAL_REPORT")  # a file: one JSON line per case (surface, seconds, MB)


@dataclass(frozen=True)
class Case:
    surface: str
    category: str
    name: str
    argv: tuple[str, ...]  # "{d}" is the case's directory, "{base}" a valid config
    files: tuple[tuple[str, Content], ...] = ()  # name -> content; None: a FIFO; "/": a directory
    stdin: str | None = None  # a file of the case, a device path, or "closed"
    fragments: tuple[str, ...] = ()  # one [error] line holds them all
    code: int = 1
    stdout: str = "capture"  # capture | full | closed
    stderr: str = "capture"
    env: tuple[tuple[str, str | None], ...] = ()
    exec: bool = False  # a fresh process (standard streams closed before start, the locale)
    krm: bool = False  # a KRM function: stdout is a ResourceList with error results

    @property
    def id(self) -> str:
        return f"{self.surface}/{self.category}/{self.name}"


def _laughs() -> str:
    """Ten levels of ten aliases: 110 values as written, 10**10 once expanded."""
    levels = ["&l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"&l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 10)]
    return "[" + ", ".join(levels) + "]"


def _nested(depth: int, inner: str = "x") -> str:
    return "[" * depth + inner + "]" * depth


HUGE_VALUE = "a" * (9 * 1024 * 1024)
# Hostile values: (name, the value as YAML text, what the error says, whether KRM's any-YAML reading refuses it)
HOSTILE: list[tuple[str, str | bytes, tuple[str, ...], bool]] = [
    ("recursive-sequence", "&a [1, *a]", ("recursive alias", ": line "), True),
    ("recursive-mapping", "&a {y: *a}", ("recursive alias",), True),
    ("billion-laughs", _laughs(), ("more than 500,000 values",), True),
    ("nested-150", _nested(150), ("nested more than 100 levels",), True),
    ("nested-through-alias", f"[&d {_nested(60)}, {_nested(60, '*d')}]", ("nested more than 100 levels",), True),
    ("over-8-MiB", HUGE_VALUE, ("larger than 8 MiB",), True),
    ("not-utf8", b"\xff\xfe", ("not UTF-8",), True),
    ("undefined-alias", "*nope", ("undefined alias *nope",), True),
    ("bad-int-tag", "!!int twelve", ("'twelve' is not a valid int",), True),
    ("bad-bool-tag", "!!bool maybe", ("'maybe' is not a valid bool",), True),
    ("duplicate-key", "{a: 1, a: 2}", ("duplicate key 'a'",), True),
    ("syntax", "[unclosed", ("not valid YAML at line",), True),
    ("unhashable-key", "{[1]: 2}", ("unhashable key",), False),
]

# surface -> (argv, stdin, how the hostile value is placed, the source the message names, KRM output)
SURFACES: dict[str, tuple[tuple[str, ...], str | None, str, str, bool]] = {
    "render": (("render", "{d}/input.yaml", "-o", "{d}/out"), None, "config", "input.yaml", False),
    "plugin": (("{d}/input.yaml",), None, "config", "input.yaml", False),
    "graph": (("graph", "{d}/input.yaml"), None, "config", "input.yaml", False),
    "diff-old": (("diff", "{d}/input.yaml", "{base}"), None, "config", "input.yaml", False),
    "diff-new": (("diff", "{base}", "-"), "input.yaml", "stream", "stdin", False),
    "finish": (("finish", "{d}/input.yaml"), None, "stream", "input.yaml", False),
    "finish-stdin": (("finish",), "input.yaml", "stream", "stdin", False),
    "finish-plugin": (("{d}/finish.yaml",), "input.yaml", "stream", "stdin", False),
    "finish-krm": ((), "input.yaml", "krm-finish", "ResourceList", True),
    "krm": ((), "input.yaml", "krm", "ResourceList", True),
    "hydrate": (("hydrate", "{d}/input.yaml", "-o", "{d}/out"), None, "stream", "input.yaml", False),
    "hydrate-stdin": (("hydrate", "-o", "{d}/out"), "input.yaml", "stream", "stdin", False),
    "doctor": (("doctor", "{d}"), None, "kustomization", "kustomization.yaml", False),
    "from-helm-values": (("from-helm-values", "{d}/input.yaml"), None, "values", "input.yaml", False),
}
KRM_HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
PLACES = {
    "config": HEADER + "spec:\n  x: {}\n",
    "stream": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: {}\n",
    "krm": KRM_HEADER + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    x: {}\n",
    "krm-finish": KRM_HEADER + "functionConfig:\n  apiVersion: zymtrace.io/v1alpha1\n  kind: ZymtraceFinish\n"
    "  metadata:\n    name: f\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n"
    "  data:\n    x: {}\n",
    "kustomization": "resources: []\nx: {}\n",
    "values": "x: {}\n",
}


def _placed(place: str, value: str | bytes) -> str | bytes:
    before, _, after = PLACES[place].partition("{}")
    if isinstance(value, bytes):
        return before.encode() + value + after.encode()
    return before + value + after


def _surface_case(
    surface: str, category: str, name: str, content: str | bytes | None, fragments: tuple[str, ...]
) -> Case:
    argv, stdin, place, _, krm = SURFACES[surface]
    input_name = "kustomization.yaml" if place == "kustomization" else "input.yaml"
    files: list[tuple[str, str | bytes | None]] = [(input_name, content)]
    if surface == "finish-plugin":
        files.append(("finish.yaml", FINISH_CONFIG))
    return Case(surface, category, name, argv, tuple(files), stdin, fragments, krm=krm)


def _yaml_cases() -> list[Case]:
    cases = []
    for surface, (_, _, place, source, krm) in SURFACES.items():
        for name, value, fragments, refused_by_krm in HOSTILE:
            if krm and not refused_by_krm:
                continue
            case = _surface_case(surface, "yaml", name, _placed(place, value), (source, *fragments))
            if value is HUGE_VALUE and krm:  # refused as stdin is read, before there is a ResourceList
                case = dataclasses.replace(case, fragments=("stdin", *fragments), krm=False)
            cases.append(case)
    return cases


# Paths that are not regular files, given where a file is expected.
FILE_TYPES: list[tuple[str, str, str | bytes | None, tuple[str, ...]]] = [
    ("device", "/dev/zero", "", ("cannot read /dev/zero: a character device, not a regular file",)),
    ("fifo", "{d}/input.yaml", None, ("input.yaml: a named pipe, not a regular file",)),
    ("directory", "{d}/input.yaml", "/", ("input.yaml: Is a directory",)),
    ("missing", "{d}/input.yaml", "", ("input.yaml: No such file or directory",)),
]
PATH_SURFACES = ("render", "plugin", "graph", "diff-old", "finish", "hydrate", "from-helm-values")


def _file_type_cases() -> list[Case]:
    cases = []
    for surface in PATH_SURFACES:
        argv = SURFACES[surface][0]
        for name, path, content, fragments in FILE_TYPES:
            files = (("input.yaml", content),) if content != "" else ()
            swapped = tuple(path if part == "{d}/input.yaml" else part for part in argv)
            if surface == "diff-old" and name == "directory":  # a hydrated directory, here an empty one
                fragments = ("input.yaml: no Kubernetes objects",)
            cases.append(Case(surface, "file-type", name, swapped, files, None, fragments))
    return cases


STDIN_SURFACES: dict[str, tuple[str, ...]] = {
    "krm": (),
    "finish-stdin": ("finish",),
    "finish-plugin": ("{d}/finish.yaml",),
    "hydrate-stdin": ("hydrate", "-o", "{d}/out"),
    "diff-new": ("diff", "{base}", "-"),
    "render": ("render", "-", "-o", "{d}/out"),
    "graph": ("graph", "-"),
    "from-helm-values": ("from-helm-values", "-"),
}


def _stdin_cases() -> list[Case]:
    cases = []
    for surface, argv in STDIN_SURFACES.items():
        files = (("finish.yaml", FINISH_CONFIG),) if surface == "finish-plugin" else ()
        too_big = ("stdin: larger than 8 MiB",)
        cases.append(Case(surface, "stdin", "device", argv, files, "/dev/zero", too_big))
        if surface not in ("finish-plugin",):  # kustomize always gives a transformer its stdin
            closed = ("cannot read stdin: it is closed",)
            cases.append(Case(surface, "stdin", "closed", argv, files, "closed", closed, exec=True, krm=False))
    return cases


UNICODE_CONFIG = HEADER + "spec:\n  services:\n    web:\n      env: {GREETING: 'snow \u2603 \U0001f600'}\n"
STREAM_DOC = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: 'snow \u2603'\n"


def _environment_cases() -> list[Case]:
    full = ("cannot write to stdout: No space left on device",)
    config = (("input.yaml", HEADER + "spec: {}\n"),)
    stream = (("input.yaml", STREAM_DOC),)
    commands: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str | bytes | None], ...], str | None]] = {
        "render": (("render", "{d}/input.yaml"), config, None),
        "plugin": (("{d}/input.yaml",), config, None),
        "diff": (("diff", "{base}", "{d}/input.yaml"), config, None),
        "graph": (("graph", "{d}/input.yaml"), config, None),
        "finish": (("finish", "{d}/input.yaml"), stream, None),
        "from-helm-values": (("from-helm-values", "{d}/input.yaml"), (("input.yaml", "global: {}\n"),), None),
        "schema": (("schema",), (), None),
        "doctor": (("doctor", str(ROOT / "base")), (), None),
        "krm": ((), (("input.yaml", KRM_HEADER + "items: []\n"),), "input.yaml"),
    }
    cases = []
    for surface, (argv, files, stdin) in commands.items():
        cases.append(Case(surface, "environment", "stdout-full", argv, files, stdin, full, stdout="full"))
        if surface in ("render", "diff", "graph", "schema", "krm"):
            closed = ("cannot write to stdout: it is closed",)
            cases.append(
                Case(surface, "environment", "stdout-closed", argv, files, stdin, closed, stdout="closed", exec=True)
            )
    unicode = (("input.yaml", UNICODE_CONFIG),)
    for name, env in (
        ("locale-latin1", (("PYTHONIOENCODING", "latin-1"),)),
        ("locale-ascii", (("LC_ALL", "C"), ("LANG", "C"), ("PYTHONUTF8", "0"), ("PYTHONIOENCODING", None))),
    ):
        for surface, argv in (("render", ("render", "{d}/input.yaml")), ("plugin", ("{d}/input.yaml",))):
            cases.append(Case(surface, "environment", name, argv, unicode, None, (), code=0, env=env, exec=True))
        finish = (("input.yaml", STREAM_DOC),)
        cases.append(
            Case("finish", "environment", name, ("finish", "{d}/input.yaml"), finish, None, (), 0, env=env, exec=True)
        )
    for surface, argv in (("render", ("render", "{base}")), ("plugin", ("{base}",))):
        cases.append(
            Case(surface, "environment", "stderr-closed", argv, (), None, (), code=0, stderr="closed", exec=True)
        )
    return cases


def _deployment(**changes: Any) -> str:
    """A Deployment with one field replaced: a dotted path -> its new value."""
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"a": "b"}},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "web", "image": "web:1", "env": [{"name": "A", "value": "1"}]}],
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
                },
            },
        },
    }
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = obj
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return yaml.safe_dump(obj, sort_keys=False)


POD = "spec__template__spec"
CONTAINER = f"{POD}__containers__0"
DIFF_SHAPES: list[tuple[str, dict[str, Any], str]] = [
    ("containers-string", {f"{POD}__containers": "x"}, "spec.template.spec.containers must be a list, found a string"),
    ("container-number", {f"{POD}__containers": [5]}, "spec.template.spec.containers[0] must be a mapping, found 5"),
    ("container-without-name", {f"{CONTAINER}__name": None}, "spec.template.spec.containers[0].name is required"),
    ("env-string", {f"{CONTAINER}__env": "A=1"}, "containers[0].env must be a list, found a string"),
    (
        "envFrom-without-name",
        {f"{CONTAINER}__envFrom": [{"configMapRef": {}}]},
        "envFrom[0].configMapRef.name is required",
    ),
    (
        "capabilities-add-string",
        {f"{CONTAINER}__securityContext": {"capabilities": {"add": "ALL"}}},
        "capabilities.add must be a list",
    ),
    ("security-context-list", {f"{CONTAINER}__securityContext": []}, "containers[0].securityContext must be a mapping"),
    ("volumes-mapping", {f"{POD}__volumes": {}}, "spec.template.spec.volumes must be a list, found a mapping"),
    (
        "claim-without-name",
        {f"{POD}__volumes": [{"name": "d", "persistentVolumeClaim": {}}]},
        "persistentVolumeClaim.claimName is required",
    ),
    (
        "volume-name-number",
        {f"{POD}__volumes": [{"name": 5, "emptyDir": {}}]},
        "volumes[0].name must be a string, found 5",
    ),
    ("spec-list", {"spec": []}, "spec must be a mapping, found a list"),
    ("template-string", {"spec__template": "x"}, "spec.template must be a mapping, found a string"),
    ("pod-spec-number", {POD: 5}, "spec.template.spec must be a mapping, found 5"),
    ("annotations-list", {"metadata__annotations": ["a"]}, "metadata.annotations must be a mapping, found a list"),
    ("metadata-string", {"metadata": "x"}, "no metadata.name"),
    ("kind-number", {"kind": 5}, "no kind"),
    ("sysctls-mapping", {f"{POD}__securityContext": {"sysctls": {"a": 1}}}, "securityContext.sysctls must be a list"),
]


def _diff_cases() -> list[Case]:
    cases = []
    for name, changes, message in DIFF_SHAPES:
        files = (("input.yaml", _deployment(**changes)),)
        fragments = ("input.yaml: document 1 is not a Kubernetes object (line 1", message)
        cases.append(Case("diff", "shape", name, ("diff", "{d}/input.yaml", "{base}"), files, None, fragments))
    files = (("input.yaml", "just a string\n"),)
    cases.append(
        Case("diff", "shape", "scalar-document", ("diff", "{base}", "{d}/input.yaml"), files, None, ("a scalar",))
    )
    items = (("input.yaml", "apiVersion: v1\nkind: List\nitems:\n- 5\n"),)
    cases.append(
        Case("diff", "shape", "list-item-number", ("diff", "{base}", "{d}/input.yaml"), items, None, ("document 1",))
    )
    return cases


BASE_DIR = ROOT / "base"


def _kustomization(text: str) -> tuple[str, str]:
    return ("kustomization.yaml", text)


def _chain(levels: int) -> tuple[tuple[str, str], ...]:
    files = [(f"k{n}/kustomization.yaml", f"resources:\n- ../k{n + 1}/../k{n + 1}\n") for n in range(levels)]
    return (*files, (f"k{levels}/kustomization.yaml", f"resources:\n- {BASE_DIR}\n"))


def _diamond(levels: int) -> tuple[tuple[str, str], ...]:
    """Every level includes the next twice: 2**levels paths to the base, one visit each."""
    files = [(f"k{n}/kustomization.yaml", f"resources:\n- ../k{n + 1}\n- ../k{n + 1}\n") for n in range(levels)]
    return (*files, (f"k{levels}/kustomization.yaml", f"generators:\n- {BASE_DIR / 'generator'}\n"))


GKE = ROOT / "overlays" / "gke"
OUTER_IMAGES = f"resources:\n- {GKE}\nimages:\n- name: ghcr.io/zystem-io/zymtrace-pub-backend\n  newTag: 26.9.0\n"
DOCTOR_CASES: list[tuple[str, tuple[tuple[str, str | bytes | None], ...], str, tuple[str, ...], int]] = [
    (
        "resources-number",
        (_kustomization("resources: 5\n"),),
        "{d}",
        ("kustomization.yaml: resources: must be a list, found 5",),
        1,
    ),
    ("patches-number", (_kustomization("patches: 5\n"),), "{d}", ("patches: must be a list, found 5",), 1),
    ("generators-string", (_kustomization("generators: gen\n"),), "{d}", ("generators: must be a list",), 1),
    (
        "patch-target-string",
        (_kustomization("patches:\n- target: ZymtraceBackend\n  patch: x\n"),),
        "{d}",
        ("patches[0].target: must be a mapping",),
        1,
    ),
    (
        "patch-number",
        (_kustomization("patches:\n- 7\n"),),
        "{d}",
        ("patches[0]: must be a mapping with path: or patch:, found 7",),
        1,
    ),
    (
        "resource-entry-mapping",
        (_kustomization("resources:\n- {a: b}\n"),),
        "{d}",
        ("resources[0]: must be a path, found a mapping",),
        1,
    ),
    ("kustomization-list", (_kustomization("- resources\n"),), "{d}", ("kustomization.yaml: not a kustomization",), 1),
    (
        "resource-device",
        (_kustomization("resources:\n- /dev/zero\n"),),
        "{d}",
        ("resources[0] (/dev/zero)", "a character device"),
        1,
    ),
    (
        "patch-device",
        (_kustomization("patches:\n- path: /dev/zero\n"),),
        "{d}",
        ("patches[0] (/dev/zero)", "a character device"),
        1,
    ),
    (
        "resource-fifo",
        (_kustomization("resources:\n- pipe.yaml\n"), ("pipe.yaml", None)),
        "{d}",
        ("pipe.yaml: a named pipe",),
        1,
    ),
    ("kustomization-fifo", (("kustomization.yaml", None),), "{d}", ("no kustomization.yaml",), 1),
    ("chain-of-120", _chain(120), "{d}/k0", ("kustomizations nest more than 100 levels deep",), 1),
    (
        "cycle",
        (("a/kustomization.yaml", "resources:\n- ../b\n"), ("b/kustomization.yaml", "resources:\n- ../a\n")),
        "{d}/a",
        ("no ZymtraceBackend config",),
        0,
    ),
    ("shared-bases-22-levels", _diamond(22), "{d}/k0", (), 0),
    (
        "outer-images-without-finish",
        (_kustomization(OUTER_IMAGES),),
        "{d}",
        ("images: change the objects", "finishing transformer (ZymtraceFinish)", "base/finish"),
        1,
    ),
    (
        "outer-namespace-without-finish",
        (_kustomization(f"resources:\n- {ROOT / 'overlays' / 'gke'}\nnamespace: other\n"),),
        "{d}",
        ("namespace: change the objects",),
        1,
    ),
    (
        "outer-patch-without-finish",
        (
            _kustomization(
                f"resources:\n- {BASE_DIR}\npatches:\n- patch: |\n    apiVersion: apps/v1\n"
                "    kind: Deployment\n    metadata: {name: zymtrace-web}\n"
            ),
        ),
        "{d}",
        ("patches: change the objects",),
        1,
    ),
    (
        "finish-not-last",
        (
            _kustomization(
                f"resources:\n- {BASE_DIR}\nimages:\n- name: x\n  newTag: y\n"
                f"transformers:\n- {BASE_DIR / 'finish'}\n- other.yaml\n"
            ),
            ("other.yaml", "kind: Other\n"),
        ),
        "{d}",
        ("is the finishing transformer", "list it last"),
        1,
    ),
    (
        "outer-images-with-finish",
        (_kustomization(OUTER_IMAGES + f"transformers:\n- {BASE_DIR / 'finish'}\n"),),
        "{d}",
        (),
        0,
    ),
    (
        "kustomization-over-8-MiB",
        (_kustomization("resources: []\n# " + HUGE_VALUE + "\n"),),
        "{d}",
        ("larger than 8 MiB",),
        1,
    ),
]


def _doctor_cases() -> list[Case]:
    return [
        Case("doctor", "kustomization", name, ("doctor", directory), files, None, fragments, code)
        for name, files, directory, fragments, code in DOCTOR_CASES
    ]


def _warnings_file_cases() -> list[Case]:
    """The warnings file is a convenience: whatever it is, hydrate writes its directory and says why there
    is no summary; render never waits on it."""
    stream = (("input.yaml", STREAM_DOC),)
    hydrate = ("hydrate", "{d}/input.yaml", "-o", "{d}/out")
    not_summarized = ("[warning] ZYMTRACE_WARNINGS_FILE:", "not summarized")
    return [
        Case(
            "warnings-file",
            "file-type",
            "device",
            hydrate,
            stream,
            None,
            (*not_summarized, "/dev/zero"),
            0,
            env=(("ZYMTRACE_WARNINGS_FILE", "/dev/zero"),),
        ),
        Case(
            "warnings-file",
            "file-type",
            "fifo",
            hydrate,
            (*stream, ("w.txt", None)),
            None,
            (*not_summarized, "a named pipe"),
            0,
            env=(("ZYMTRACE_WARNINGS_FILE", "{d}/w.txt"),),
        ),
        Case(
            "warnings-file",
            "file-type",
            "directory",
            hydrate,
            (*stream, ("w.txt", "/")),
            None,
            (*not_summarized, "Is a directory"),
            0,
            env=(("ZYMTRACE_WARNINGS_FILE", "{d}/w.txt"),),
        ),
        Case(
            "warnings-file",
            "file-type",
            "over-8-MiB",
            hydrate,
            (*stream, ("w.txt", HUGE_VALUE)),
            None,
            (*not_summarized, "larger than 8 MiB"),
            0,
            env=(("ZYMTRACE_WARNINGS_FILE", "{d}/w.txt"),),
        ),
        Case(
            "warnings-file",
            "file-type",
            "render-fifo-no-reader",
            ("render", "{base}"),
            (("w.txt", None),),
            None,
            (),
            0,
            env=(("ZYMTRACE_WARNINGS_FILE", "{d}/w.txt"),),
        ),
        Case(
            "warnings-file",
            "file-type",
            "render-device",
            ("render", "{base}"),
            (),
            None,
            (),
            0,
            env=(("ZYMTRACE_WARNINGS_FILE", "/dev/full"),),
        ),
    ]


def _install_plugin_cases() -> list[Case]:
    home = ("install-plugin", "--home", "{d}/home")
    target = "home/zymtrace.io/v1alpha1/zymtracebackend/ZymtraceBackend"
    return [
        Case(
            "install-plugin",
            "environment",
            "directory-at-target",
            home,
            ((target, "/"),),
            None,
            ("ZymtraceBackend exists and was not installed by install-plugin",),
        ),
        Case(
            "install-plugin",
            "environment",
            "fifo-at-target",
            home,
            ((target, None),),
            None,
            ("ZymtraceBackend exists and was not installed",),
        ),
        Case(
            "install-plugin",
            "environment",
            "home-is-a-file",
            home,
            (("home", "x"),),
            None,
            ("cannot install the plugin into", "home"),
        ),
        Case(
            "install-plugin",
            "environment",
            "home-unwritable",
            ("install-plugin",),
            (),
            None,
            ("cannot install the plugin into", "No such file or directory"),
            env=(("HOME", "/proc/nonexistent"), ("XDG_CONFIG_HOME", None), ("KUSTOMIZE_PLUGIN_HOME", None)),
        ),
    ]


NEAR_CAP_OBJECTS = 9_300  # ConfigMaps of 53 values each: just under 500,000 values, about 5 MiB


def _config_maps(count: int, keys: int = 20) -> str:
    data = "".join(f"  k{j}: vvvvvvvvvvvvvvvv\n" for j in range(keys))
    return "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{n}\n  namespace: zymtrace\ndata:\n{data}"
        for n in range(count)
    )


def _resource_list(function_config: dict[str, Any], count: int) -> str:
    items = list(yaml.load_all(_config_maps(count), Loader=yaml.CSafeLoader))
    document = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "functionConfig": function_config}
    return yaml.dump({**document, "items": items}, Dumper=yaml.CSafeDumper, sort_keys=False)


def _near_cap_items() -> str:
    finish = {"apiVersion": "zymtrace.io/v1alpha1", "kind": "ZymtraceFinish", "metadata": {"name": "f"}}
    return _resource_list(finish, NEAR_CAP_OBJECTS)


def _config_and_items() -> str:
    """The base config as functionConfig, and as many foreign items as fit under the limit next to it."""
    return _resource_list(yaml.safe_load(BASE_CONFIG.read_text()), NEAR_CAP_OBJECTS - 100)


def _small_items() -> str:
    """50,000 foreign items next to the config (a package that holds much more than the backend)."""
    items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{n}"}} for n in range(50_000)]
    document = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList"}
    config = yaml.safe_load(BASE_CONFIG.read_text())
    return yaml.dump({**document, "functionConfig": config, "items": items}, Dumper=yaml.CSafeDumper, sort_keys=False)


def _over_values(place: str) -> Callable[[], str]:
    return lambda: str(_placed(place, "[" + "a, " * 510_000 + "a]"))


def _limit_cases() -> list[Case]:
    """Inputs at the limits: accepted just under them within the bounds, refused just over them."""
    over = ("more than 500,000 values",)
    cases = [
        Case(
            "finish",
            "limits",
            "near-cap-stream",
            ("finish", "{d}/input.yaml"),
            (("input.yaml", lambda: _config_maps(NEAR_CAP_OBJECTS)),),
            code=0,
        ),
        Case("finish-krm", "limits", "near-cap-items", (), (("input.yaml", _near_cap_items),), "input.yaml", code=0),
        Case(
            "krm", "limits", "config-and-near-cap-items", (), (("input.yaml", _config_and_items),), "input.yaml", code=0
        ),
        Case(
            "diff",
            "limits",
            "config-against-near-cap-stream",
            ("diff", "{base}", "{d}/input.yaml"),
            (("input.yaml", lambda: _config_maps(NEAR_CAP_OBJECTS)),),
            code=0,
        ),
        Case(
            "hydrate",
            "limits",
            "5000-objects",
            ("hydrate", "{d}/input.yaml", "-o", "{d}/out"),
            (("input.yaml", lambda: _config_maps(5000, 1)),),
            code=0,
        ),
        Case(
            "hydrate",
            "limits",
            "5001-objects",
            ("hydrate", "{d}/input.yaml", "-o", "{d}/out"),
            (("input.yaml", lambda: _config_maps(5001, 1)),),
            fragments=("5,001 objects: more than 5,000",),
        ),
        Case(
            "doctor",
            "limits",
            "1000-resources",
            ("doctor", "{d}"),
            (
                _kustomization("resources:\n" + "".join(f"- r{n}.yaml\n" for n in range(1000))),
                *((f"r{n}.yaml", "kind: ConfigMap\n") for n in range(1000)),
            ),
            fragments=("no ZymtraceBackend config",),
            code=0,
        ),
        Case(
            "krm", "limits", "config-and-50000-small-items", (), (("input.yaml", _small_items),), "input.yaml", code=0
        ),
    ]
    for surface in (
        "render",
        "graph",
        "diff-old",
        "finish",
        "finish-krm",
        "from-helm-values",
        "doctor",
        "hydrate-stdin",
    ):
        argv, stdin, place, source, krm = SURFACES[surface]
        name = "kustomization.yaml" if place == "kustomization" else "input.yaml"
        cases.append(
            Case(
                surface,
                "limits",
                "over-500000-values",
                argv,
                ((name, _over_values(place)),),
                stdin,
                (source, *over),
                krm=krm,
            )
        )
    return cases


SURFACE_CASES = (
    _yaml_cases()
    + _file_type_cases()
    + _stdin_cases()
    + _environment_cases()
    + _diff_cases()
    + _doctor_cases()
    + _warnings_file_cases()
    + _install_plugin_cases()
    + _limit_cases()
)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    server = Runner(tmp_path_factory.mktemp("runs"))
    yield server
    server.close()


def _setup(case: Case, directory: Path) -> Run:
    for name, content in case.files:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content = content()
        if content is None:
            os.mkfifo(path)
        elif content == "/":
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    def fill(text: str) -> str:
        return text.replace("{d}", str(directory)).replace("{base}", str(BASE_CONFIG))

    stdin = case.stdin
    if stdin is not None and stdin != "closed" and not stdin.startswith("/"):
        stdin = str(directory / stdin)
    env = {name: fill(value) if value is not None else None for name, value in case.env}
    return Run([fill(a) for a in case.argv], str(directory), stdin, case.stdout, case.stderr, env, case.exec)


def _listing(directory: Path) -> dict[str, tuple[bool, int]]:
    return {str(p.relative_to(directory)): (p.is_dir(), p.lstat().st_size) for p in directory.rglob("*")}


def _record(case: Case, outcome: Outcome) -> None:
    if REPORT:
        line = {"case": case.id, "surface": case.surface, "cpu": outcome.cpu, "wall": outcome.wall}
        with open(REPORT, "a") as report:
            report.write(json.dumps({**line, "peak_mb": outcome.peak_mb, "code": outcome.code}) + "\n")


def _assert_success(case: Case, outcome: Outcome, directory: Path) -> None:
    """What a run that must succeed in spite of its environment wrote."""
    if case.category == "environment" and case.surface in ("render", "plugin"):
        objects = list(yaml.safe_load_all(outcome.stdout.decode("utf-8")))  # UTF-8 whatever the locale
        assert len(objects) == 41, len(objects)
        assert b"[warning]" not in outcome.stdout and b"[error]" not in outcome.stdout, "messages mixed into YAML"
        if "locale" in case.name:
            assert "snow \u2603 \U0001f600" in outcome.out
    elif case.category == "environment" and case.surface == "finish":
        assert yaml.safe_load(outcome.stdout.decode("utf-8"))["data"]["k"] == "snow \u2603"
    elif case.surface == "warnings-file" and case.argv[0] == "hydrate":
        assert (directory / "out" / "Kustomization").is_file() and (directory / "out" / "configmap_c.yaml").is_file()
    elif case.surface == "warnings-file":
        assert len(list(yaml.safe_load_all(outcome.stdout))) == 41
    elif case.surface == "doctor" and not case.fragments:
        assert "wired as kustomize needs" in outcome.out
    elif case.category == "limits":
        _assert_limit_output(case, outcome, directory)


def _assert_limit_output(case: Case, outcome: Outcome, directory: Path) -> None:
    if case.surface == "finish":
        assert outcome.out.count("kind: ConfigMap") == NEAR_CAP_OBJECTS
    elif case.surface == "finish-krm":
        assert len(yaml.load(outcome.out, Loader=yaml.CSafeLoader)["items"]) == NEAR_CAP_OBJECTS
    elif case.surface == "krm":
        items = yaml.load(outcome.out, Loader=yaml.CSafeLoader)["items"]
        assert len(items) == (50_000 if "50000" in case.name else NEAR_CAP_OBJECTS - 100) + 41
    elif case.surface == "diff":
        assert outcome.out.startswith(f"{NEAR_CAP_OBJECTS} created, 0 changed, 41 removed"), outcome.out[:200]
    elif case.surface == "hydrate":
        assert len(list((directory / "out").glob("configmap_*.yaml"))) == 5000


def _marked(case: Case) -> Any:
    """Inputs at the limits cost seconds each: they run in the slow step."""
    return pytest.param(case, id=case.id, marks=[pytest.mark.slow] if case.category == "limits" else [])


def _surface_params() -> list[Any]:
    """Every case in the slow step; every other one of each surface in the README's run as well (each case
    is a process of its own: all of them cost the README's run about 10 s on 2 cores)."""
    seen: dict[str, int] = {}
    params = []
    for case in SURFACE_CASES:
        index = seen[case.surface] = seen.get(case.surface, -1) + 1
        param = _marked(case)
        params.append(param if index % 2 == 0 else pytest.param(case, id=case.id, marks=[pytest.mark.slow]))
    return params


@pytest.mark.parametrize("case", _surface_params())
def test_surface(case: Case, runner: Runner, tmp_path: Path) -> None:
    run = _setup(case, tmp_path)
    before = _listing(tmp_path)
    outcome = runner.run(run)
    _record(case, outcome)
    err = outcome.err
    assert outcome.cpu <= CPU_SECONDS, f"{outcome.cpu:.1f} s of CPU"
    assert outcome.peak_mb <= PEAK_MB, f"{outcome.peak_mb:.0f} MB"
    assert "Traceback" not in err and "internal error" not in err, err
    assert outcome.code == case.code, f"exit {outcome.code}: {err}"
    if case.fragments:
        assert any(all(f in line for f in case.fragments) for line in err.splitlines()), err
    if case.code == 0:
        _assert_success(case, outcome, tmp_path)
        return
    assert _listing(tmp_path) == before, "something was written"
    assert err and all(line.startswith(("[error] ", "[warning] ", "[info] ")) for line in err.splitlines()), err
    if case.krm:  # the function's output: the error in results, no generated item
        result = yaml.safe_load(outcome.stdout)
        assert result["kind"] == "ResourceList" and not result["items"]
        assert any(r["severity"] == "error" for r in result["results"])
    else:
        assert outcome.stdout == b"", outcome.out[:200]


def test_surface_catalogue_size() -> None:
    surfaces = {case.surface for case in SURFACE_CASES}
    assert len(SURFACE_CASES) >= 200 and len(surfaces) >= 15, (len(SURFACE_CASES), sorted(surfaces))
    assert len({case.id for case in SURFACE_CASES}) == len(SURFACE_CASES)
