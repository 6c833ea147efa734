"""Building blocks shared by every section of the ZymtraceBackend spec.

Field names keep the chart's values keys (camelCase and the chart's own snake_case mode names), so a
path in an error message reads the same in YAML, Python and the chart's documentation.

Every section is a standard-library dataclass: that is the type validation returns, and pydantic builds
its validator and JSON Schema from it (pydantic's supported dataclass path). The field rules are written
with small markers (`Rule`, `Before`, `After`, `JsonSchema`) that only pydantic's schema builder reads,
so importing the model costs a render no pydantic machinery: creating ~110 BaseModel classes and importing
pydantic's model layer cost each process about 100 ms, more than the whole render (docs/performance.md).
"""

import dataclasses
import functools
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic_core import core_schema
from typing_extensions import dataclass_transform  # typing's own is 3.11+

from .credential import CredentialOf, declared
from .scalars import (
    INT32_MAX,
    INT64_MAX,
    QUANTITY_PATTERN,
    annotations_size,
    bucket_name,
    check_resources,
    check_toleration,
    config_map_size,
    env_map,
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

# ------------------------------------------------------------------ field rules (read when pydantic builds)


class Rule:
    """pydantic's `Field` constraints on the annotated type (pattern, max_length, ge, le, strict, ...).

    It must come first in `Annotated[...]`: it rebuilds the schema of the bare type with the constraints,
    exactly as `Annotated[type, Field(...)]` would, which is only right when nothing is applied before it."""

    __slots__ = ("constraints",)

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        from pydantic import Field

        if handler(source) != handler.generate_schema(source):
            raise TypeError(f"Rule({self.constraints}) must be the first annotation of {source!r}")
        return handler.generate_schema(Annotated[source, Field(**self.constraints)])  # type: ignore[no-any-return]


class _Function:
    """A plain function pydantic runs around the type's own validation, as `wrap` places it."""

    __slots__ = ("func",)
    wrap: Callable[..., core_schema.CoreSchema]

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.func = function

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return type(self).wrap(self.func, handler(source))


class Before(_Function):
    """Run on the raw value, before the type's own validation (pydantic's BeforeValidator)."""

    wrap = core_schema.no_info_before_validator_function


class After(_Function):
    """Run on the validated value (pydantic's AfterValidator)."""

    wrap = core_schema.no_info_after_validator_function


class JsonSchema:
    """The JSON Schema of a value validated by a function (pydantic's WithJsonSchema)."""

    __slots__ = ("schema",)

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        return dict(self.schema)


def doc(default: Any, description: str | None = None, **rules: Any) -> Any:
    """A field with its default (`...`: required) and the sentence the parameter reference shows for it;
    `rules` are pydantic Field arguments (alias, pattern, min_length, ...), which pydantic reads from
    the dataclass field's metadata."""
    metadata = {"description": description, **rules} if description is not None else rules
    if default is ...:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def doc_factory(factory: Callable[..., Any], description: str | None = None, **rules: Any) -> Any:
    """A field whose default is built per instance. A section's default is its own defaults: an empty
    mapping, validated into the section (validate_default), since no section is built by calling it."""
    metadata = {"description": description, **rules} if description is not None else rules
    if isinstance(factory, type) and issubclass(factory, Strict):
        factory = dict
    return dataclasses.field(default_factory=factory, metadata=metadata)


@dataclass_transform(kw_only_default=True, eq_default=False, field_specifiers=(dataclasses.field, doc, doc_factory))
class Strict:
    """Every section rejects keys it does not know, so a typo never passes silently.

    Subclasses become dataclasses when they are defined (no generated __init__: validation fills them in
    directly, and the one __init__ below validates its arguments).
    Rules about a whole section go in its dataclass `__post_init__`, which pydantic calls once the fields
    are validated (a ValueError there is a validation error at the section's path), in the schema it builds
    and so in the saved validator, with no change to that schema by hand."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {  # pydantic's ConfigDict, read from the dataclass
        "extra": "forbid",
        "validate_by_name": True,
        # A number is never taken as text (pydantic's default): `password: 1e3` is 1000 to a YAML 1.2
        # reader and "1e3" to a YAML 1.1 one, so the text would depend on the tool that last wrote the file.
        # The fields that do take numbers say so (EnvValue, Quantity); docs/compatibility.md lists them.
        "validate_default": True,  # factory defaults are plain dicts (see defaults.py)
    }
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # set on each subclass by dataclass()
    __keys__: ClassVar[dict[str, str]]  # values-file key (the alias where there is one) -> field name
    __credentials__: ClassVar[tuple[CredentialOf, ...]]  # credential.py: the section's credentials

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Without a docstring, dataclass() writes one from inspect.signature(), 0.4 ms a class; pydantic
        # would also put that text into the JSON Schema as the section's description.
        own_doc = cls.__doc__
        cls.__doc__ = own_doc or cls.__name__
        dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False)(cls)
        cls.__doc__ = own_doc
        fields = dataclasses.fields(cls)
        cls.__keys__ = {f.metadata.get("alias", f.name): f.name for f in fields}
        cls.__credentials__ = declared(cls, [f.name for f in fields])

    def __init__(self, **values: Any) -> None:
        """A section built in code: keyword arguments by field name (or by the values file's key), validated
        as a config is, the rest at their defaults. The first one of each class builds pydantic's validator
        for it (a few hundred ms); loading a config never calls this."""
        adapter = _adapter(type(self))  # type: ignore[arg-type]  # mypy takes a section class for unhashable
        vars(self).update(vars(adapter.validate_python(values)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


@functools.cache
def _adapter(section: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(section)


def keys_of(section: type[Strict]) -> dict[str, str]:
    """A section's keys as the values file spells them (the alias where there is one) -> field names."""
    return section.__keys__


DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = DNS_LABEL + r"(\." + DNS_LABEL + r")*"

# One validator per union-like type, so a bad value yields one error, not one per union member.
Quantity = Annotated[
    Any,
    After(quantity),
    JsonSchema({"anyOf": [{"type": "string", "pattern": QUANTITY_PATTERN}, {"type": "number"}]}),
]
EnvValue = Annotated[
    Any,
    Before(env_value),
    JsonSchema({"type": ["string", "number", "boolean"]}),
]
PositiveQuantity = Annotated[
    Any,
    After(positive_quantity),
    JsonSchema({"anyOf": [{"type": "string", "pattern": QUANTITY_PATTERN}, {"type": "number"}]}),
]
# Only YAML's true and false (the loader reads YAML 1.2 booleans, so yes/on stay strings), and integers
# only as numbers: what the JSON Schema says and editors check, where lax parsing would also take "no",
# "0" or 1 for a boolean and true or "3" for a number. Integer fields keep the API's int32/int64 ranges;
# `integer` words the true/false case.
Bool = Annotated[bool, Rule(strict=True)]
Int = Annotated[int, Rule(strict=True), Before(integer)]
Int32 = Annotated[int, Rule(strict=True, ge=-(INT32_MAX + 1), le=INT32_MAX), Before(integer)]
Int64 = Annotated[int, Rule(strict=True, ge=-INT64_MAX - 1, le=INT64_MAX), Before(integer)]
Port = Annotated[int, Rule(strict=True, ge=1, le=65535), Before(integer)]
Percent = Annotated[int, Rule(strict=True, ge=1, le=100), Before(integer)]
NonNegative = Annotated[int, Rule(strict=True, ge=0, le=INT32_MAX), Before(integer)]
Positive = Annotated[int, Rule(strict=True, ge=1, le=INT32_MAX), Before(integer)]
# A name of an existing object in the namespace (Secret, ServiceAccount, PVC); empty means "not set".
ObjectName = Annotated[str, Rule(pattern=r"^(" + DNS_SUBDOMAIN + r")?$", max_length=253)]
# A port name (IANA service name syntax): up to 15 lowercase letters, digits and '-', at least one letter.
PortName = Annotated[str, After(port_name)]
# Image references as container runtimes parse them (distribution/reference): lowercase path components,
# an optional registry host (which may carry a port and upper case) first, a tag of word characters.
_PATH_COMPONENT = r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*"
_REGISTRY_HOST = r"(localhost(:[0-9]+)?|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?|[A-Za-z0-9-]+:[0-9]+)"
ImageRepository = Annotated[
    str, Rule(pattern=rf"^({_REGISTRY_HOST}/)?{_PATH_COMPONENT}(/{_PATH_COMPONENT})*$", max_length=255)
]
ImageRegistry = Annotated[
    str, Rule(pattern=rf"^(({_REGISTRY_HOST}|{_PATH_COMPONENT})(/{_PATH_COMPONENT})*)?$", max_length=255)
]
ImageTag = Annotated[str, Rule(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$")]
# A tag nothing falls back from: empty would render `repository:`, an image reference no runtime pulls.
RequiredTag = Annotated[str, Rule(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$", min_length=1)]
# A key inside a Secret or ConfigMap (what secretKeyRef.key takes).
CONFIG_KEY = r"^[-._a-zA-Z0-9]+$"
ConfigKey = Annotated[str, Rule(pattern=CONFIG_KEY, max_length=253)]
# Passwords, keys and user names: no control characters (they break the files and command lines the
# value is written into, and a tool that prints the object would print the value with it).
SecretText = Annotated[str, After(no_control_characters)]
# A database user the generated database creates: a plain identifier, never empty.
DatabaseUser = Annotated[str, Rule(pattern=r"^[A-Za-z_][A-Za-z0-9_.@-]*$", max_length=63)]
# Same, where empty means "not set" (checks require it where the mode needs it).
OptionalUser = Annotated[str, Rule(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.@+-]*)?$", max_length=128)]
# Database name prefixes become SQL identifiers (<prefix>_identity): letters, digits and '_'.
DatabaseName = Annotated[str, Rule(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=50)]
Url = Annotated[str, After(url)]
BucketName = Annotated[str, After(bucket_name)]
RequiredBucketName = Annotated[str, Rule(min_length=1), After(bucket_name)]
HostPort = Annotated[str, After(host_port)]
ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
# Kubernetes' rules for label keys (an optional DNS-subdomain prefix, a 63-character name), label values
# and environment variable names, so a bad one fails here and not at the API server.
QUALIFIED_NAME = r"^(" + DNS_SUBDOMAIN + r"/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
LabelKey = Annotated[str, Rule(pattern=QUALIFIED_NAME, max_length=316)]
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
LabelValue = Annotated[str, Rule(pattern=LABEL_VALUE, max_length=63)]
# At most 253 characters: services.common.env names become keys of a ConfigMap (the API server's limit);
# a service's own variables keep the same rule, so a variable can move between the two.
EnvName = Annotated[str, Rule(pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$", max_length=253)]
Env = Annotated[dict[EnvName, EnvValue], Before(env_map)]
# services.common.env: every value lands in one ConfigMap.
SharedEnv = Annotated[dict[EnvName, EnvValue], Before(env_map), After(config_map_size)]
Labels = dict[LabelKey, LabelValue]
Annotations = Annotated[dict[LabelKey, str], After(annotations_size)]


class Image(Strict):
    repository: ImageRepository = doc("", "Image repository.")
    tag: ImageTag = doc("", "Image tag.")


class PinnedImage(Image):
    """An image whose tag has no fallback (the databases' and the proxy's)."""

    tag: RequiredTag = doc("", "Image tag (must not be empty: nothing falls back).")


class Resources(Strict):
    requests: dict[str, Quantity] = doc_factory(dict, "Container resource requests.")
    limits: dict[str, Quantity] = doc_factory(dict, "Container resource limits (each at least its request).")

    def __post_init__(self) -> None:
        check_resources(self)


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

    def __post_init__(self) -> None:
        check_toleration(self)


class ExistingPvc(Strict):
    pvcName: ObjectName = doc("", "Name of the existing PersistentVolumeClaim (storage.type existing_pvc).")
    subPath: Annotated[str, After(sub_path)] = doc(
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
