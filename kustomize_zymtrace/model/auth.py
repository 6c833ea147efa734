"""spec.auth and spec.aiAssistant."""

from typing import Literal

from .base import Bool, ConfigKey, NonNegative, ObjectName, Positive, SecretText, Strict, Url, doc, doc_factory
from .credential import CredentialOf

AuthType = Literal["none", "basic", "local", "oidc"]


class AuthInfo(Strict):
    displayName: str | None = doc(None, "Text of the login button (branding).")
    pictureUri: str | None = doc(None, "Logo on the login page (used only with displayName).")


class ServiceToken(Strict):
    enabled: Bool = doc(False, "Require service tokens on ingest and symdb (auth.type local or oidc).")


class BasicAuth(Strict):
    enabled: Bool | None = doc(None, "Deprecated: true forces auth.type basic. Use auth.type instead.")
    username: str = doc("", "HTTP basic-auth user (required for auth.type basic).")
    password: SecretText = doc("", "HTTP basic-auth password (required for auth.type basic).")
    passwordSecretName: ObjectName = doc("", "Extension: existing Secret holding the basic-auth password.")
    passwordSecretKey: ConfigKey = doc("basic-password", "Extension: key inside passwordSecretName.")
    password_credential = CredentialOf("password")


class Admin(Strict):
    email: str = doc("admin@zymtrace.com", "E-mail of the admin user the identity service creates.")
    password: SecretText = doc("admin", "Admin password (auth.type local/oidc).")
    passwordSecretName: ObjectName = doc("", "Existing Secret holding the admin password; wins over password.")
    passwordSecretKey: ConfigKey = doc("admin-password", "Key inside passwordSecretName.")
    password_credential = CredentialOf("password")
    roles: list[str] = doc_factory(lambda: ["System Admin"], "Roles of the admin user.")


class Cookie(Strict):
    refreshMaxAgeSec: NonNegative = doc(31536000, "Max age of the refresh cookie.")
    refreshPath: str = doc("/", "Path of the refresh cookie.")
    loginMaxAgeSec: NonNegative = doc(60, "Max age of the login cookie.")
    loginPath: str = doc("/", "Path of the login cookie.")
    sameSite: Literal["lax", "strict", "none"] = doc("lax", "SameSite attribute of the cookies.")
    secure: Bool = doc(True, "Secure attribute of the cookies.")
    httpOnly: Bool = doc(True, "HttpOnly attribute of the cookies.")
    cookieTtlSec: NonNegative = doc(60, "Lifetime of the OIDC state cookie.")


class SigningKeys(Strict):
    privateKey: str | None = doc(None, "PEM private key that signs zymtrace tokens.")
    privateKeySecretName: ObjectName = doc("", "Existing Secret holding the private key; wins over privateKey.")
    privateKeySecretKey: ConfigKey = doc("private-key", "Key inside privateKeySecretName.")
    private_key_credential = CredentialOf("privateKey")
    publicKey: str | None = doc(None, "PEM public key that validates zymtrace tokens.")
    publicKeySecretName: ObjectName = doc("", "Existing Secret holding the public key; wins over publicKey.")
    publicKeySecretKey: ConfigKey = doc("public-key", "Key inside publicKeySecretName.")
    public_key_credential = CredentialOf("publicKey")


class Validation(Strict):
    issuers: list[str] | None = doc(None, "Accepted token issuers; default: derived from the gateway host.")
    audiences: list[str] | None = doc(None, "Accepted token audiences; zymtrace is always added.")
    keys: SigningKeys = doc_factory(SigningKeys, "Token signing keys.")


class OidcProvider(Strict):
    clientId: str = doc("", "OAuth client id.")
    clientSecret: SecretText = doc("", "OAuth client secret.")
    clientSecretSecretName: ObjectName = doc("", "Existing Secret holding the client secret; wins.")
    clientSecretSecretKey: ConfigKey = doc("oidc-client-secret", "Key inside clientSecretSecretName.")
    client_secret_credential = CredentialOf("clientSecret")
    issuerUri: Url = doc("https://accounts.google.com", "OIDC issuer URL (required for oidc).")
    redirectUri: Url = doc(
        "", "OAuth redirect URL; default <http|https>://<ingress gateway host>/api/v1/oauth2/callback."
    )
    scopes: list[str] = doc_factory(lambda: ["openid", "email", "profile"], "Requested scopes.")
    extraParams: list[str] = doc_factory(
        lambda: ["prompt=consent", "access_type=offline"], "Extra authorization request parameters."
    )


class Oidc(Strict):
    provider: OidcProvider = doc_factory(OidcProvider, "The OIDC provider.")


class Auth(Strict):
    type: AuthType = doc("none", "Authentication: none, basic, local or oidc.")
    info: AuthInfo = doc_factory(AuthInfo, "Login page branding.")
    serviceToken: ServiceToken = doc_factory(ServiceToken, "Service tokens for ingest and symdb.")
    basic: BasicAuth = doc_factory(BasicAuth, "HTTP basic authentication at the gateway.")
    admin: Admin = doc_factory(Admin, "The admin user.")
    cookie: Cookie = doc_factory(Cookie, "Cookie settings of the web service (local/oidc).")
    validation: Validation = doc_factory(Validation, "Token validation (local/oidc).")
    oidc: Oidc = doc_factory(Oidc, "OpenID Connect.")


class AnthropicKey(Strict):
    apiKey: str = doc("", "Anthropic API key.")
    apiKeySecretName: ObjectName = doc("", "Existing Secret holding the API key; wins over apiKey.")
    apiKeySecretKey: ConfigKey = doc("anthropic-api-key", "Key inside apiKeySecretName.")
    api_key_credential = CredentialOf("apiKey")


class GeminiKey(AnthropicKey):
    apiKey: str = doc("", "Google Gemini API key.")
    apiKeySecretKey: ConfigKey = doc("gemini-api-key", "Key inside apiKeySecretName.")


class OpenAIKey(AnthropicKey):
    apiKey: str = doc("", "OpenAI API key.")
    apiKeySecretKey: ConfigKey = doc("openai-api-key", "Key inside apiKeySecretName.")


class CustomLLM(Strict):
    url: Url = doc("", "OpenAI-compatible chat completions endpoint.")
    apiKey: str = doc("", "API key of the custom endpoint.")
    apiKeySecretName: ObjectName = doc("", "Existing Secret holding the API key; wins over apiKey.")
    apiKeySecretKey: ConfigKey = doc("custom-llm-api-key", "Key inside apiKeySecretName.")
    api_key_credential = CredentialOf("apiKey")
    models: str = doc("", "Comma-separated model list.")


class McpServer(Strict):
    name: str = doc(..., "Name of the MCP server.", min_length=1)
    endpoint: Url = doc(..., "URL of the MCP server.", min_length=1)
    # null by default: the servers' JSON (credentials.py) holds only the keys given, as the chart's toJson
    authToken: str | None = doc(None, "Bearer token for the server (moves the list into a Secret).")


class AiAssistant(Strict):
    enabled: Bool = doc(False, "Enable the AI assistant of the web service.")
    anthropic: AnthropicKey = doc_factory(AnthropicKey, "Anthropic Claude.")
    gemini: GeminiKey = doc_factory(GeminiKey, "Google Gemini.")
    openai: OpenAIKey = doc_factory(OpenAIKey, "OpenAI.")
    customLLM: CustomLLM = doc_factory(CustomLLM, "A self-hosted or third-party OpenAI-compatible LLM.")
    requestSizeLimit: Positive = doc(20971520, "Maximum assistant request size in bytes.")
    defaultProvider: str = doc("", "Accepted for compatibility; the chart never renders it.")
    defaultModel: str = doc("", "Accepted for compatibility; the chart never renders it.")
    sessionClearFreq: Positive = doc(3600, "Seconds between clean-ups of unused assistant sessions.")
    mcpServers: list[McpServer] | None = doc(None, "MCP servers the assistant may call.")
