"""The two passes over a whole output, and the steps they run, declared once in the order they run.

- The render pass (render/render_pass.py) runs inside the generator, on the objects the renderers just
  made, with the config at hand.
- The finishing pass (finish.py: the ZymtraceFinish transformer, the KRM function given a ZymtraceFinish
  config, `kustomize-zymtrace finish` and `hydrate`) runs on the final objects, after kustomize's
  transformers and an outer overlay's generators, without the model.

Steps both run compute with the same functions (derived.py), so a finishing pass over an unchanged render
changes nothing. Each pass gives one function per step it runs (the step's reason for that pass says
why) and runs them in the order of STEPS (`in_order`); a step a pass gives but does not declare, or
declares but does not give, is a bug caught on the first run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple, TypeVar

Pass = Literal["render", "finish"]
StepFunction = TypeVar("StepFunction")  # a pass's function for one step


class Step(NamedTuple):
    name: str
    does: str
    render: str  # why the render pass runs it; empty: it does not
    finish: str  # why the finishing pass runs it; empty: it does not

    def why(self, which: Pass) -> str:
        return self.render if which == "render" else self.finish


CHECK_OURS = Step(
    "check_ours",
    "pick the objects that carry the generator's mark, of a kind it writes, and check the shape of each",
    render="",
    finish="a stream holds anyone's objects: only ours change, and only in a shape the pass can read",
)
REFUSE_UNFOLLOWABLE = Step(
    "refuse_unfollowable",
    "refuse renamed workloads, added selector labels, replicas under an autoscaler, unreachable references",
    render="",
    finish="kustomize's transformers may have made changes the addresses and an existing install cannot follow",
)
FOLLOW_NAMESPACE = Step(
    "follow_namespace",
    "an instance moved to another namespace: its addresses of its own Services, and its mark, follow",
    render="",
    finish="kustomize's namespace: moves the objects but not the addresses written inside ConfigMaps",
)
CHECKSUM_CONFIG = Step(
    "checksum_config",
    "checksum/config on each pod template: what its pods read from our ConfigMaps and Secrets",
    render="pods roll when what they read changes",
    finish="a patch or an outer overlay may have changed what the pods read",
)
NAME_JOBS_AFTER_TEMPLATE = Step(
    "name_jobs_after_template",
    "a Job's name ends with a hash of its pod template (recorded beside it), renewed when the template changed",
    render="Jobs are immutable: a changed Job must be a new object",
    finish="`images:` or a patch may have changed a Job's pod template",
)
REFUSE_INVALID_NAMES = Step(
    "refuse_invalid_names",
    "refuse names the API server would reject, and two objects with one name",
    render="",
    finish="patches and renewed Job names are not checked by kustomize",
)
MARK_GENERATED = Step(
    "mark_generated",
    "zymtrace.io/generated-by: NAMESPACE/INSTANCE on every object",
    render="what the finishing pass and a KRM re-render recognise as ours",
    finish="",
)
ANNOTATE_FOR_GITOPS = Step(
    "annotate_for_gitops",
    "Argo CD sync waves, volume protection, Flux's force and substitution opt-out",
    render="they follow the config's gitops section",
    finish="",
)
LINK_STAGES = Step(
    "link_stages",
    "kpt's depends-on on each workload, naming the workloads of the stage before",
    render="kpt live applies the stages in order",
    finish="it names final namespaces and Job names",
)
SORT_FOR_APPLY = Step(
    "sort_for_apply",
    "order the objects by kind (what others depend on first), then name",
    render="the output is deterministic and applies in order",
    finish="",  # a transformer keeps the stream's order: kustomize and the user chose it
)

STEPS = (
    CHECK_OURS,
    REFUSE_UNFOLLOWABLE,
    FOLLOW_NAMESPACE,
    CHECKSUM_CONFIG,
    NAME_JOBS_AFTER_TEMPLATE,
    REFUSE_INVALID_NAMES,
    MARK_GENERATED,
    ANNOTATE_FOR_GITOPS,
    LINK_STAGES,
    SORT_FOR_APPLY,
)


def steps_of(which: Pass) -> tuple[Step, ...]:
    """The steps a pass runs, in order."""
    return tuple(step for step in STEPS if step.why(which))


def in_order(which: Pass, given: Mapping[Step, StepFunction]) -> list[StepFunction]:
    """The functions a pass gives for its steps, in the declared order (the pass calls them itself, so the
    walk goes from the pass to this table and back, never from here into a pass). A pass that gives
    other steps than it declares is a bug."""
    declared = steps_of(which)
    if set(given) != set(declared):
        raise AssertionError(
            f"the {which} pass gives steps {sorted(s.name for s in given)}, "
            f"passes.py declares {sorted(s.name for s in declared)}"
        )
    return [given[step] for step in declared]
