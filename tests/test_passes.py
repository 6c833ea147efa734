"""The render pass and the finishing pass run the steps passes.py declares, in its order, and share the
functions of the steps both run."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import find_prefix, render

from kustomize_zymtrace import passes
from kustomize_zymtrace.derived import TEMPLATE_HASH, NameLostHash, digest, name_after_template
from kustomize_zymtrace.finish import STEPS as FINISH_STEPS
from kustomize_zymtrace.finish import finish
from kustomize_zymtrace.render.render_pass import STEPS as RENDER_STEPS


def test_each_pass_gives_exactly_the_steps_it_declares() -> None:
    assert list(RENDER_STEPS) == list(passes.steps_of("render"))
    assert list(FINISH_STEPS) == list(passes.steps_of("finish"))
    assert [s.name for s in passes.STEPS if s.render and s.finish] == [
        "checksum_config",
        "name_jobs_after_template",
        "link_stages",
    ]
    assert sorted(RENDER_STEPS.keys() | FINISH_STEPS.keys()) == sorted(passes.STEPS)  # no step runs nowhere
    assert len({s.name for s in passes.STEPS}) == len(passes.STEPS)


def test_the_steps_come_in_the_declared_order() -> None:
    given = {step: step.name for step in reversed(passes.steps_of("finish"))}
    assert passes.in_order("finish", given) == [step.name for step in passes.STEPS if step.finish]


def test_a_pass_without_one_of_its_steps_does_not_run() -> None:
    given = dict(FINISH_STEPS)
    del given[passes.LINK_STAGES]
    with pytest.raises(AssertionError, match="link_stages"):
        passes.in_order("finish", given)


def job(name: str = "zymtrace-migrate") -> dict[str, Any]:
    return {
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": [{"name": "migrate", "image": "migrate:1"}]}}},
    }


def test_a_fresh_job_is_named_after_its_template() -> None:
    fresh = job("x" * 70)
    assert name_after_template(fresh) is None
    suffix = digest(fresh["spec"]["template"])[:8]
    assert fresh["metadata"]["name"] == f"{'x' * 54}-{suffix}"
    assert fresh["metadata"]["annotations"] == {TEMPLATE_HASH: suffix}


def test_a_named_job_is_renamed_only_when_its_template_changed() -> None:
    named = job()
    name_after_template(named)
    unchanged = copy.deepcopy(named)
    assert name_after_template(unchanged) is None
    assert unchanged == named
    named["spec"]["template"]["spec"]["containers"][0]["image"] = "migrate:2"
    before = named["metadata"]["name"]
    assert name_after_template(named) == before
    suffix = digest(named["spec"]["template"])[:8]
    assert named["metadata"]["name"] == f"zymtrace-migrate-{suffix}" != before
    assert named["metadata"]["annotations"][TEMPLATE_HASH] == suffix


def test_a_job_renamed_by_hand_cannot_be_renewed() -> None:
    named = job()
    name_after_template(named)
    recorded = named["metadata"]["annotations"][TEMPLATE_HASH]
    named["metadata"]["name"] = "my-migrate"
    named["spec"]["template"]["spec"]["containers"][0]["image"] = "migrate:2"
    with pytest.raises(NameLostHash, match=recorded):
        name_after_template(named)


def test_the_finishing_pass_renews_what_the_render_pass_named() -> None:
    objects = render()
    migrate = find_prefix(objects, "Job", "zymtrace-migrate")
    migrate["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/migrate:2"
    old = migrate["metadata"]["name"]
    finished, notes = finish(objects)
    renewed = find_prefix(finished, "Job", "zymtrace-migrate")
    assert renewed["metadata"]["name"] == f"zymtrace-migrate-{digest(renewed['spec']['template'])[:8]}" != old
    assert [n.message for n in notes] == [
        f"Job {old} changed after it was generated: renamed {renewed['metadata']['name']}"
    ]
