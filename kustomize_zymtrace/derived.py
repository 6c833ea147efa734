"""What the generator derives from its own objects, computed one way for the render pass and the finishing pass.

Pods carry a checksum of the ConfigMaps and Secrets they read, Jobs the hash of their pod template, and
workloads kpt's depends-on naming the workloads of the stage before theirs. The render pass
(render/render_pass.py) computes them on the objects the renderers made; the finishing pass (finish.py)
computes them again on the final objects, after kustomize transformed them, and must reach the same values
for an unchanged render. Both run these functions, as the steps passes.py declares.

The finishing pass runs as a process of its own for every `kustomize build`, so this module imports
neither the model nor the renderers (nor pydantic): only the standard library, the stage table and a
list of the chart's published default values saved beside it at build time (public-values.json).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import re
from collections.abc import Iterator
from typing import Any

from .api import GENERATED_BY
from .digest import sha256_hex
from .stages import stage
from .wellknown import API_GROUPS, KPT_DEPENDS_ON, WORKLOADS

Obj = dict[str, Any]
CHECKSUM = "checksum/config"
# The hash a Job's name carries, kept beside the name so a later pass can find and renew it.
TEMPLATE_HASH = "zymtrace.io/template-hash"
# kpt live applies an object after those it depends on: workloads of a stage wait for the previous one.
DEPENDS_ON_STAGE = {"migrate": "databases", "services": "migrate"}
# Apply order: what others depend on first (lightkube's rank table follows the same idea).
KIND_ORDER = (
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Service",
    "StatefulSet",
    "Deployment",
    "Job",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "Ingress",
    "PodMonitor",
)
# The strings among the chart's published default values and the fixed values the renderer writes into
# Secrets, saved by hack/regenerate from the model (render.render_pass.public_values_of_model).
PUBLIC_VALUES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "public-values.json")


# scrypt cost of sealing one inline secret for the checksum: 8 MiB and 20-40 ms per guess, so a
# dictionary attack on a checksum runs at tens of guesses per second per core instead of billions.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**13, 8, 1


def digest(value: Any) -> str:
    return sha256_hex(json.dumps(value, sort_keys=True, separators=(",", ":")).encode())


def seal(salt: str, value: str) -> str:
    """A salted, memory-hard hash of one secret value (hex)."""
    import hashlib  # scrypt is OpenSSL's: loaded only when an inline secret is sealed

    key = hashlib.scrypt(value.encode(), salt=salt.encode(), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return key.hex()


def checksum_inputs(
    objects: list[Any], owner: str = "", wanted: set[tuple[str, str, str]] | None = None
) -> dict[tuple[str, str, str], Any]:
    """What the pod-rolling checksum covers, per ConfigMap and Secret (kind, namespace, name): ConfigMaps
    as they are; in Secrets each value replaced by seal() with a salt naming the deployment (`owner`, the
    namespace and instance that generated it; for a Secret of someone else's, its namespace and name).
    `wanted`: only these (what the pods read), so Secrets nobody reads cost no seal.

    Why: workloads are readable by more people than Secrets are. An unsalted fast hash over Secret
    plaintext lets anyone who reads a Deployment test password guesses offline at GPU speed. No key
    outside the output exists to make an HMAC with (output must be deterministic, from the config
    alone), so the guess is made slow instead: scrypt per secret value, salted per namespace and
    instance so nothing is precomputed across deployments. A changed secret still changes its seal,
    so pods still roll. Values published among the chart's defaults are no secret; they are not
    sealed, which keeps the default render fast.

    The renderer and the finishing pass (kustomize_zymtrace.finish) both call this on objects, so a
    pass over an unchanged render gives back the same checksums. The finishing pass also meets objects
    of someone else's in any shape: what is not a mapping where one belongs is taken as it is.
    """
    seals: dict[tuple[str, str], str] = {}
    inputs: dict[tuple[str, str, str], Any] = {}
    for obj in objects:
        kind = obj.get("kind") if isinstance(obj, dict) else None
        meta = obj.get("metadata") if kind in ("ConfigMap", "Secret") else None
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
            continue
        key = (str(kind), str(meta.get("namespace") or ""), meta["name"])
        if wanted is not None and key not in wanted:
            continue
        if kind == "ConfigMap":
            inputs[key] = obj.get("data")
            continue
        annotations = meta.get("annotations")
        marked = annotations.get(GENERATED_BY) if isinstance(annotations, dict) else None
        salt = str(marked or owner or f"{key[1]}/{generated_name(key[2])}")
        content: dict[str, Any] = {}
        for label, value in secret_content(obj).items():
            if isinstance(value, str) and value and value not in public_values():
                if (salt, value) not in seals:
                    seals[salt, value] = seal(salt, value)
                value = seals[salt, value]
            content[label] = value
        inputs[key] = content
    return inputs


def secret_content(obj: Obj) -> dict[str, Any]:
    """What a pod reads from a Secret, key by key: `stringData.KEY` with the text, whether the object
    carries it in stringData or base64 in data (so writing a Secret one way or the other rolls no pod),
    `data.KEY` with the base64 for bytes that are no UTF-8 text. stringData wins, as on the API server."""
    content: dict[str, Any] = {}
    data, string_data = obj.get("data"), obj.get("stringData")
    # Someone else's object may hold anything there: what is not a mapping is taken as it is.
    if isinstance(data, dict):
        for key, value in data.items():
            text = _decoded(value)
            content[f"data.{key}" if text is None else f"stringData.{key}"] = value if text is None else text
    elif data is not None:
        content["data"] = data
    if isinstance(string_data, dict):
        for key, value in string_data.items():
            content.pop(f"data.{key}", None)
            content[f"stringData.{key}"] = value
    elif string_data is not None:
        content["stringData"] = string_data
    return content


def _decoded(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


@functools.cache
def public_values() -> frozenset[str]:
    """Every string among the chart's published default values, and the fixed values the renderer
    writes into Secrets (PGDATA's path...): no secret, so never worth a slow seal. Read from the list
    saved with the package: building it takes the model, which the finishing pass does not load."""
    with open(PUBLIC_VALUES_FILE, encoding="utf-8") as file:
        return frozenset(json.load(file))


def checksum_config(workloads: list[Obj], objects: list[Any], owner: str = "") -> None:
    """Each workload's checksum/config over what it reads among `objects` (the checksum_config step).
    `owner` salts the seals of Secrets without a mark (see checksum_inputs)."""
    wanted = {
        (kind, str(workload["metadata"].get("namespace") or ""), name)
        for workload in workloads
        for kind, name in consumed(workload["spec"]["template"]["spec"])
    }
    consumable = checksum_inputs(objects, owner, wanted)  # only what is read: no seal for Secrets nobody reads
    for workload in workloads:
        set_checksum(workload, consumable)


class NameLostHash(ValueError):
    """A Job whose template changed, but whose name no longer ends with its recorded template hash."""


def name_after_template(job: Obj) -> str | None:
    """<name>-<8 hex digits of the pod template's hash>, the hash recorded in TEMPLATE_HASH beside it (the
    name_jobs_after_template step). Jobs are immutable, so a changed one must be a new object (and so runs
    once more). A Job without a recorded hash (fresh from a renderer) gets the hash appended; a Job whose
    template changed since its hash was recorded gets the hash in its name renewed. Returns the name before
    a renewal, None otherwise; raises NameLostHash when the name no longer ends with the recorded hash."""
    fresh = digest(job["spec"]["template"])[:8]
    meta = job["metadata"]
    recorded = (meta.get("annotations") or {}).get(TEMPLATE_HASH)
    if recorded == fresh:
        return None
    old = meta["name"]
    if recorded is None:
        meta["name"] = f"{old[:54].rstrip('-')}-{fresh}"
    elif old.endswith(f"-{recorded}"):
        meta["name"] = f"{old[: -len(recorded)]}{fresh}"
    else:
        raise NameLostHash(recorded)
    meta.setdefault("annotations", {})[TEMPLATE_HASH] = fresh
    return None if recorded is None else old


def set_dependencies(objects: list[Obj]) -> None:
    """kpt's depends-on on each workload, from the final names and namespaces: the finishing pass calls
    it again after kustomize moved or renamed objects."""
    dependencies = _dependencies(objects)
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            annotations = obj["metadata"].setdefault("annotations", {})
            if dependencies.get(stage(obj)):
                annotations[KPT_DEPENDS_ON] = dependencies[stage(obj)]  # in place: a re-run moves no line
            else:
                annotations.pop(KPT_DEPENDS_ON, None)


def _dependencies(objects: list[Obj]) -> dict[str, str]:
    """stage -> kpt's depends-on value naming the workloads of the stage before it
    (<group>/namespaces/<namespace>/<kind>/<name>, comma-separated)."""
    refs: dict[str, list[str]] = {}
    for obj in sorted(objects, key=order):
        if obj["kind"] in WORKLOADS:
            meta = obj["metadata"]
            ref = f"{API_GROUPS[obj['kind']]}/namespaces/{meta.get('namespace', '')}/{obj['kind']}/{meta['name']}"
            refs.setdefault(stage(obj), []).append(ref)
    return {after: ",".join(refs[before]) for after, before in DEPENDS_ON_STAGE.items() if refs.get(before)}


def order(obj: Obj) -> tuple[int, str]:
    """The sort key of the output: kind by KIND_ORDER (other kinds last), then name."""
    kind = obj["kind"]
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, obj["metadata"]["name"]


def consumed(pod: Obj) -> Iterator[tuple[str, str]]:
    """(kind, name) of every ConfigMap and Secret a pod spec reads (the finishing pass checks the shape
    of our pods first; what is not a mapping or a list here is skipped)."""
    for container in _entries(pod.get("initContainers")) + _entries(pod.get("containers")):
        for source in _entries(container.get("envFrom")):
            yield from _reference("ConfigMap", source.get("configMapRef"), "name")
            yield from _reference("Secret", source.get("secretRef"), "name")
        for env in _entries(container.get("env")):
            ref = env.get("valueFrom")
            if isinstance(ref, dict):
                yield from _reference("ConfigMap", ref.get("configMapKeyRef"), "name")
                yield from _reference("Secret", ref.get("secretKeyRef"), "name")
    for volume in _entries(pod.get("volumes")):
        yield from _reference("ConfigMap", volume.get("configMap"), "name")
        yield from _reference("Secret", volume.get("secret"), "secretName")


def _entries(value: Any) -> list[Obj]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _reference(kind: str, ref: Any, field: str) -> Iterator[tuple[str, str]]:
    if isinstance(ref, dict) and isinstance(ref.get(field), str):
        yield kind, ref[field]


# kustomize's configMapGenerator and secretGenerator append "-" and ten characters of a hash to a name
# (api/hasher: hex digits with 0, 1, 3, a and e replaced by g, h, k, m and t), after every transformer ran.
KUSTOMIZE_HASH_SUFFIX = "-[245-9bcdfghkmt]{10}"


def generated_name(name: str) -> str:
    """A name without kustomize's generator hash suffix: the name the finishing pass saw inside kustomize,
    before the suffix was added, so a second pass over the suffixed output computes the same checksum."""
    return re.sub(f"{KUSTOMIZE_HASH_SUFFIX}$", "", name)


def set_checksum(workload: Obj, consumable: dict[tuple[str, str, str], Any]) -> None:
    """Roll the pods when anything they read from our ConfigMaps or Secrets changes; no checksum when they
    read none of them. The annotation is updated in place, so a second pass moves no line."""
    template = workload["spec"]["template"]
    namespace = str(workload["metadata"].get("namespace") or "")
    keys = sorted({(kind, generated_name(name), name) for kind, name in consumed(template["spec"])})
    contents = [
        [kind, short, consumable[kind, namespace, name]]
        for kind, short, name in keys
        if (kind, namespace, name) in consumable
    ]
    if not contents:
        annotations = (template.get("metadata") or {}).get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(CHECKSUM, None)
        return
    if not isinstance(template.get("metadata"), dict):  # absent, or null after a patch
        template["metadata"] = {}
    if not isinstance(template["metadata"].get("annotations"), dict):
        template["metadata"]["annotations"] = {}
    template["metadata"]["annotations"][CHECKSUM] = digest(contents)
