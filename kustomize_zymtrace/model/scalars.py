"""Validators of the values that are not a single JSON type (quantities, env values, node ports, MCP
hosts). Plain functions without pydantic, so the compiled validator can call them without importing
the model classes."""

import re
from typing import Any

# The regular expression Kubernetes uses for resource.Quantity.
QUANTITY_PATTERN = (
    r"^[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
    r"(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_QUANTITY = re.compile(QUANTITY_PATTERN)
# A Cloud SQL instance connection name, PROJECT:REGION:INSTANCE (a domain-scoped project keeps its colon);
# checks/data.py reports a mismatch, the JSON Schema carries it for editors.
CLOUDSQL_INSTANCE = r"[a-z0-9][a-z0-9:.\-]*:[a-z0-9-]+:[a-z0-9][a-z0-9-]*"


# Field and variable names whose values are credentials: never echoed in a message, never taken as a
# number (whose text YAML readers disagree on), and with gitops.strictSecrets never written inline.
# Compared without case and without '_', '-' and '.', so DB_PASSWORD, api-key and clientSecret all match.
_SECRET_WORDS = ("password", "secret", "apikey", "token", "licensekey", "privatekey", "accesskey")
_SECRET_NAMES = ("key", "cert", "ca")


def is_secret_name(name: str) -> bool:
    plain = name.lower().replace("_", "").replace("-", "").replace(".", "")
    return plain in _SECRET_NAMES or any(word in plain for word in _SECRET_WORDS)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def env_value(value: Any) -> str:
    """Render a values-file scalar the way Helm's quote does (true, 1, 1.5)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("must be text or a finite number (quote .inf or .nan to mean the text)")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        if "\0" in value:
            # The process environment is a list of NUL-terminated strings: the value would end there.
            raise ValueError("must not contain a NUL character (an environment value ends at the first one)")
        return value
    raise ValueError("must be a string, number or boolean")


def env_map(value: Any) -> Any:
    """A variable whose name says it holds a credential takes text only: an unquoted 1e3 is the number
    1000 to YAML 1.2 readers (kustomize) and the text 1e3 to YAML 1.1 tools, so the password set would
    depend on the tool that last wrote the file."""
    if isinstance(value, dict):
        numbers = [str(name) for name, item in value.items() if is_number(item) and is_secret_name(str(name))]
        if numbers:
            raise ValueError(
                f"{', '.join(numbers)}: a credential must be text, not a number: quote it as it should read "
                "(YAML readers disagree on unquoted numbers: 1e3 is 1000 to kustomize)"
            )
    return value


def node_port(value: Any) -> int | str:
    if value is None or value == "":
        return ""  # the chart's default: let Kubernetes pick
    # An integer, as the JSON Schema says (a quoted "30080" is a string to editors and Kubernetes alike).
    if isinstance(value, int) and not isinstance(value, bool) and 30000 <= value <= 32767:
        return value
    raise ValueError("must be a node port between 30000 and 32767, or empty")


def mcp_hosts(value: Any) -> str | list[str]:
    if isinstance(value, str) and value.lower() in ("all", "ingress"):
        return value.lower()
    if isinstance(value, list) and all(isinstance(host, str) and host for host in value):
        return value
    raise ValueError('must be "all", "ingress" or a list of host names')


# ------------------------------------------------------------------ Kubernetes' own rules
# The rules below are the API server's (k8s.io/apimachinery/pkg/util/validation and the core, apps,
# networking and autoscaling validators), so a config we accept is one the cluster accepts.

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
# Patterns a default config never meets stay strings: re compiles (and caches) them on first use.
_DNS_SUBDOMAIN = rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$"
_IPV4 = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
_HOST_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?)*\.?"
_HOST = rf"({_IPV4}|{_HOST_NAME}|\[[0-9A-Fa-f:.]+\])"
_PORT = r"(:[0-9]{1,5})?"
HOST_PORT = rf"^{_HOST}{_PORT}$"
# scheme://[userinfo@]host[:port][/path][?query][#fragment], nothing a shell or a config file would split on.
URL = re.compile(rf"^https?://([^\s/?#@]+@)?{_HOST}{_PORT}([/?#][^\s\"'`<>\\{{}}|^]*)?$")
URL_MAX = 2048  # what browsers, proxies and HTTP servers take in practice
_SHORT_QUANTITY = "must be a Kubernetes quantity such as 500m, 2 or 1Gi"
_DECIMAL_SUFFIX = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIX = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}


def integer(value: Any) -> Any:
    """An integer field takes an integer: `replicas: true` is a mistake, not 1 (pydantic would read it so)."""
    if isinstance(value, bool):
        raise ValueError("must be an integer, not true/false")
    return value


def quantity(value: Any) -> str | int | float:
    """resource.Quantity's grammar; negative and non-finite values have no meaning for a size or a budget."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(_SHORT_QUANTITY)
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        raise ValueError(_SHORT_QUANTITY + " (not infinite or NaN)")
    if isinstance(value, str) and not _QUANTITY.fullmatch(value):
        raise ValueError(_SHORT_QUANTITY)
    if quantity_value(value) < 0:
        raise ValueError(_SHORT_QUANTITY + ", not negative")
    return value


def positive_quantity(value: Any) -> str | int | float:
    if quantity_value(quantity(value)) <= 0:
        raise ValueError("must be a size greater than zero, such as 20Gi")
    checked: str | int | float = value
    return checked


_QUANTITY_PARTS = re.compile(
    r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?[0-9]+))?"
)


def quantity_value(value: str | int | float) -> Any:
    """The number a valid quantity stands for (a Decimal), to compare requests with limits. The
    suffix grammar of resource.Quantity: binary (Ki..Ei), decimal (n..E) or a decimal exponent."""
    from decimal import Decimal

    parts = _QUANTITY_PARTS.fullmatch(str(value).strip())
    if parts is None:
        raise ValueError(_SHORT_QUANTITY)
    number, binary, decimal, exponent = parts.groups()
    amount = Decimal(number)
    if binary:
        return amount * (2 ** _BINARY_SUFFIX[binary])
    if decimal:
        return amount * (Decimal(10) ** _DECIMAL_SUFFIX[decimal])
    return amount * (Decimal(10) ** int(exponent or 0))


_STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_QUALIFIED = rf"^({_DNS_LABEL}(\.{_DNS_LABEL})*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{{0,61}}[A-Za-z0-9])?$"
_LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"


def check_resources(section: Any) -> Any:
    """Container resources as the API server checks them: known or domain-qualified names, and each
    request no larger than its limit."""
    for part in ("requests", "limits"):
        for name in getattr(section, part):
            standard = name in _STANDARD_RESOURCES or name.startswith("hugepages-")
            if not standard and not ("/" in name and re.fullmatch(_QUALIFIED, name)):
                raise ValueError(
                    f"{part}.{name}: not a resource name: cpu, memory, ephemeral-storage, hugepages-<size> "
                    "or a domain-qualified extended resource such as example.com/gpu"
                )
    for name, request in section.requests.items():
        limit = section.limits.get(name)
        if limit is not None and quantity_value(request) > quantity_value(limit):
            raise ValueError(f"requests.{name} ({request}) is more than limits.{name} ({limit})")
    return section


def check_toleration(toleration: Any) -> Any:
    """The API server's toleration rules (core/validation validateTolerations)."""
    operator = toleration.operator or "Equal"
    if not toleration.key and operator != "Exists":
        raise ValueError("a toleration without a key must use operator Exists (it matches every taint)")
    if toleration.key and not re.fullmatch(_QUALIFIED, toleration.key):
        raise ValueError(f"key {toleration.key!r} is not a valid taint key (a label key)")
    if operator == "Exists" and toleration.value:
        raise ValueError("value must be empty when operator is Exists")
    if operator == "Equal" and toleration.value and not re.fullmatch(_LABEL_VALUE, toleration.value):
        raise ValueError("value must be a label value: up to 63 letters, digits, '-', '_', '.'")
    if toleration.tolerationSeconds is not None and toleration.effect != "NoExecute":
        raise ValueError("tolerationSeconds is only allowed with effect NoExecute")
    return toleration


def check_selector_requirement(requirement: Any) -> Any:
    """In/NotIn need values, Exists/DoesNotExist take none, Gt/Lt take one integer (node selectors)."""
    values = requirement.values or []
    if requirement.operator in ("In", "NotIn") and not values:
        raise ValueError(f"values must be non-empty with operator {requirement.operator}")
    if requirement.operator in ("Exists", "DoesNotExist") and values:
        raise ValueError(f"values must be empty with operator {requirement.operator}")
    if requirement.operator in ("Gt", "Lt") and (len(values) != 1 or not re.fullmatch(r"^[0-9]+$", values[0])):
        raise ValueError(f"operator {requirement.operator} takes exactly one integer value")
    return requirement


def check_seccomp(profile: Any) -> Any:
    if profile.type == "Localhost" and not profile.localhostProfile:
        raise ValueError("localhostProfile is required with type Localhost")
    if profile.type != "Localhost" and profile.localhostProfile is not None:
        raise ValueError("localhostProfile is only allowed with type Localhost")
    return profile


def annotations_size(value: Any) -> Any:
    """The API server's limit on all annotations of an object together."""
    if sum(len(key) + len(item) for key, item in value.items()) > 256 * 1024:
        raise ValueError("annotations may hold at most 256 KiB together (keys and values)")
    return value


def config_map_size(value: Any) -> Any:
    """Values that land in one ConfigMap, which holds at most 1 MiB."""
    if sum(len(str(key)) + len(str(item).encode()) for key, item in value.items()) > 1024 * 1024 - 64 * 1024:
        raise ValueError("too large: these values share one ConfigMap, which holds at most 1 MiB")
    return value


def no_control_characters(value: Any) -> Any:
    """Passwords and user names: control characters are never typed on purpose, and break the files and
    command lines the value is written into."""
    if isinstance(value, str) and re.search(r"[\x00-\x1f\x7f]", value):
        raise ValueError("must not contain control characters (line breaks, tabs, escapes)")
    return value


def sub_path(value: Any) -> Any:
    if isinstance(value, str) and (value.startswith("/") or ".." in value.split("/")):
        raise ValueError("must be a relative path inside the volume: no leading '/' and no '..'")
    return value


def ingress_host(value: Any) -> Any:
    """networking/v1 host: a DNS subdomain, optionally with a leading '*.' wildcard, never an IP address."""
    if isinstance(value, str) and value:
        name = value.removeprefix("*.")
        if len(value) > 253 or not re.fullmatch(_DNS_SUBDOMAIN, name) or re.fullmatch(rf"^{_IPV4}$", name):
            raise ValueError("must be a DNS host name such as zymtrace.example.com (lowercase, optional '*.' prefix)")
    return value


def check_ingress_path(path: Any) -> Any:
    """networking/v1 HTTPIngressPath rules for path and pathType."""
    text = path.path
    if not text.startswith("/"):
        raise ValueError(f"path {text!r} must start with '/'")
    if path.pathType in ("Prefix", "Exact"):
        if "//" in text or re.search(r"/\.\.?(/|$)", text):
            raise ValueError(f"path {text!r} must not contain '//', '/./' or '/../'")
        if re.search(r"[\s;{}]", text):
            raise ValueError(f"path {text!r} must not contain spaces, ';', '{{' or '}}'")
    return path


def url(value: Any) -> Any:
    if isinstance(value, str) and value and (len(value) > URL_MAX or not URL.fullmatch(value)):
        raise ValueError(
            f"must be a URL with http:// or https://, a host, an optional port and path (no spaces or shell "
            f"characters, at most {URL_MAX} characters)"
        )
    return value


def host_port(value: Any) -> Any:
    if isinstance(value, str) and value:
        if len(value) > 253 + 6:
            raise ValueError("must be a host name (at most 253 characters) with an optional :port")
        port = value.rsplit(":", 1)[1] if re.search(r":[0-9]+$", value) else None
        if not re.fullmatch(HOST_PORT, value) or (port is not None and not 1 <= int(port) <= 65535):
            raise ValueError("must be a host name or IP address with an optional :port, e.g. db.example.com:5432")
    return value


def port_name(value: Any) -> Any:
    """IANA service name syntax, as the API server checks port names."""
    valid = len(value) <= 15 and re.fullmatch(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", value) and re.search("[a-z]", value)
    if not valid or "--" in value:
        raise ValueError("must be a port name: up to 15 lowercase letters, digits and '-', with a letter, no '--'")
    return value


def escalates(context: dict[str, Any]) -> bool:
    """A container securityContext (plain data) the API server refuses beside allowPrivilegeEscalation:
    false: privileged, or the CAP_SYS_ADMIN capability written that way (core/v1 validation)."""
    added = (context.get("capabilities") or {}).get("add") or []
    return context.get("privileged") is True or "CAP_SYS_ADMIN" in added


# WindowsSecurityContextOptions, as core/v1 validation checks them (lengths in bytes, as Go counts).
_NETBIOS_DOMAIN = r'^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$'
_DNS_DOMAIN = r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"


def gmsa_credential_spec(value: Any) -> Any:
    if isinstance(value, str) and not 0 < len(value.encode()) <= 64 * 1024:
        raise ValueError("must be a GMSA credential spec: not empty, at most 64 KiB")
    return value


def windows_user_name(value: Any) -> Any:
    """DOMAIN\\USER or USER: a NetBIOS or DNS domain under 256 bytes, a user of 1-104 bytes."""
    if not isinstance(value, str):
        return value
    problem = None
    parts = value.split("\\")
    if not value:
        problem = "must not be empty"
    elif re.search(r"[\x00-\x1f\x7f]", value):
        problem = "must not contain control characters"
    elif len(parts) > 2:
        problem = "may hold one backslash, between the domain and the user"
    else:
        domain, user = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
        if len(domain.encode()) >= 256 or (
            len(parts) == 2 and not (re.match(_NETBIOS_DOMAIN, domain) or re.match(_DNS_DOMAIN, domain))
        ):
            problem = "must have a NetBIOS or DNS domain (under 256 characters) before the backslash"
        elif not 0 < len(user.encode()) <= 104:
            problem = "must have a user of 1 to 104 characters"
        elif re.fullmatch(r"[. ]+", user) or re.search(r'["/\\:;|=,+*?<>@\[\]]', user):
            problem = 'must have a user that is not only periods or spaces and has none of "/\\:;|=,+*?<>@[]'
    if problem:
        raise ValueError(f"{problem} (a Windows user name, DOMAIN\\USER or USER)")
    return value


# ------------------------------------------------------------------ bucket names
# Every store the symbols bucket can live in shares this shape; each adds its own rules (checks/data.py).
BUCKET_SHAPE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")
_BUCKET_ENDS = "starting and ending with a letter or digit, no '..', not an IP address"
BUCKET_RULE = f"3 to 63 lowercase letters, digits, '.' and '-' (GCS also '_'), {_BUCKET_ENDS}"
S3_BUCKET_RULE = f"3 to 63 lowercase letters, digits, '.' and '-', {_BUCKET_ENDS}, no '.-' or '-.'"


def bucket_name(value: Any) -> Any:
    if isinstance(value, str) and value and (not BUCKET_SHAPE.fullmatch(value) or _bucket_common(value)):
        raise ValueError(f"must be a bucket name: {BUCKET_RULE}")
    return value


def _bucket_common(name: str) -> bool:
    # The address pattern is compiled only for names made of digits and dots (never the default's).
    return ".." in name or (name.replace(".", "").isdigit() and bool(re.fullmatch(rf"^{_IPV4}$", name)))


def s3_bucket_problem(name: str) -> str | None:
    """Amazon S3's general-purpose bucket naming rules (MinIO keeps them too), or None."""
    if len(name) > 63 or "_" in name or ".-" in name or "-." in name or _bucket_common(name):
        return f"not a valid S3 bucket name: {S3_BUCKET_RULE}"
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"not a valid S3 bucket name: it may not start with {prefix!r}"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"not a valid S3 bucket name: it may not end with {suffix!r}"
    return None


def gcs_bucket_problem(name: str) -> str | None:
    """Google Cloud Storage's bucket naming rules, or None."""
    parts = name.split(".")
    if (len(parts) == 1 and len(name) > 63) or any(not 0 < len(part) <= 63 for part in parts):
        return "not a valid GCS bucket name: at most 63 characters, or 222 with dots and at most 63 between them"
    if name.startswith("goog") or re.search("g[o0][o0]g[l1]e", name):
        return "not a valid GCS bucket name: it may not start with 'goog' or contain 'google' (or a look-alike)"
    return None


def cidr(value: Any) -> Any:
    """An IPv4 or IPv6 network in canonical form (10.0.0.0/8, fd00::/8), as a NetworkPolicy ipBlock takes it."""
    import ipaddress  # only for configs that name an ipBlock

    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("must be a CIDR network address, e.g. 10.0.0.0/8 or fd00::/8") from None
    if str(network) != value:
        raise ValueError(f"must be written {network}")
    return value


def check_peer(peer: Any) -> Any:
    """A NetworkPolicy peer: pod and/or namespace selectors, or an ipBlock alone (the API's rule)."""
    selectors = peer.podSelector is not None or peer.namespaceSelector is not None
    if peer.ipBlock is not None and selectors:
        raise ValueError("ipBlock cannot be combined with podSelector or namespaceSelector")
    if peer.ipBlock is None and not selectors:
        raise ValueError("give podSelector, namespaceSelector or ipBlock")
    return peer
