"""The `takeover` subcommand: read the objects through kubectl, plan the handover, write it (or show it)."""

from __future__ import annotations

import argparse

from ..console import STDOUT
from ..results import ConfigError, Result
from .takeover import TOOLS

DESCRIPTION = (
    "Hand the objects of a render that another field manager wrote (a Helm release: manager helm) over to "
    "the field manager of the tool that applies them from now on, so that its next apply leaves exactly "
    "what the render holds: fields, env vars and Secret keys only the old manager set are removed by that "
    "apply. Without --apply it shows, per object, what the next apply will remove, and checks the change "
    "with a server-side dry run; nothing is written. Reads and writes through kubectl (your kubeconfig and "
    "context). Run it again any time: what is handed over stays handed over."
)
EPILOG = """tools (--to) and the field manager each applies with:
  flux                  kustomize-controller, server-side apply
  argocd                argocd-controller, server-side apply (sync option ServerSideApply=true)
  argocd-client-side    argocd-controller, client-side apply (Argo CD's default)
  kubectl               kubectl apply --server-side
  kubectl-client-side   kubectl apply

example:
  kustomize-zymtrace takeover rendered.yaml --to flux            # what would change (dry run)
  kustomize-zymtrace takeover rendered.yaml --to flux --apply    # hand the objects over
exit codes: 0 done (or nothing to do), 1 invalid input, kubectl or cluster error"""


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    takeover = sub.add_parser(
        "takeover",
        help="hand objects another manager wrote (a Helm release) to the GitOps tool, so its next apply cleans up",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    takeover.add_argument(
        "rendered",
        metavar="RENDERED",
        help="the render: a YAML stream ('-' for stdin), a hydrated directory, a config",
    )
    takeover.add_argument("--to", choices=sorted(TOOLS), help="the tool that applies from now on (see below)")
    takeover.add_argument("--manager", help="its field manager, for a tool not listed (server-side apply)")
    takeover.add_argument("--client-side", action="store_true", help="with --manager: it applies client-side")
    takeover.add_argument(
        "--from",
        dest="previous",
        action="append",
        metavar="MANAGER",
        help="a field manager whose fields are handed over (repeatable; default: helm)",
    )
    takeover.add_argument("--apply", action="store_true", help="write the handover (default: dry run)")
    takeover.add_argument("--kubectl", default="kubectl", help="the kubectl to run (default: kubectl on PATH)")
    takeover.add_argument("--context", help="kubeconfig context (default: the current one)")
    takeover.add_argument("--kubeconfig", help="kubeconfig file (default: kubectl's)")
    takeover.set_defaults(handler=cmd_takeover)


def cmd_takeover(args: argparse.Namespace) -> int:
    from .kubectl import Kubectl
    from .run import report, run
    from .takeover import Target

    if bool(args.to) == bool(args.manager):
        raise ConfigError([Result("give the tool that applies from now on: --to TOOL, or --manager NAME")])
    if args.to and args.client_side:
        raise ConfigError([Result("--client-side goes with --manager; for --to choose the tool's client-side entry")])
    manager, client_side = TOOLS[args.to] if args.to else (args.manager, args.client_side)
    previous = set(args.previous or ["helm"])
    if manager in previous:
        raise ConfigError([Result(f"--from {manager} names the manager that takes over")])
    chosen = (("--context", args.context), ("--kubeconfig", args.kubeconfig))
    global_args = tuple(f"{flag}={value}" for flag, value in chosen if value)
    kubectl = Kubectl(args.kubectl, global_args)
    outcome = run(args.rendered, kubectl, Target(manager, client_side), previous, write=args.apply)
    STDOUT.write(report(outcome, write=args.apply))
    return 0
