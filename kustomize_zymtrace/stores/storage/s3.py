"""storage.use_existing.type s3: Amazon S3, by keys or by the pod's IAM role (IRSA)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results import error
from ..base import SecretEntries, Served, Written
from .base import SESSION_TOKEN, Outside, bucket_env, bucket_secret, endpoint_problem, optional_keys, outside_node

if TYPE_CHECKING:
    from ...components import Component
    from ...model.credential import Credential
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.storage.use_existing.s3"


class S3(Outside):
    kind = "s3"

    def endpoint(self, s: Settings) -> str:
        s3 = s.spec.storage.use_existing.s3
        # s3.endpoint is a custom endpoint; the chart only validated it.
        return s3.endpoint or f"https://s3.dualstack.{s3.region}.amazonaws.com"

    def config_env(self, s: Settings) -> dict[str, str]:
        s3 = s.spec.storage.use_existing.s3
        data = bucket_env(s, self.endpoint(s))
        data["SYMDB__SYMBOL_BUCKET__AWS_REGION"] = s3.region
        if s3.useIAM:
            data["SYMDB__SYMBOL_BUCKET__USE_IAM"] = s3.useIAM
        return data

    def service_account(self, s: Settings, workload: Component) -> str:
        return s.spec.storage.use_existing.s3.serviceAccount

    def check_args(self, s: Settings) -> list[str]:
        s3 = s.spec.storage.use_existing.s3
        args = ['--use-iam "${SYMDB__SYMBOL_BUCKET__USE_IAM}"'] if s3.useIAM else []
        args.append('--aws-region "${SYMDB__SYMBOL_BUCKET__AWS_REGION}"')
        return args + (super().check_args(s) if s3.endpoint else [])

    def served(self, s: Settings) -> Served:
        return outside_node(s, "Amazon S3", self.endpoint(s))

    def checks(self, s: Settings) -> list[Result]:
        s3 = s.spec.storage.use_existing.s3
        # The endpoint is optional (the chart's bucket-check checks it when given, inventory 6.3).
        out = endpoint_problem(WHERE, s3.endpoint) if s3.endpoint else []
        if not s3.region:
            out.append(error(f"{WHERE}.region", "required for S3"))
        if s3.useIAM:
            return out
        # The seed's own S3 example leaves both keys empty: allowed, but said out loud.
        return out + optional_keys(WHERE, self.keys(s))

    def keys(self, s: Settings) -> tuple[Credential, Credential]:
        s3 = s.spec.storage.use_existing.s3
        return s3.access_key_credential, s3.secret_key_credential

    def secret(self, s: Settings) -> SecretEntries:
        s3 = s.spec.storage.use_existing.s3
        if s3.useIAM:
            return SecretEntries()  # the pod's IAM role signs the requests: no keys at all
        return bucket_secret(self.keys(s), Written((SESSION_TOKEN,), s3.session_token_credential))


MODE = S3()
