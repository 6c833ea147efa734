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
    model_validator,
)

from .scalars import (
    INT32_MAX,
    INT64_MAX,
    QUANTITY_PATTERN,
    annotations_size,
    check_resources,
    check_toleration,
    env_value,
    host_port,
    integer,
    no_control_characters,
    port_name,
    positive_quantity,
    quantity,
    sub_path,
    url,
)

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
PositiveQuantity = Annotated[
    Any,
    AfterValidator(positive_quantity),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": QUANTITY_PATTERN}, {"type": "number"}]}),
]
# Only YAML's true and false (the loader reads YAML 1.2 booleans, so yes/on stay strings), and integers
# only as numbers: what the JSON Schema says and editors check, where lax parsing would also take "no",
# "0" or 1 for a boolean and true or "3" for a number. Integer fields keep the API's int32/int64 ranges;
# `integer` words the true/false case.
Bool = StrictBool
Int = Annotated[StrictInt, BeforeValidator(integer)]
Int32 = Annotated[StrictInt, Field(ge=-(INT32_MAX + 1), le=INT32_MAX), BeforeValidator(integer)]
Int64 = Annotated[StrictInt, Field(ge=-INT64_MAX - 1, le=INT64_MAX), BeforeValidator(integer)]
Port = Annotated[StrictInt, Field(ge=1, le=65535), BeforeValidator(integer)]
Percent = Annotated[StrictInt, Field(ge=1, le=100), BeforeValidator(integer)]
NonNegative = Annotated[StrictInt, Field(ge=0, le=INT32_MAX), BeforeValidator(integer)]
Positive = Annotated[StrictInt, Field(ge=1, le=INT32_MAX), BeforeValidator(integer)]
# A name of an existing object in the namespace (Secret, ServiceAccount, PVC); empty means "not set".
ObjectName = Annotated[str, Field(pattern=r"^(" + DNS_SUBDOMAIN + r")?$", max_length=253)]
# A port name (IANA service name syntax): up to 15 lowercase letters, digits and '-', at least one letter.
PortName = Annotated[str, AfterValidator(port_name)]
# Image references as container runtimes parse them (distribution/reference): lowercase path components,
# an optional registry host (which may carry a port and upper case) first, a tag of word characters.
_PATH_COMPONENT = r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*"
_REGISTRY_HOST = r"(localhost(:[0-9]+)?|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?|[A-Za-z0-9-]+:[0-9]+)"
ImageRepository = Annotated[
    str, Field(pattern=rf"^({_REGISTRY_HOST}/)?{_PATH_COMPONENT}(/{_PATH_COMPONENT})*$", max_length=255)
]
ImageRegistry = Annotated[
    str, Field(pattern=rf"^(({_REGISTRY_HOST}|{_PATH_COMPONENT})(/{_PATH_COMPONENT})*)?$", max_length=255)
]
ImageTag = Annotated[str, Field(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$")]
# A key inside a Secret or ConfigMap (what secretKeyRef.key takes).
CONFIG_KEY = r"^[-._a-zA-Z0-9]+$"
ConfigKey = Annotated[str, Field(pattern=CONFIG_KEY, max_length=253)]
# Passwords, keys and user names: no control characters (they break the files and command lines the
# value is written into, and a tool that prints the object would print the value with it).
SecretText = Annotated[str, AfterValidator(no_control_characters)]
# A database user the generated database creates: a plain identifier, never empty.
DatabaseUser = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.@-]*$", max_length=63)]
# Same, where empty means "not set" (checks require it where the mode needs it).
OptionalUser = Annotated[str, Field(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.@+-]*)?$", max_length=128)]
# Database name prefixes become SQL identifiers (<prefix>_identity): letters, digits and '_'.
DatabaseName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=50)]
Url = Annotated[str, AfterValidator(url)]
HostPort = Annotated[str, AfterValidator(host_port)]
ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
# Kubernetes' rules for label keys (an optional DNS-subdomain prefix, a 63-character name), label values
# and environment variable names, so a bad one fails here and not at the API server.
QUALIFIED_NAME = r"^(" + DNS_SUBDOMAIN + r"/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
LabelKey = Annotated[str, Field(pattern=QUALIFIED_NAME, max_length=316)]
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
LabelValue = Annotated[str, Field(pattern=LABEL_VALUE, max_length=63)]
EnvName = Annotated[str, Field(pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
Labels = dict[LabelKey, LabelValue]
Annotations = Annotated[dict[LabelKey, str], AfterValidator(annotations_size)]


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
    repository: ImageRepository = doc("", "Image repository.")
    tag: ImageTag = doc("", "Image tag.")


class Resources(Strict):
    requests: dict[str, Quantity] = doc_factory(dict, "Container resource requests.")
    limits: dict[str, Quantity] = doc_factory(dict, "Container resource limits (each at least its request).")

    # The rule is a plain function (scalars.py) so the compiled validator calls it without the classes.
    _check = model_validator(mode="after")(check_resources)


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
    tolerationSeconds: Int64 | None = doc(None, "How long a NoExecute taint is tolerated.")

    _check = model_validator(mode="after")(check_toleration)


from .kube import Affinity  # noqa: E402  (kube.py builds on the types above)


class Scheduling(Strict):
    """nodeSelector / tolerations / affinity of one group of pods."""

    nodeSelector: Labels = doc_factory(dict, "Node labels the pods must match.")
    tolerations: list[Toleration] = doc_factory(list, "Taints the pods tolerate.")
    affinity: Affinity = doc_factory(Affinity, "Pod affinity / anti-affinity / node affinity (core/v1 Affinity).")


class ExistingPvc(Strict):
    pvcName: ObjectName = doc("", "Name of the existing PersistentVolumeClaim (storage.type existing_pvc).")
    subPath: Annotated[str, AfterValidator(sub_path)] = doc(
        "", "Sub-directory of the claim to mount (existing_pvc only; relative, no '..')."
    )


class DataVolume(Strict):
    """Where an in-cluster database keeps its data."""

    type: Literal["persistent", "empty_dir", "existing_pvc"] = doc(
        "persistent",
        "persistent (a PVC named after the component), empty_dir (data lost with the pod) or existing_pvc.",
    )
    size: PositiveQuantity = doc("20Gi", "Requested size of the generated PVC.")
    className: ObjectName = doc("", "storageClassName of the generated PVC; empty uses the cluster default.")
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
