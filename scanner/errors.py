"""The error family. Every error carries the message a user sees; the CLI maps them to exit codes."""

from __future__ import annotations


class HascanError(Exception):
    """Base of every error hascan reports to a user (exit code 2)."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(self.render())

    def render(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class UsageError(HascanError):
    """The command line asks for something that cannot be done."""


class InputError(HascanError):
    """A snapshot (or other asset input) could not be read."""


class PolicyError(HascanError):
    """A policy file or one of its rules is invalid."""


class MappingError(HascanError):
    """The compliance mapping is invalid or does not agree with the rules."""


class CollectError(HascanError):
    """Assets could not be collected from a live API; the audit fails closed."""


class ConfigError(HascanError):
    """A configuration file is invalid."""


class PolicyTestError(HascanError):
    """A policy test file is invalid."""


class ParamsUnavailable(Exception):
    """Internal: a configuration selector could not be evaluated for one asset.

    Not a user-facing error: the engine turns it into an ``error`` result for that
    (rule, asset) pair, so the scan fails closed without stopping.
    """
