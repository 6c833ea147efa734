"""One takeover run: the render, the live objects and the render's own field sets (a server-side dry
run), the plan per object, every patch checked with a dry run before any is written."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import yamlio
from ..digest import sha256_hex
from ..results import ConfigError, Result
from ..review.inputs import Key, key_of, load_side
from . import fields
from .kubectl import Kubectl, Obj, resource
from .takeover import Handover, Probe, Refusal, Target, autoscaled, patch, plan, rewritten, whole

PROBE_MANAGER = "kustomize-zymtrace-takeover-probe"  # only ever used in server-side dry runs


@dataclass
class Outcome:
    target: Target
    previous: set[str]
    handovers: list[Handover]
    absent: list[Key]  # rendered objects not in the cluster yet: the first apply creates them


def run(rendered_spec: str, kubectl: Kubectl, target: Target, previous: set[str], *, write: bool) -> Outcome:
    rendered = load_side(rendered_spec)
    live = _live(kubectl, list(rendered.values()))
    present = [obj for key, obj in rendered.items() if key in live]
    probes = _probe(kubectl, present)
    scaled = autoscaled(list(rendered.values()))
    handovers, refused = [], []
    for obj in present:
        key = key_of(obj)
        try:
            handovers.append(
                plan(
                    live[key],
                    obj,
                    probes.get(key, Probe(frozenset())),
                    target,
                    previous,
                    autoscaled_by_render=(key.namespace, key.kind, key.name) in scaled,
                )
            )
        except Refusal as exc:
            refused.append(Result(str(exc)))
    if refused:
        raise ConfigError(refused)
    changed = [h for h in handovers if h.changed]
    if changed:
        # The server checks every object first: a refused one stops the run before anything is written.
        kubectl.replace(_manifest(live, changed), manager=target.manager, dry_run=True)
    if changed and write:
        _write(kubectl, live, rendered, changed, target)
    absent = sorted(key for key in rendered if key not in live)
    return Outcome(target, previous, handovers, absent)


def _write(
    kubectl: Kubectl, live: dict[Key, Obj], rendered: dict[Key, Obj], changed: list[Handover], target: Target
) -> None:
    sent_whole = [h for h in changed if whole(live[h.key])]
    if sent_whole:
        kubectl.replace(_manifest(live, sent_whole), manager=target.manager, dry_run=False)
    for handover in changed:
        if handover not in sent_whole:
            key = handover.key
            kubectl.patch(key.namespace, resource(rendered[key]), patch(live[key], handover), manager=target.manager)
    annotated = [json.loads(h.last_applied) for h in changed if h.last_applied is not None]
    if annotated:
        kubectl.set_last_applied(yamlio.dump_all(annotated))


def _manifest(live: dict[Key, Obj], handovers: list[Handover]) -> str:
    return yamlio.dump_all([rewritten(live[h.key], h) for h in handovers])


def _live(kubectl: Kubectl, objects: list[Obj]) -> dict[Key, Obj]:
    by_namespace: dict[str, list[str]] = {}
    for obj in objects:
        by_namespace.setdefault(str(obj["metadata"].get("namespace") or ""), []).append(resource(obj))
    found: dict[Key, Obj] = {}
    for namespace, resources in sorted(by_namespace.items()):
        for item in kubectl.get(namespace, resources):
            found[key_of(item)] = item
    return found


def _probe(kubectl: Kubectl, objects: list[Obj]) -> dict[Key, Probe]:
    """Each rendered object applied, in a server-side dry run, as a new object under a scratch name:
    the fields the apply sets (its field manager's entry) and the object with the server's defaults."""
    if not objects:
        return {}
    scratch: dict[tuple[str, str, str], Key] = {}
    renamed = []
    for obj in objects:
        key = key_of(obj)
        name = f"kzp-{sha256_hex(repr(key).encode())[:12]}"  # a Service name too: short, starts with a letter
        scratch[key.kind, key.namespace, name] = key
        renamed.append({**obj, "metadata": {**obj["metadata"], "name": name}})
    out: dict[Key, Probe] = {}
    for item in kubectl.dry_run_apply(yamlio.dump_all(renamed), PROBE_MANAGER):
        meta = item.get("metadata") or {}
        found = scratch.get((str(item.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name"))))
        if found is None:
            continue
        entries = [e for e in meta.get("managedFields") or [] if e.get("manager") == PROBE_MANAGER]
        owned = frozenset().union(*(fields.paths(e.get("fieldsV1")) for e in entries if not e.get("subresource")))
        out[found] = Probe(owned, item)
    return out


# ---------------------------------------------------------------------------------- report


def _name(key: Key) -> str:
    return f"{key.kind} {key.namespace + '/' if key.namespace else ''}{key.name}"


def report(outcome: Outcome, *, write: bool) -> str:
    """Per object what is handed over and what the next apply removes; what most objects share (Helm's
    own labels and annotations) said once."""
    target = outcome.target
    how = "client-side apply" if target.client_side else "server-side apply"
    lines = [f"Taking over for {target.manager} ({how}) from {', '.join(sorted(outcome.previous))}:"]
    removals = {h.key: [fields.text(p) for p in fields.topmost(h.removed)] for h in outcome.handovers}
    counts: dict[str, int] = {}
    for shown in removals.values():
        for text in shown:
            counts[text] = counts.get(text, 0) + 1
    common = sorted(text for text, n in counts.items() if n >= 3 and n * 2 >= len(outcome.handovers))
    if common:
        lines.append(f"  on most objects the next apply removes: {', '.join(common)}")
    for handover in outcome.handovers:
        what = []
        if handover.previous:
            what.append(f"fields of {', '.join(handover.previous)} handed over")
        elif handover.taken:
            what.append(f"{len(handover.taken)} fields nobody owned handed over")
        if handover.released:
            what.append("spec.replicas left to its autoscaler")
        rest = [text for text in removals[handover.key] if text not in common]
        if rest:
            what.append(f"the next apply removes {', '.join(rest)}")
        if what and (handover.changed or rest):
            lines.append(f"  {_name(handover.key)}: {'; '.join(what)}")
    untouched = sum(1 for h in outcome.handovers if not h.changed)
    if untouched:
        lines.append(f"  {untouched} objects: nothing to hand over")
    if outcome.absent:
        lines.append(f"  not in the cluster yet, the first apply creates them: {', '.join(map(_name, outcome.absent))}")
    changed = len(outcome.handovers) - untouched
    total = sum(len(shown) for shown in removals.values())
    if write:
        lines.append(f"Handed over {changed} objects; the next apply by {target.manager} removes {total} fields")
    else:
        lines.append(
            f"Dry run: {changed} objects to hand over, checked by the API server; nothing written. "
            "Run again with --apply to write it."
        )
    return "\n".join(lines) + "\n"
