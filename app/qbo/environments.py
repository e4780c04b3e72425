"""Where each QuickBooks environment lives: its OAuth discovery document and API host."""

from __future__ import annotations

from dataclasses import dataclass

from app.hints import Action, Hint, Hinted

ENVIRONMENT_NAMES = ("production", "intuit-sandbox", "local")
SANDBOX_PROVIDER = "the SyncDesk sandbox"


class EnvironmentUnknown(Hinted, ValueError):
    """An environment SyncDesk cannot reach as given (its message may carry hints)."""


def provider(name: str) -> str:
    """Who answers sign-ins in environment ``name``, as messages name it."""
    return SANDBOX_PROVIDER if name == "local" else "Intuit"


@dataclass(frozen=True)
class Environment:
    name: str
    discovery_url: str
    api_base: str  # the client adds /v3/company/{realm}/…

    @property
    def provider(self) -> str:
        return provider(self.name)

    @property
    def keeps_secrets_in_keychain(self) -> bool:
        """Intuit's tokens are secrets; a local SyncDesk sandbox's are not."""
        return self.name != "local"


def environment(name: str, base_url: str | None = None) -> Environment:
    """The environment called ``name``; ``base_url`` points it at another server.

    The environment, not the URL, decides where its tokens are kept.
    """
    if name == "production":
        discovery = "https://developer.api.intuit.com/.well-known/openid_configuration"
        api = "https://quickbooks.api.intuit.com"
    elif name == "intuit-sandbox":
        discovery = "https://developer.api.intuit.com/.well-known/openid_sandbox_configuration"
        api = "https://sandbox-quickbooks.api.intuit.com"
    elif name == "local":
        if not base_url:
            raise EnvironmentUnknown(
                "the local environment needs {0} (the URL `{1}` printed)",
                Hint.of(Action.SANDBOX_ADDRESS), Hint.of(Action.START_SANDBOX,
                                                         words="the SyncDesk sandbox"))
        discovery, api = "", ""
    else:
        raise EnvironmentUnknown(f"unknown environment {name!r}; use one of "
                         + ", ".join(ENVIRONMENT_NAMES))
    if base_url:
        base = base_url.rstrip("/")
        discovery, api = f"{base}/.well-known/openid_configuration", base
    return Environment(name, discovery, api)
