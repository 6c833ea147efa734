"""An adversarial catalogue of the finishing pass and of the KRM function's items.

Every stream case runs through the three forms the finishing pass takes: `kustomize-zymtrace finish
STREAM`, the kustomize transformer plugin (a ZymtraceFinish config as the only argument, the stream on
stdin) and the KRM function (a ResourceList whose functionConfig is a ZymtraceFinish). A refused case
ends in exit 1 with an error line naming the object, nothing on stdout (KRM: every item back as it
came, no generated item), well within the time bound; a case the pass must accept ends in exit 0 with
every object that does not carry the generator's mark exactly as it came, and whatever the case checks.
The KRM item cases run the generator (a ZymtraceBackend functionConfig) over hand-written items.
"""

from __future__ import annotations

import copy
import functools
import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import config, record

from kustomize_zymtrace import emitter, yamlio
from kustomize_zymtrace.finish import GENERATED_KINDS

MARK = "zymtrace.io/generated-by"
HASH = "zymtrace.io/template-hash"
TIME_BOUND = 5.0  # CPU seconds of one run of the pass (in-process: other processes on the machine do not count)
FINISH_CONFIG = "apiVersion: zymtrace.io/v1alpha1\nkind: ZymtraceFinish\nmetadata:\n  name: finish\n"
LIST_HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
LONG_PREFIX = "z" + "a" * 38 + "9"  # the longest namePrefix the config accepts
EXTERNAL_CH = "http://clickhouse.zymtrace.svc.cluster.local:8123"
KUSTOMIZE_HASH = "-5t2bgh8mk9"  # the form of kustomize's generator name suffix

Stream = list[Any]


# ---------------------------------------------------------------- streams


@functools.cache
def _rendered(spec_key: str) -> str:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render

    specs: dict[str, dict[str, Any]] = {
        "default": {},
        "long-prefix": {"global": {"namePrefix": LONG_PREFIX}},
        "external-clickhouse": {"clickhouse": {"mode": "use_existing", "use_existing": {"host": EXTERNAL_CH}}},
        "autoscaled": {"services": {"web": {"hpa": {"enabled": True}}}},
    }
    backend, _ = load(config(specs[spec_key]))
    return yamlio.dump_all(render(backend))


@functools.cache
def _parsed(spec_key: str) -> Stream:
    return list(yamlio.load_all(_rendered(spec_key), "render"))


def base(spec_key: str = "default") -> Stream:
    return copy.deepcopy(_parsed(spec_key))


def read(text: str) -> Any:
    """libyaml: the test's own reading costs far more than the pass with the pure-Python reader."""
    return yaml.load(text, Loader=yaml.CSafeLoader)


def read_all(text: str) -> Stream:
    return list(yaml.load_all(text, Loader=yaml.CSafeLoader))


def as_read(stream: Stream) -> Stream:
    """The stream as a reader of its text sees it (keys as strings, values as YAML types)."""
    return read_all(yamlio.dump_all(stream))


def find(stream: Stream, kind: str, prefix: str) -> dict[str, Any]:
    return next(
        o
        for o in stream
        if isinstance(o, dict) and o.get("kind") == kind and str(o["metadata"]["name"]).startswith(prefix)
    )


def web(stream: Stream) -> dict[str, Any]:
    return find(stream, "Deployment", "zymtrace-web")


def migrate(stream: Stream) -> dict[str, Any]:
    return find(stream, "Job", "zymtrace-migrate-")


def long_migrate(stream: Stream) -> dict[str, Any]:
    return find(stream, "Job", LONG_PREFIX + "-migrate-")


def pod(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def obj(kind: str, name: str, namespace: str | None = "zymtrace", api: str = "v1", **fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    annotations = fields.pop("annotations", None)
    if annotations is not None:
        meta["annotations"] = annotations
    return {"apiVersion": api, "kind": kind, "metadata": meta, **fields}


def marked(**extra: str) -> dict[str, str]:
    return {MARK: "zymtrace/zymtrace", **extra}


def deployment(name: str, selector: dict[str, str], **annotations: str) -> dict[str, Any]:
    template = {"metadata": {"labels": selector}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    spec = {"selector": {"matchLabels": selector}, "template": template}
    return obj("Deployment", name, api="apps/v1", annotations=annotations or None, spec=spec)


def moved(stream: Stream, namespace: str) -> Stream:
    """What kustomize's `namespace:` does to the objects."""
    for item in stream:
        item["metadata"]["namespace"] = namespace
    return stream


def changed_template(job: dict[str, Any]) -> None:
    pod(job)["terminationGracePeriodSeconds"] = 77


def mutate(change: Callable[[Stream], Any], spec_key: str = "default") -> Callable[[], Stream]:
    """A builder: a fresh rendered stream, changed in place (or replaced by what `change` returns)."""

    def build() -> Stream:
        stream = base(spec_key)
        result = change(stream)
        return stream if result is None else list(result)

    return build


def add(*objects: Any, spec_key: str = "default") -> Callable[[], Stream]:
    return mutate(lambda s: s + [copy.deepcopy(o) for o in objects], spec_key)


def setter(path: str, value: Any, pick: Callable[[Stream], dict[str, Any]] = web) -> Callable[[Stream], None]:
    """Set a dotted path (`spec.template.spec.containers`) of one object to `value`."""

    def change(stream: Stream) -> None:
        node = pick(stream)
        *parents, last = path.split(".")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = copy.deepcopy(value)
        else:
            node[last] = copy.deepcopy(value)

    return change


def annotate(key: str, value: Any, pick: Callable[[Stream], dict[str, Any]]) -> Callable[[Stream], None]:
    def change(stream: Stream) -> None:
        pick(stream)["metadata"]["annotations"][key] = value

    return change


def unannotate(key: str, pick: Callable[[Stream], dict[str, Any]]) -> Callable[[Stream], None]:
    def change(stream: Stream) -> None:
        del pick(stream)["metadata"]["annotations"][key]

    return change


def dropper(path: str, pick: Callable[[Stream], dict[str, Any]]) -> Callable[[Stream], None]:
    def change(stream: Stream) -> None:
        node = pick(stream)
        *parents, last = path.split(".")
        for key in parents:
            node = node[key]
        del node[last]

    return change


# ---------------------------------------------------------------- checks of accepted cases


def addresses(stream: Stream) -> dict[str, str]:
    gateway = find(stream, "ConfigMap", "zymtrace-gateway-config")["data"]
    return {k: v for k, v in gateway.items() if k.endswith("_CLUSTER_ADDRESS")}


def addresses_stay(before: Stream, after: Stream) -> None:
    assert addresses(after) == addresses(before)
    assert all(".zymtrace.svc." in v for v in addresses(after).values())


def addresses_follow(namespace: str) -> Callable[[Stream, Stream], None]:
    def check(before: Stream, after: Stream) -> None:
        moved_to = addresses(after)
        assert moved_to and all(f".{namespace}.svc." in v for v in moved_to.values()), moved_to
        ours = [o for o in after if MARK in o["metadata"].get("annotations", {})]
        assert {o["metadata"]["annotations"][MARK] for o in ours} == {f"{namespace}/zymtrace"}

    return check


def unchanged(before: Stream, after: Stream) -> None:
    assert after == before


def job_renamed(before: Stream, after: Stream) -> None:
    old, new = migrate(before)["metadata"]["name"], migrate(after)["metadata"]["name"]
    assert new != old and len(new) == len(old) and new.startswith("zymtrace-migrate-")
    assert new.endswith("-" + migrate(after)["metadata"]["annotations"][HASH])


def external_address_kept(before: Stream, after: Stream) -> None:
    data = yamlio.dump([o.get("data") for o in after if o["kind"] == "ConfigMap"])
    assert EXTERNAL_CH in data, "the external ClickHouse address was rewritten"
    assert all(".observability.svc." in v for v in addresses(after).values())


def lookalike_kept(before: Stream, after: Stream) -> None:
    data = find(after, "ConfigMap", "zymtrace-gateway-config")["data"]
    assert data["LOOKALIKE"] == "x-zymtrace-ingest.zymtrace.svc.cluster.local,zymtrace-ingest.zymtrace.svcx"
    assert data["REAL"] == "zymtrace-ingest.observability.svc.cluster.local"


def fleet_follows(before: Stream, after: Stream) -> None:
    for namespace in ("tenant-a", "tenant-b"):
        group = [o for o in after if o["metadata"]["namespace"] == namespace]
        assert {o["metadata"]["annotations"][MARK] for o in group} == {f"{namespace}/zymtrace"}
        gateway = find(group, "ConfigMap", "zymtrace-gateway-config")["data"]
        assert all(f".{namespace}.svc." in v for k, v in gateway.items() if k.endswith("_CLUSTER_ADDRESS"))
        for workload in group:
            depends = workload["metadata"]["annotations"].get("config.kubernetes.io/depends-on", "")
            assert all(f"/namespaces/{namespace}/" in ref for ref in depends.split(",") if ref)


def web_has_a_checksum(before: Stream, after: Stream) -> None:
    assert checksum_of(after, web) == checksum_of(base(), web) is not None


def checksum_of(stream: Stream, ref: Callable[[Stream], dict[str, Any]]) -> Any:
    return ref(stream)["spec"]["template"]["metadata"].get("annotations", {}).get("checksum/config")


# ---------------------------------------------------------------- the stream catalogue


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], Stream]
    refused: tuple[str, ...] = ()  # fragments of one error line; empty: the pass must accept the stream
    check: Callable[[Stream, Stream], None] | None = None  # (input, output) of an accepted stream


def extra_configmap_read_by_web(name: str) -> Callable[[Stream], None]:
    """A configMapGenerator's object in the workloads' namespace, read by web (`name` may carry a hash)."""

    def change(stream: Stream) -> None:
        stream.append(obj("ConfigMap", name, data={"EXTRA": "1"}))
        pod(web(stream))["containers"][0].setdefault("envFrom", []).append({"configMapRef": {"name": name}})

    return change


def duplicate_job(stream: Stream) -> Stream:
    twin = copy.deepcopy(migrate(stream))
    twin["metadata"]["name"] = "zymtrace-migrate-aaaaaaaa"
    twin["metadata"]["annotations"][HASH] = "aaaaaaaa"
    return [*stream, twin]


def foreign_job_on_renamed_id(stream: Stream) -> Stream:
    job = migrate(stream)
    changed_template(job)
    from kustomize_zymtrace.derived import digest

    fresh = digest(job["spec"]["template"])[:8]
    theirs = obj("Job", f"zymtrace-migrate-{fresh}", api="batch/v1", spec={"template": {"spec": {}}})
    return [*stream, theirs]


def lookalike(stream: Stream) -> Stream:
    data = find(stream, "ConfigMap", "zymtrace-gateway-config")["data"]
    data["LOOKALIKE"] = "x-zymtrace-ingest.zymtrace.svc.cluster.local,zymtrace-ingest.zymtrace.svcx"
    data["REAL"] = "zymtrace-ingest.zymtrace.svc.cluster.local"
    return moved(stream, "observability")


def fleet(stream: Stream) -> Stream:
    return moved(stream, "tenant-a") + moved(base(), "tenant-b")


def web_reads_malformed_secret(stream: Stream) -> Stream:
    pod(web(stream))["containers"][0]["envFrom"] = [{"secretRef": {"name": "theirs"}}]
    return [*stream, obj("Secret", "theirs", data=["x"])]


def both(*changes: Callable[[Stream], Any]) -> Callable[[Stream], None]:
    def change(stream: Stream) -> None:
        for one in changes:
            one(stream)

    return change


def hpa(name: str, spec: Any, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return obj("HorizontalPodAutoscaler", name, api="autoscaling/v2", annotations=annotations, spec=spec)


def many_secrets(stream: Stream) -> Stream:
    """1000 Secrets of someone else's, none read by our pods: sealing them would take 20 s."""
    secrets = [obj("Secret", f"theirs-{n}", stringData={"PASSWORD": f"not-public-{n}"}) for n in range(1000)]
    return stream + secrets


def gateway_config(stream: Stream) -> dict[str, Any]:
    return find(stream, "ConfigMap", "zymtrace-gateway-config")


def postgres_secret(stream: Stream) -> dict[str, Any]:
    return find(stream, "Secret", "zymtrace-postgres-secrets")


def web_service(stream: Stream) -> dict[str, Any]:
    return find(stream, "Service", "zymtrace-web")


def web_hpa(stream: Stream) -> dict[str, Any]:
    return find(stream, "HorizontalPodAutoscaler", "zymtrace-web")


def container(n: int = 0) -> str:
    return f"spec.template.spec.containers.{n}"


CASES: list[Case] = [
    # ------------------------------------------------ ownership: the mark alone proves nothing
    Case(
        "foreign-namespace-configmap-with-mark",
        add(
            obj(
                "ConfigMap",
                "theirs",
                "other",
                annotations=marked(),
                data={"A": "zymtrace-ingest.zymtrace.svc.cluster.local"},
            )
        ),
        check=addresses_stay,
    ),
    Case(
        "our-configmap-moved-alone",
        mutate(setter("metadata.namespace", "other", gateway_config)),
        refused=("Deployment/zymtrace-gateway", "ConfigMap zymtrace-gateway-config"),
    ),
    Case(
        "namespace-moved-without-services",
        mutate(lambda s: moved([o for o in s if o["kind"] != "Service"], "elsewhere")),
        check=addresses_stay,
    ),
    Case(
        "external-address-not-rewritten",
        mutate(lambda s: moved(s, "observability"), "external-clickhouse"),
        check=external_address_kept,
    ),
    Case("lookalike-address-not-rewritten", mutate(lookalike), check=lookalike_kept),
    Case("namespace-moved", mutate(lambda s: moved(s, "observability")), check=addresses_follow("observability")),
    Case("fleet-of-one-base-in-two-namespaces", mutate(fleet), check=fleet_follows),
    Case(
        "mark-without-slash",
        mutate(annotate(MARK, "zymtrace", gateway_config)),
        refused=("ConfigMap/zymtrace-gateway-config", MARK),
    ),
    Case(
        "mark-a-number",
        mutate(annotate(MARK, 5, gateway_config)),
        refused=("ConfigMap/zymtrace-gateway-config", MARK),
    ),
    Case(
        "mark-a-list",
        mutate(annotate(MARK, ["zymtrace/zymtrace"], gateway_config)),
        refused=("ConfigMap/zymtrace-gateway-config", MARK),
    ),
    Case(
        "mark-on-a-kind-we-never-generate",
        add(obj("CronJob", "theirs", api="batch/v1", annotations=marked(), spec=None)),
        check=addresses_stay,
    ),
    Case(
        "mark-on-a-custom-resource-named-deployment",
        add(obj("Deployment", "theirs", api="example.com/v1", annotations=marked(), spec=[])),
        check=addresses_stay,
    ),
    Case(
        "foreign-deployment-with-mark-and-selector-labels",
        add(deployment("my-app", {"app": "my-app", "tier": "web"}, **marked())),
        refused=("Deployment/my-app", MARK),
    ),
    Case(
        "foreign-deployment-with-mark-renamed",
        add(deployment("my-app", {"app": "their-app"}, **marked())),
        refused=("Deployment/my-app", "was their-app"),
    ),
    Case(
        "foreign-deployment-without-mark-and-selector-labels",
        add(deployment("my-app", {"app": "their-app", "tier": "web"})),
        check=addresses_stay,
    ),
    # ------------------------------------------------ documents and metadata of someone else's
    Case(
        "foreign-metadata-a-string",
        add({"apiVersion": "v1", "kind": "ConfigMap", "metadata": "x"}),
        check=addresses_stay,
    ),
    Case(
        "foreign-metadata-null", add({"apiVersion": "v1", "kind": "ConfigMap", "metadata": None}), check=addresses_stay
    ),
    Case("foreign-without-kind", add({"apiVersion": "v1", "metadata": {"name": "x"}}), check=addresses_stay),
    Case(
        "foreign-kind-a-list",
        add({"apiVersion": "v1", "kind": ["Secret"], "metadata": {"name": "x"}}),
        check=addresses_stay,
    ),
    Case(
        "foreign-annotations-a-list",
        add(obj("ConfigMap", "theirs", annotations=[MARK]), obj("Secret", "theirs", annotations="x")),
        check=addresses_stay,
    ),
    Case("foreign-name-a-number", add(obj("ConfigMap", 5)), check=addresses_stay),  # type: ignore[arg-type]
    Case(
        "foreign-hpa-without-spec",
        add(hpa("theirs", None), hpa("theirs-list", []), hpa("theirs-ref", {"scaleTargetRef": "zymtrace-web"})),
        check=addresses_stay,
    ),
    Case("foreign-secret-data-a-list-read-by-web", mutate(web_reads_malformed_secret), check=addresses_stay),
    Case("document-a-string", add("just a string"), refused=("not a Kubernetes object",)),
    Case("document-a-list", add(["a", "b"]), refused=("not a Kubernetes object",)),
    Case("document-a-number", add(42), refused=("not a Kubernetes object",)),
    # ------------------------------------------------ our objects, malformed
    Case("our-spec-null", mutate(setter("spec", None)), refused=("Deployment/zymtrace-web", "spec")),
    Case("our-spec-a-list", mutate(setter("spec", [])), refused=("Deployment/zymtrace-web", "spec")),
    Case("our-spec-a-string", mutate(setter("spec", "x", migrate)), refused=("Job/zymtrace-migrate-", "spec")),
    Case(
        "our-job-without-template",
        mutate(dropper("spec.template", migrate)),
        refused=("Job/zymtrace-migrate-", "spec.template"),
    ),
    Case(
        "our-template-null", mutate(setter("spec.template", None)), refused=("Deployment/zymtrace-web", "spec.template")
    ),
    Case(
        "our-template-spec-a-list",
        mutate(setter("spec.template.spec", [])),
        refused=("Deployment/zymtrace-web", "spec.template.spec"),
    ),
    Case(
        "our-containers-null",
        mutate(setter("spec.template.spec.containers", None)),
        refused=("Deployment/zymtrace-web", "containers"),
    ),
    Case(
        "our-containers-a-string",
        mutate(setter("spec.template.spec.containers", "x", migrate)),
        refused=("Job/zymtrace-migrate-", "containers"),
    ),
    Case(
        "our-container-a-string",
        mutate(setter(container(), "zymtrace-web")),
        refused=("Deployment/zymtrace-web", "containers[0]"),
    ),
    Case(
        "our-envfrom-ref-without-name",
        mutate(setter(container() + ".envFrom", [{"configMapRef": {}}])),
        refused=("Deployment/zymtrace-web", "envFrom[0].configMapRef.name"),
    ),
    Case(
        "our-envfrom-ref-name-a-number",
        mutate(setter(container() + ".envFrom", [{"secretRef": {"name": 5}}])),
        refused=("Deployment/zymtrace-web", "envFrom[0].secretRef.name"),
    ),
    Case(
        "our-envfrom-a-mapping",
        mutate(setter(container() + ".envFrom", {"configMapRef": {"name": "x"}})),
        refused=("Deployment/zymtrace-web", "envFrom"),
    ),
    Case(
        "our-env-ref-null",
        mutate(setter(container() + ".env", [{"name": "A", "valueFrom": {"secretKeyRef": None}}])),
        refused=("Deployment/zymtrace-web", "env[0].valueFrom.secretKeyRef"),
    ),
    Case(
        "our-env-entry-a-string",
        mutate(setter(container() + ".env", ["A=1"])),
        refused=("Deployment/zymtrace-web", "env[0]"),
    ),
    Case(
        "our-volume-configmap-without-name",
        mutate(setter("spec.template.spec.volumes", [{"name": "v", "configMap": {}}])),
        refused=("Deployment/zymtrace-web", "volumes[0].configMap.name"),
    ),
    Case(
        "our-volume-secret-a-string",
        mutate(setter("spec.template.spec.volumes", [{"name": "v", "secret": "s"}])),
        refused=("Deployment/zymtrace-web", "volumes[0].secret"),
    ),
    Case(
        "our-init-containers-a-mapping",
        mutate(setter("spec.template.spec.initContainers", {"name": "x"})),
        refused=("Deployment/zymtrace-web", "initContainers"),
    ),
    Case(
        "our-template-metadata-a-string",
        mutate(setter("spec.template.metadata", "x")),
        refused=("Deployment/zymtrace-web", "spec.template.metadata"),
    ),
    Case(
        "our-template-metadata-null",
        mutate(setter("spec.template.metadata", None)),
        refused=("Deployment/zymtrace-web", "spec.template.metadata.labels lack the selector's ['app']"),
    ),
    Case("our-job-template-metadata-null", mutate(setter("spec.template.metadata", None, migrate)), check=job_renamed),
    Case(
        "our-template-labels-a-list",
        mutate(setter("spec.template.metadata.labels", ["app"])),
        refused=("Deployment/zymtrace-web", "spec.template.metadata.labels is a list"),
    ),
    Case(
        "our-template-annotations-null",
        mutate(setter("spec.template.metadata.annotations", None)),
        check=web_has_a_checksum,
    ),
    Case(
        "our-template-annotations-a-list",
        mutate(setter("spec.template.metadata.annotations", [])),
        refused=("Deployment/zymtrace-web", "spec.template.metadata.annotations"),
    ),
    Case(
        "our-selector-null", mutate(setter("spec.selector", None)), refused=("Deployment/zymtrace-web", "spec.selector")
    ),
    Case(
        "our-match-labels-a-list",
        mutate(setter("spec.selector.matchLabels", ["app"])),
        refused=("Deployment/zymtrace-web", "matchLabels"),
    ),
    Case(
        "our-replicas-a-string",
        mutate(setter("spec.replicas", "3")),
        refused=("Deployment/zymtrace-web", "spec.replicas"),
    ),
    Case(
        "our-hpa-without-spec",
        mutate(dropper("spec", web_hpa), "autoscaled"),
        refused=("HorizontalPodAutoscaler/zymtrace-web", "spec"),
    ),
    Case(
        "our-hpa-target-a-string",
        mutate(setter("spec.scaleTargetRef", "zymtrace-web", web_hpa), "autoscaled"),
        refused=("HorizontalPodAutoscaler/zymtrace-web", "scaleTargetRef"),
    ),
    Case(
        "foreign-hpa-scales-our-deployment-with-replicas",
        add(
            hpa(
                "theirs",
                {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "zymtrace-web"},
                    "maxReplicas": 3,
                },
            )
        ),
        refused=("Deployment/zymtrace-web", "hpa.minReplicas"),
    ),
    Case(
        "our-configmap-data-a-list",
        mutate(setter("data", ["x"], gateway_config)),
        refused=("ConfigMap/zymtrace-gateway-config", "data"),
    ),
    Case(
        "our-configmap-value-a-number",
        mutate(setter("data.UI_CLUSTER_ADDRESS", 5, gateway_config)),
        refused=("ConfigMap/zymtrace-gateway-config", "data.UI_CLUSTER_ADDRESS"),
    ),
    Case(
        "our-secret-data-a-string",
        mutate(setter("stringData", "x", postgres_secret)),
        refused=("Secret/zymtrace-postgres-secrets", "stringData"),
    ),
    Case(
        "our-secret-value-a-mapping",
        mutate(setter("data.POSTGRES_PASSWORD", {"a": 1}, postgres_secret)),
        refused=("Secret/zymtrace-postgres-secrets", "data.POSTGRES_PASSWORD"),
    ),
    Case("our-metadata-a-string-is-no-longer-ours", mutate(setter("metadata", "x", web_service)), check=addresses_stay),
    Case("our-name-missing", mutate(dropper("metadata.name", web_service)), refused=("Service", "metadata.name")),
    Case("our-name-a-number", mutate(setter("metadata.name", 5, web_service)), refused=("Service", "metadata.name")),
    Case(
        "our-namespace-missing",
        mutate(dropper("metadata.namespace", web_service)),
        refused=("Service/zymtrace-web", "metadata.namespace"),
    ),
    Case(
        "our-namespace-a-list",
        mutate(setter("metadata.namespace", ["a"], web_service)),
        refused=("Service/zymtrace-web", "metadata.namespace"),
    ),
    Case(
        "our-labels-a-list",
        mutate(setter("metadata.labels", ["a"])),
        refused=("Deployment/zymtrace-web", "metadata.labels"),
    ),
    # ------------------------------------------------ Jobs: the recorded hash and the name
    Case("job-changed", mutate(lambda s: changed_template(migrate(s))), check=job_renamed),
    Case(
        "job-hash-m",
        mutate(both(lambda s: changed_template(migrate(s)), annotate(HASH, "m", migrate))),
        refused=("Job/zymtrace-migrate-4428c298", HASH),
    ),
    Case(
        "job-hash-m-unchanged-template",
        mutate(annotate(HASH, "m", migrate)),
        refused=("Job/zymtrace-migrate-4428c298", HASH),
    ),
    Case(
        "job-hash-empty",
        mutate(both(lambda s: changed_template(migrate(s)), annotate(HASH, "", migrate))),
        refused=("Job/zymtrace-migrate-4428c298", HASH),
    ),
    Case(
        "job-hash-removed",
        mutate(both(lambda s: changed_template(migrate(s)), unannotate(HASH, migrate))),
        refused=("Job/zymtrace-migrate-4428c298", HASH),
    ),
    Case(
        "job-hash-a-number",
        mutate(both(lambda s: changed_template(migrate(s)), annotate(HASH, 44280298, migrate))),
        refused=("Job/zymtrace-migrate-4428c298", HASH),
    ),
    Case(
        "job-hash-upper-case",
        mutate(annotate(HASH, "4428C298", migrate)),
        refused=("Job/zymtrace-migrate-4428c298", HASH),
    ),
    Case(
        "job-hash-not-at-the-end-of-the-name",
        mutate(
            both(lambda s: changed_template(migrate(s)), setter("metadata.name", "zymtrace-4428c298-migrate", migrate))
        ),
        refused=("Job/zymtrace-4428c298-migrate", "template hash"),
    ),
    Case(
        "job-long-prefix-hash-m",
        mutate(
            both(lambda s: changed_template(long_migrate(s)), annotate(HASH, "m", long_migrate)),
            "long-prefix",
        ),
        refused=(f"Job/{LONG_PREFIX}-migrate-", HASH),
    ),
    Case(
        "job-name-over-63",
        mutate(setter("metadata.name", "x" * 55 + "-4428c298", migrate)),
        refused=("Job/" + "x" * 55, "63"),
    ),
    Case(
        "two-jobs-renamed-onto-one-id",
        mutate(duplicate_job),
        refused=("Job/zymtrace-migrate-4428c298", "zymtrace-migrate-aaaaaaaa"),
    ),
    Case("job-renamed-onto-a-foreign-job", mutate(foreign_job_on_renamed_id), refused=("Job/zymtrace-migrate-",)),
    Case(
        "service-name-over-63",
        mutate(setter("metadata.name", "s" * 64, web_service)),
        refused=("Service/" + "s" * 64, "63"),
    ),
    Case(
        "configmap-name-upper-case",
        mutate(setter("metadata.name", "Zymtrace-Config", gateway_config)),
        refused=("ConfigMap/Zymtrace-Config",),
    ),
    Case(
        "our-object-twice",
        mutate(lambda s: [*s, copy.deepcopy(gateway_config(s))]),
        refused=("ConfigMap/zymtrace-gateway-config", "in the output 2 times"),
    ),
    # ------------------------------------------------ the transformations the pass follows
    Case("untouched-render", mutate(lambda s: None), check=unchanged),
    Case(
        "configmap-generator-with-hash",
        mutate(extra_configmap_read_by_web("extra" + KUSTOMIZE_HASH)),
        check=lambda before, after: None,
    ),
    Case("foreign-secrets-by-the-thousand", mutate(many_secrets), check=unchanged),
]


def _krm_items(stream: Stream) -> str:
    return (
        LIST_HEADER
        + emitter.dump({"items": stream})
        + "functionConfig:\n"
        + "".join("  " + line + "\n" for line in FINISH_CONFIG.splitlines())
    )


def _run_surface(
    surface: str, stream: Stream, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, Stream | None, str, str]:
    """(exit code, the output objects or None, stdout, stderr) of one run of the pass."""
    from kustomize_zymtrace.cli import main

    text = yamlio.dump_all(stream)
    if surface == "krm":
        from kustomize_zymtrace.krm import process

        out = io.StringIO()
        outcome = process(_krm_items(stream), out)
        output = read(out.getvalue())
        return outcome.exit_code, output.get("items") or [], out.getvalue(), "\n".join(outcome.messages)
    if surface in ("finish", "check"):
        path = tmp_path / "stream.yaml"
        path.write_text(text)
        code = main(["finish", str(path), *(["--check"] if surface == "check" else [])])
    else:
        config_path = tmp_path / "finish.yaml"
        config_path.write_text(FINISH_CONFIG)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        code = main([str(config_path)])
    captured = capsys.readouterr()
    objects = read_all(captured.out) if code == 0 else None
    return code, objects, captured.out, captured.err


SURFACES = ("finish", "plugin", "krm", "check")


def _foreign(item: Any) -> bool:
    """Not ours: without the mark, or of a kind the generator never writes."""
    meta = item.get("metadata") if isinstance(item, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    ours = isinstance(annotations, dict) and MARK in annotations
    return not (ours and (item.get("apiVersion"), item.get("kind")) in GENERATED_KINDS)


def _matrix() -> list[Any]:
    """Every case through `finish`; through the plugin and the KRM function every fourth one in the
    README's run and all of them in .ci/run's slow step (they share one pass, each costs a run of it)."""
    return [
        pytest.param(case, surface, id=f"{case.id}-{surface}", marks=[pytest.mark.slow] if slow else [])
        for index, case in enumerate(CASES)
        for surface in SURFACES
        for slow in [surface != "finish" and index % 4 != 0]
    ]


@pytest.mark.parametrize(("case", "surface"), _matrix())
def test_stream(
    case: Case, surface: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = case.build()
    before = copy.deepcopy(stream)
    start = time.process_time()
    code, output, stdout, stderr = _run_surface(surface, stream, tmp_path, capsys, monkeypatch)
    elapsed = time.process_time() - start
    assert elapsed < TIME_BOUND, f"{elapsed:.1f} s"
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    if surface == "check":
        _assert_checked(case, before, code, stdout, stderr)
        return
    if case.refused:
        assert code == 1, f"exit {code}: {stderr}"
        errors = [line for line in stderr.splitlines() if line.startswith("[error]")]
        assert any(all(f in line for f in case.refused) for line in errors), errors
        if surface == "krm":  # the items back as they came (none, when the list itself is malformed)
            assert output in ([], as_read(before)), "a refused KRM run changed its items"
        else:
            assert stdout == "", "a refused run wrote output"
        return
    assert code == 0, stderr
    assert output is not None and len(output) == len(before)
    normal = as_read(before)
    for index, item in enumerate(normal):
        if _foreign(item):
            assert output[index] == item, f"document {index + 1}, not ours, was changed"
    if surface == "finish":  # the three forms give the same objects: strict schema validation once
        record([o for o in output if not _foreign(o)])
    if case.check:
        case.check(normal, output)


def _assert_checked(case: Case, before: Stream, code: int, stdout: str, stderr: str) -> None:
    """`finish --check` writes nothing, refuses what the pass refuses, and passes a stream exactly when it
    holds objects of ours that the pass would leave as they are."""
    from kustomize_zymtrace.finish import finish

    assert stdout == "", "finish --check wrote output"
    errors = [line for line in stderr.splitlines() if line.startswith("[error]")]
    if case.refused:
        assert code == 1 and any(all(f in line for f in case.refused) for line in errors), errors
        return
    normal = as_read(before)
    ours = [item for item in normal if not _foreign(item)]
    finished, _ = finish(copy.deepcopy(normal))
    expected = 0 if ours and finished == normal else 1
    assert code == expected, f"exit {code}, expected {expected}: {stderr}"
    assert (code == 1) == bool(errors), stderr


def test_finishing_twice_changes_nothing_after_a_hash_suffixed_generator() -> None:
    """The pass inside kustomize sees a configMapGenerator's object before kustomize adds the hash
    suffix; a second pass (hydrate, `finish`) sees it with the suffix: the checksum must not change."""
    from kustomize_zymtrace.finish import finish

    stream = base()
    extra_configmap_read_by_web("extra")(stream)
    first, _ = finish(stream)
    suffixed = copy.deepcopy(first)
    for item in suffixed:
        if item["metadata"]["name"] == "extra":
            item["metadata"]["name"] += KUSTOMIZE_HASH
    pod(web(suffixed))["containers"][0]["envFrom"][-1]["configMapRef"]["name"] += KUSTOMIZE_HASH
    expected = copy.deepcopy(suffixed)
    second, notes = finish(suffixed)
    assert checksum_of(second, web) == checksum_of(expected, web) != checksum_of(base(), web)
    assert second == expected and notes == []


@pytest.mark.parametrize("case", [c for c in CASES if not c.refused], ids=[c.id for c in CASES if not c.refused])
def test_finish_of_finish_is_finish(case: Case) -> None:
    from kustomize_zymtrace.finish import finish

    once, _ = finish(case.build())
    expected = copy.deepcopy(once)
    twice, notes = finish(once)
    assert twice == expected
    assert not [n for n in notes if "renamed" in n.message or "moved" in n.message]


def test_catalogue_size() -> None:
    assert len(CASES) + len(KRM_CASES) >= 60


# ---------------------------------------------------------------- KRM items (the generator)


@dataclass(frozen=True)
class KrmCase:
    id: str
    text: str  # the ResourceList
    refused: tuple[str, ...] = ()
    warned: tuple[str, ...] = ()  # fragments of one warning line of an accepted run
    check: Callable[[list[dict[str, Any]]], None] | None = None


def _items(*items: dict[str, Any]) -> str:
    return emitter.dump({"items": list(items)}) if items else "items: []\n"


def _function_config(body: str) -> str:
    return "functionConfig:\n" + "".join(f"  {line}\n" for line in body.splitlines())


CONFIG_TEXT = (
    "apiVersion: zymtrace.io/v1alpha1\nkind: ZymtraceBackend\nmetadata:\n  name: zymtrace\n  namespace: zymtrace\n"
)


def krm(*items: dict[str, Any], function_config: str = CONFIG_TEXT + "spec: {}\n") -> str:
    return LIST_HEADER + _items(*items) + (_function_config(function_config) if function_config else "")


def placed(item: dict[str, Any], path: str) -> dict[str, Any]:
    item = copy.deepcopy(item)
    annotations = item["metadata"].setdefault("annotations", {})
    annotations["config.kubernetes.io/path"] = path
    annotations["internal.config.kubernetes.io/path"] = path
    return item


def count(kind: str, name: str, expected: int) -> Callable[[list[dict[str, Any]]], None]:
    def check(items: list[dict[str, Any]]) -> None:
        found = [i for i in items if i["kind"] == kind and i["metadata"]["name"] == name]
        assert len(found) == expected, f"{kind}/{name} {len(found)} times"

    return check


def generated_count(expected: int) -> Callable[[list[dict[str, Any]]], None]:
    def check(items: list[dict[str, Any]]) -> None:
        ours = [i for i in items if MARK in (i["metadata"].get("annotations") or {})]
        assert len(ours) == expected

    return check


HAND_WRITTEN_CONFIG = obj("ConfigMap", "zymtrace-config", data={"MINE": "1"})
OLD_OUTPUT = placed(
    obj("ConfigMap", "zymtrace-old", annotations=marked(), data={}), "generated/zymtrace/configmap_zymtrace-old.yaml"
)

KRM_CASES: list[KrmCase] = [
    KrmCase(
        "hand-written-item-with-a-generated-id",
        krm(placed(HAND_WRITTEN_CONFIG, "mine.yaml")),
        refused=("ConfigMap zymtrace/zymtrace-config", "mine.yaml"),
    ),
    KrmCase(
        "hand-written-item-with-a-generated-id-no-path",
        krm(HAND_WRITTEN_CONFIG),
        refused=("ConfigMap zymtrace/zymtrace-config",),
    ),
    KrmCase(
        "hand-written-item-with-a-generated-id-and-our-mark",
        krm(placed(obj("ConfigMap", "zymtrace-config", annotations={MARK: "other/else"}), "mine.yaml")),
        refused=("ConfigMap zymtrace/zymtrace-config", "mine.yaml"),
    ),
    KrmCase(
        "hand-written-item-same-name-other-namespace",
        krm(placed(obj("ConfigMap", "zymtrace-config", "elsewhere"), "mine.yaml")),
        check=count("ConfigMap", "zymtrace-config", 2),
    ),
    KrmCase(
        "hand-written-item-same-name-other-group",
        krm(placed(obj("ConfigMap", "zymtrace-config", api="example.com/v1"), "mine.yaml")),
        check=count("ConfigMap", "zymtrace-config", 2),
    ),
    KrmCase(
        "hand-written-item-with-our-mark-kept-and-named",
        krm(placed(obj("ConfigMap", "mine", annotations=marked(), data={"A": "1"}), "mine.yaml")),
        warned=("ConfigMap zymtrace/mine", "mine.yaml", MARK),
        check=count("ConfigMap", "mine", 1),
    ),
    KrmCase(
        "item-with-our-mark-without-a-path-kept-and-named",
        krm(obj("ConfigMap", "mine", annotations=marked(), data={"A": "1"})),
        warned=("ConfigMap zymtrace/mine", MARK),
        check=count("ConfigMap", "mine", 1),
    ),
    KrmCase(
        "item-with-the-mark-of-a-gone-config-outside-generated",
        krm(placed(obj("ConfigMap", "mine", annotations={MARK: "gone/gone"}), "keep/mine.yaml")),
        warned=("ConfigMap zymtrace/mine", "keep/mine.yaml"),
        check=count("ConfigMap", "mine", 1),
    ),
    KrmCase("earlier-output-pruned", krm(OLD_OUTPUT), check=count("ConfigMap", "zymtrace-old", 0)),
    KrmCase(
        "earlier-output-of-a-gone-config-pruned",
        krm(placed(obj("ConfigMap", "x", annotations={MARK: "gone/gone"}), "generated/gone/configmap_x.yaml")),
        check=count("ConfigMap", "x", 0),
    ),
    KrmCase(
        "earlier-output-in-a-subdirectory-pruned",
        krm(placed(obj("ConfigMap", "x", annotations=marked()), "pkg/generated/zymtrace/configmap_x.yaml")),
        check=count("ConfigMap", "x", 0),
    ),
    KrmCase(
        "mark-of-another-instance-in-our-directory",
        krm(placed(obj("ConfigMap", "x", annotations={MARK: "zymtrace/other"}), "generated/zymtrace/configmap_x.yaml")),
        warned=("ConfigMap zymtrace/x",),
        check=count("ConfigMap", "x", 1),
    ),
    KrmCase(
        "unknown-tag-in-the-function-config",
        krm(function_config=CONFIG_TEXT + "spec: !Custom\n  global: {namePrefix: abc}\n"),
        refused=("'!Custom'",),
    ),
    KrmCase(
        "unknown-tag-on-a-scalar-of-the-function-config",
        krm(function_config=CONFIG_TEXT + "spec:\n  global:\n    namePrefix: !Custom abc\n"),
        refused=("'!Custom'",),
    ),
    KrmCase(
        "unknown-tag-on-an-empty-spec",
        krm(function_config=CONFIG_TEXT + "spec: !Custom\n"),
        refused=("'!Custom'",),
    ),
    KrmCase(
        "unknown-tag-in-a-config-item",
        LIST_HEADER + "items:\n- " + (CONFIG_TEXT + "spec: !Custom {}\n").replace("\n", "\n  ").rstrip() + "\n",
        refused=("'!Custom'",),
    ),
    KrmCase(
        "unknown-tag-in-a-foreign-item-passes",
        LIST_HEADER
        + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: theirs}\n  data: !Custom {a: b}\n"
        + _function_config(CONFIG_TEXT + "spec: {}\n"),
        check=count("ConfigMap", "theirs", 1),
    ),
    KrmCase(
        "item-a-string",
        LIST_HEADER + "items:\n- just a string\n" + _function_config(CONFIG_TEXT + "spec: {}\n"),
        refused=("items[0]", "not a Kubernetes object"),
    ),
]


@pytest.mark.parametrize("case", KRM_CASES, ids=[c.id for c in KRM_CASES])
def test_krm_items(case: KrmCase) -> None:
    from kustomize_zymtrace.krm import process

    out = io.StringIO()
    start = time.process_time()
    outcome = process(case.text, out)
    elapsed = time.process_time() - start
    assert elapsed < TIME_BOUND, f"{elapsed:.1f} s"
    output, _ = yamlio.load_with_node(out.getvalue(), "output", any_yaml=True)  # foreign items keep their tags
    items = output.get("items") or []
    messages = outcome.messages
    if case.refused:
        assert outcome.exit_code == 1, messages
        errors = [m for m in messages if m.startswith("[error]")]
        assert any(all(f in line for f in case.refused) for line in errors), messages
        inputs, _ = yamlio.load_with_node(case.text, "input", any_yaml=True)
        assert items in ([], inputs.get("items") or []), "a refused run changed or generated items"
        return
    assert outcome.exit_code == 0, messages
    assert len([i for i in items if MARK in (i["metadata"].get("annotations") or {})]) >= 41
    warnings = [m for m in messages if m.startswith("[warning]")]
    if case.warned:
        assert any(all(f in line for f in case.warned) for line in warnings), messages
    else:
        assert not [w for w in warnings if MARK in w], warnings
    if case.check:
        case.check(items)


NAME_EDGES = [
    ("Job", migrate, "j" * 54 + "-4428c298", "j" * 55 + "-4428c298"),
    ("Service", web_service, "s" * 63, "s" * 64),
    ("Service", web_service, "s-1", "1-s"),
    ("ConfigMap", gateway_config, "c" * 253, "c" * 254),
    ("Deployment", web, "zymtrace-web", "Zymtrace-web"),
]


@pytest.mark.parametrize(
    ("kind", "pick", "accepted", "refused"), NAME_EDGES, ids=[f"{e[0]}-{e[3]}"[:40] for e in NAME_EDGES]
)
def test_the_name_limits_are_the_api_servers(
    apiserver: Any, kind: str, pick: Callable[[Stream], dict[str, Any]], accepted: str, refused: str
) -> None:
    """What the pass refuses as a name, the API server rejects; the longest name it accepts, the server takes."""
    from kustomize_zymtrace.finish import finish
    from kustomize_zymtrace.results import ConfigError

    apiserver.namespace("names")
    for name, ok in ((accepted, True), (refused, False)):
        stream = base()
        target = pick(stream)
        target["metadata"]["name"] = name
        if kind == "Deployment":  # the chart's rule ties a workload's name to its app label
            target["spec"]["selector"]["matchLabels"]["app"] = name
            target["spec"]["template"]["metadata"]["labels"]["app"] = name
        if ok:
            finish(stream)
        else:
            with pytest.raises(ConfigError) as caught:
                finish(stream)
            assert any(f"{kind}/{name}" in r.message for r in caught.value.results)
        judged = copy.deepcopy(target)
        judged["metadata"]["namespace"] = "names"
        result = apiserver.apply(judged, dry_run=True)
        assert result.ok == ok, f"{kind}/{name}: {result.message}"
