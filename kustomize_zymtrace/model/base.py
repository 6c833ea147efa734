"""Building blocks shared by every section of the ZymtraceBackend spec.

Field names keep the chart's values keys (camelCase and the chart's own snake_case mode names), so a
path in an error message reads the same in YAML, Python and the chart's documentation.
"""

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from .scalars import QUANTITY_PATTERN, env_value, quantity

DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = DNS_LABEL + r"(\." + DNS_LABEL + r")*"

# One validator per union-like type, so a bad value yields one error, not one per union member.
Quantity = Annotated[
    Any,
    AfterValidator(quantity),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": QUANTITY_PATTERN}, {"type": "number"}]}),
]
EnvValue = Annotated[
    Any,
    BeforeValidator(env_value),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]
# Only YAML's true and false (the loader reads YAML 1.2 booleans, so yes/on stay strings), and integers
# only as numbers: what the JSON Schema says and editors check, where lax parsing would also take "no",
# "0" or 1 for a boolean and true or "3" for a number.
Bool = StrictBool
Int = StrictInt
Port = Annotated[Int, Field(ge=1, le=65535)]
Percent = Annotated[Int, Field(ge=1, le=100)]
NonNegative = Annotated[Int, Field(ge=0)]
Positive = Annotated[Int, Field(ge=1)]
# A name of an existing object in the namespace (Secret, ServiceAccount, PVC); empty means "not set".
ObjectName = Annotated[str, Field(pattern=r"^(" + DNS_SUBDOMAIN + r")?$", max_length=253)]
ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
# Kubernetes' rules for label keys (an optional DNS-subdomain prefix, a 63-character name), label values
# and environment variable names, so a bad one fails here and not at the API server.
QUALIFIED_NAME = r"^(" + DNS_SUBDOMAIN + r"/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
LabelKey = Annotated[str, Field(pattern=QUALIFIED_NAME, max_length=316)]
LabelValue = Annotated[str, Field(pattern=r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", max_length=63)]
EnvName = Annotated[str, Field(pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
Labels = dict[LabelKey, LabelValue]
Annotations = dict[LabelKey, str]


def doc(default: Any, description: str, **kw: Any) -> Any:
    """A field with its default and the sentence the parameter reference shows for it."""
    return Field(default, description=description, **kw)


def doc_factory(factory: Any, description: str, **kw: Any) -> Any:
    return Field(default_factory=factory, description=description, **kw)


class Strict(BaseModel):
    """Every section rejects keys it does not know, so a typo never passes silently."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        defer_build=True,
        coerce_numbers_to_str=True,  # values files often say tag: 17.4 where a string is meant
        validate_default=True,  # factory defaults below are plain dicts (see defaults.py)
    )


class Image(Strict):
    repository: str = doc("", "Image repository.")
    tag: str = doc("", "Image tag.")


class Resources(Strict):
    requests: dict[str, Quantity] = doc_factory(dict, "Container resource requests.")
    limits: dict[str, Quantity] = doc_factory(dict, "Container resource limits.")


def resources(req_cpu: str, req_mem: str, lim_cpu: str, lim_mem: str, what: str) -> Any:
    return doc_factory(
        lambda: {"requests": {"cpu": req_cpu, "memory": req_mem}, "limits": {"cpu": lim_cpu, "memory": lim_mem}},
        f"Resources of the {what} container.",
    )


class Toleration(Strict):
    key: str | None = doc(None, "Taint key the toleration applies to.")
    operator: Literal["Exists", "Equal"] | None = doc(None, "Exists or Equal.")
    value: str | None = doc(None, "Taint value to match.")
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute", ""] | None = doc(None, "Taint effect.")
    tolerationSeconds: Int | None = doc(None, "How long a NoExecute taint is tolerated.")


class Scheduling(Strict):
    """nodeSelector / tolerations / affinity of one group of pods."""

    nodeSelector: Labels = doc_factory(dict, "Node labels the pods must match.")
    tolerations: list[Toleration] = doc_factory(list, "Taints the pods tolerate.")
    affinity: dict[str, Any] = doc_factory(dict, "Pod affinity / anti-affinity / node affinity.")


class ExistingPvc(Strict):
    pvcName: ObjectName = doc("", "Name of the existing PersistentVolumeClaim (storage.type existing_pvc).")
    subPath: str = doc("", "Sub-directory of the claim to mount (existing_pvc only).")


class DataVolume(Strict):
    """Where an in-cluster database keeps its data."""

    type: Literal["persistent", "empty_dir", "existing_pvc"] = doc(
        "persistent",
        "persistent (a PVC named after the component), empty_dir (data lost with the pod) or existing_pvc.",
    )
    size: Quantity = doc("20Gi", "Requested size of the generated PVC.")
    className: str = doc("", "storageClassName of the generated PVC; empty uses the cluster default.")
    existing_pvc: ExistingPvc = doc_factory(ExistingPvc, "The claim used with type existing_pvc.")


def data_volume(size: str, sub_path: str) -> Any:
    return doc_factory(lambda: {"size": size, "existing_pvc": {"subPath": sub_path}}, "Data volume of the database.")


class ProbeTiming(Strict):
    initialDelaySeconds: NonNegative = doc(0, "Seconds before the first probe.")
    periodSeconds: Positive = doc(10, "Seconds between probes.")
    timeoutSeconds: Positive = doc(1, "Seconds before a probe times out.")
    failureThreshold: Positive | None = doc(None, "Failures before the container is restarted/unready.")


class HealthProbes(Strict):
    liveness: ProbeTiming = doc_factory(ProbeTiming, "Liveness probe timings.")
    readiness: ProbeTiming = doc_factory(ProbeTiming, "Readiness probe timings.")


def db_probes(failure_threshold: int | None) -> Any:
    liveness = {"initialDelaySeconds": 60, "periodSeconds": 10, "timeoutSeconds": 3}
    if failure_threshold is not None:
        liveness["failureThreshold"] = failure_threshold
    readiness = {"initialDelaySeconds": 50, "periodSeconds": 5, "timeoutSeconds": 3}
    return doc_factory(
        lambda: {"liveness": liveness, "readiness": readiness}, "Exec-probe timings of the database container."
    )
