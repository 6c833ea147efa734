"""Kubernetes API objects the config passes through to the cluster (affinity, security contexts, HPA
behavior, and the pod fields that place pods), typed after the Kubernetes API so a typo or an out-of-range
value fails here, with the field path, and not at the API server. Field names and rules are the API's
(core/v1, autoscaling/v2)."""

from typing import Annotated, Literal

from .base import (
    DNS_SUBDOMAIN,
    After,
    Before,
    Bool,
    LabelKey,
    Labels,
    LabelValue,
    Quantity,
    Rule,
    Strict,
    Toleration,
    doc,
    doc_factory,
)
from .scalars import (
    INT32_MAX,
    check_peer,
    check_seccomp,
    check_selector_requirement,
    cidr,
    gmsa_credential_spec,
    integer,
    windows_user_name,
)

# The API server's bounds on user and group ids.
Id = Annotated[int, Rule(ge=0, le=INT32_MAX), Before(integer)]
Count = Annotated[int, Rule(ge=1, le=INT32_MAX), Before(integer)]
Period = Annotated[int, Rule(ge=1, le=1800), Before(integer)]
Window = Annotated[int, Rule(ge=0, le=3600), Before(integer)]
SYSCTL = r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"
Weight = Annotated[int, Rule(ge=1, le=100), Before(integer)]
DnsLabel = Annotated[str, Rule(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)]


# ------------------------------------------------------------------ affinity (core/v1)


class LabelSelectorRequirement(Strict):
    key: LabelKey = doc(..., "Label key the selector applies to.")
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"] = doc(..., "In, NotIn, Exists or DoesNotExist.")
    values: list[LabelValue] | None = doc(None, "Values for In and NotIn.")

    def __post_init__(self) -> None:
        check_selector_requirement(self)


class LabelSelector(Strict):
    matchLabels: Labels | None = doc(None, "Labels the pods must carry.")
    matchExpressions: list[LabelSelectorRequirement] | None = doc(None, "Label requirements.")


# ------------------------------------------------------------------ NetworkPolicy peers (networking/v1)

Cidr = Annotated[str, After(cidr)]


class IPBlock(Strict):
    cidr: Cidr = doc(..., "A network, e.g. 10.0.0.0/8.")


class NetworkPolicyPeer(Strict):
    """networking/v1 NetworkPolicyPeer."""

    podSelector: LabelSelector | None = doc(None, "Pods (in the namespaces namespaceSelector picks, else this one).")
    namespaceSelector: LabelSelector | None = doc(None, "Namespaces ({} is every namespace).")
    ipBlock: IPBlock | None = doc(None, "Addresses outside the cluster (alone).")

    def __post_init__(self) -> None:
        check_peer(self)


class NodeSelectorRequirement(Strict):
    key: LabelKey = doc(..., "Node label key.")
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] = doc(..., "Operator.")
    values: list[LabelValue] | None = doc(None, "Label values (one non-negative integer for Gt and Lt).")

    def __post_init__(self) -> None:
        check_selector_requirement(self)


class NodeFieldRequirement(NodeSelectorRequirement):
    key: Literal["metadata.name"] = doc(..., "The node field (metadata.name).")
    operator: Literal["In", "NotIn"] = doc(..., "In or NotIn.")
    values: list[str] | None = doc(None, "Node names.")


class NodeSelectorTerm(Strict):
    matchExpressions: list[NodeSelectorRequirement] | None = doc(None, "Requirements on node labels.")
    matchFields: list[NodeFieldRequirement] | None = doc(None, "Requirements on node fields.")


class NodeSelector(Strict):
    nodeSelectorTerms: list[NodeSelectorTerm] = doc(..., "Terms, any of which must match.", min_length=1)


class PreferredSchedulingTerm(Strict):
    weight: Weight = doc(..., "Weight 1-100.")
    preference: NodeSelectorTerm = doc(..., "The node selector term.")


class NodeAffinity(Strict):
    requiredDuringSchedulingIgnoredDuringExecution: NodeSelector | None = doc(None, "Hard node requirements.")
    preferredDuringSchedulingIgnoredDuringExecution: list[PreferredSchedulingTerm] | None = doc(
        None, "Soft node preferences."
    )


class PodAffinityTerm(Strict):
    labelSelector: LabelSelector | None = doc(None, "Pods this term selects.")
    namespaceSelector: LabelSelector | None = doc(None, "Namespaces this term looks in.")
    namespaces: list[DnsLabel] | None = doc(None, "Namespaces this term looks in.")
    topologyKey: LabelKey = doc(..., "Node label that defines the topology domain.")
    matchLabelKeys: list[LabelKey] | None = doc(None, "Pod label keys merged into the selector.")
    mismatchLabelKeys: list[LabelKey] | None = doc(None, "Pod label keys negated into the selector.")


class WeightedPodAffinityTerm(Strict):
    weight: Weight = doc(..., "Weight 1-100.")
    podAffinityTerm: PodAffinityTerm = doc(..., "The pod affinity term.")


class PodAffinity(Strict):
    requiredDuringSchedulingIgnoredDuringExecution: list[PodAffinityTerm] | None = doc(None, "Hard terms.")
    preferredDuringSchedulingIgnoredDuringExecution: list[WeightedPodAffinityTerm] | None = doc(None, "Soft terms.")


class Affinity(Strict):
    """core/v1 Affinity."""

    nodeAffinity: NodeAffinity | None = doc(None, "Node affinity.")
    podAffinity: PodAffinity | None = doc(None, "Pod affinity.")
    podAntiAffinity: PodAffinity | None = doc(None, "Pod anti-affinity.")


# ------------------------------------------------------------------ scheduling (a pod spec's fields)


class Scheduling(Strict):
    """nodeSelector / tolerations / affinity of one group of pods."""

    nodeSelector: Labels = doc_factory(dict, "Node labels the pods must match.")
    tolerations: list[Toleration] = doc_factory(list, "Taints the pods tolerate.")
    affinity: Affinity = doc_factory(Affinity, "Pod affinity / anti-affinity / node affinity (core/v1 Affinity).")


# ------------------------------------------------------------------ security contexts (core/v1)


class SeccompProfile(Strict):
    type: Literal["RuntimeDefault", "Unconfined", "Localhost"] = doc(..., "RuntimeDefault, Unconfined or Localhost.")
    localhostProfile: str | None = doc(None, "Profile file (type Localhost only).")

    def __post_init__(self) -> None:
        check_seccomp(self)


class AppArmorProfile(SeccompProfile):
    pass


class SELinuxOptions(Strict):
    user: str | None = doc(None, "SELinux user.")
    role: str | None = doc(None, "SELinux role.")
    type: str | None = doc(None, "SELinux type.")
    level: str | None = doc(None, "SELinux level.")


class WindowsOptions(Strict):
    gmsaCredentialSpecName: Annotated[str, Rule(pattern=rf"^{DNS_SUBDOMAIN}$", max_length=253)] | None = doc(
        None, "Name of the GMSACredentialSpec object to use."
    )
    gmsaCredentialSpec: Annotated[str, After(gmsa_credential_spec)] | None = doc(
        None, "GMSA credential spec (at most 64 KiB)."
    )
    runAsUserName: Annotated[str, After(windows_user_name)] | None = doc(
        None, "Windows user name, DOMAIN\\USER or USER."
    )
    # true needs hostNetwork, which no pod here uses (and the images are Linux images): refused.
    hostProcess: Literal[False] | None = doc(None, "Run as a Windows host process (only false is accepted).")


class Capabilities(Strict):
    add: list[str] | None = doc(None, "Capabilities added.")
    drop: list[str] | None = doc(None, "Capabilities dropped.")


class Sysctl(Strict):
    name: str = doc(..., "Sysctl name.", pattern=SYSCTL)
    value: str = doc(..., "Sysctl value.")


class PodSecurityContext(Strict):
    """core/v1 PodSecurityContext."""

    runAsUser: Id | None = doc(None, "User id of every container's process.")
    runAsGroup: Id | None = doc(None, "Group id of every container's process.")
    runAsNonRoot: Bool | None = doc(None, "Refuse to start a container that would run as root.")
    fsGroup: Id | None = doc(None, "Group that owns mounted volumes.")
    fsGroupChangePolicy: Literal["OnRootMismatch", "Always"] | None = doc(None, "When volume ownership changes.")
    supplementalGroups: list[Id] | None = doc(None, "Extra group ids.")
    supplementalGroupsPolicy: Literal["Merge", "Strict"] | None = doc(None, "Merge or Strict.")
    sysctls: list[Sysctl] | None = doc(None, "Namespaced sysctls.")
    seccompProfile: SeccompProfile | None = doc(None, "Seccomp profile.")
    appArmorProfile: AppArmorProfile | None = doc(None, "AppArmor profile.")
    seLinuxOptions: SELinuxOptions | None = doc(None, "SELinux context.")
    # MountOption needs the SELinuxMount feature gate, off by default: the API server then refuses it.
    seLinuxChangePolicy: Literal["Recursive"] | None = doc(
        None, "SELinux relabelling policy (MountOption needs the SELinuxMount feature gate: not accepted)."
    )
    windowsOptions: WindowsOptions | None = doc(None, "Windows options.")


class SecurityContext(Strict):
    """core/v1 SecurityContext (of a container)."""

    runAsUser: Id | None = doc(None, "User id of the process.")
    runAsGroup: Id | None = doc(None, "Group id of the process.")
    runAsNonRoot: Bool | None = doc(None, "Refuse to start as root.")
    allowPrivilegeEscalation: Bool | None = doc(None, "Allow setuid binaries to gain privileges.")
    privileged: Bool | None = doc(None, "Run privileged.")
    readOnlyRootFilesystem: Bool | None = doc(None, "Mount the root filesystem read-only.")
    capabilities: Capabilities | None = doc(None, "Capabilities added and dropped.")
    # Unmasked needs the pod's hostUsers: false (a user namespace), which no pod here sets.
    procMount: Literal["Default"] | None = doc(None, "proc mount type (Unmasked needs user namespaces: not accepted).")
    seccompProfile: SeccompProfile | None = doc(None, "Seccomp profile.")
    appArmorProfile: AppArmorProfile | None = doc(None, "AppArmor profile.")
    seLinuxOptions: SELinuxOptions | None = doc(None, "SELinux context.")
    windowsOptions: WindowsOptions | None = doc(None, "Windows options.")


# ------------------------------------------------------------------ HPA behavior (autoscaling/v2)


class HpaScalingPolicy(Strict):
    type: Literal["Pods", "Percent"] = doc(..., "Pods or Percent.")
    value: Count = doc(..., "Pods or percent per period (> 0).")
    periodSeconds: Period = doc(..., "Period of the policy, 1-1800 seconds.")


class HpaScalingRules(Strict):
    stabilizationWindowSeconds: Window | None = doc(None, "Seconds of past recommendations considered, 0-3600.")
    selectPolicy: Literal["Max", "Min", "Disabled"] | None = doc(None, "Max, Min or Disabled.")
    policies: list[HpaScalingPolicy] | None = doc(None, "Scaling policies.")
    tolerance: Quantity | None = doc(None, "Tolerance on the metric ratio (Kubernetes 1.33+).")


class HpaBehavior(Strict):
    """autoscaling/v2 HorizontalPodAutoscalerBehavior."""

    scaleUp: HpaScalingRules | None = doc(None, "Scale-up rules.")
    scaleDown: HpaScalingRules | None = doc(None, "Scale-down rules.")
