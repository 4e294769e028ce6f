"""Errors of the routing-script package.

* IvrScriptsError
  + ScriptError          the text is not a usable script; ``problems`` says where and why
  + CatalogueError       a catalogue of known destinations/prompts/flags is unreadable
  + StoreError           the version store refused an operation
    - NoSuchScript       no version of that script name was ever saved
    - NoSuchVersion      that version number does not exist for the script
    - PublishRefused     the version fails the checker; ``problems`` lists the errors
    - NothingToRollBack  no earlier published version to go back to

Messages carry script names and version numbers, never caller data.
"""

from __future__ import annotations

from ivr_scripts.problems import Problem


class IvrScriptsError(Exception):
    """Base of every error raised on purpose by ``ivr_scripts``."""


class ScriptError(IvrScriptsError):
    """A script failed to load; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class StoreError(IvrScriptsError):
    """The version store refused an operation (a user error: one line explains it)."""


class NoSuchScript(StoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no script named '{name}' has been saved")
        self.name = name


class NoSuchVersion(StoreError):
    def __init__(self, name: str, version: int) -> None:
        super().__init__(f"script '{name}' has no version {version}")
        self.name = name
        self.version = version


class PublishRefused(StoreError):
    def __init__(self, name: str, version: int, problems: list[Problem]) -> None:
        count = sum(1 for p in problems if p.is_error)
        super().__init__(
            f"version {version} of '{name}' fails the checker ({count} error"
            f"{'' if count == 1 else 's'}); it stays a draft and is not published"
        )
        self.name = name
        self.version = version
        self.problems = problems


class NothingToRollBack(StoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"script '{name}' has no earlier published version to roll back to")
        self.name = name


class CatalogueError(IvrScriptsError):
    """A catalogue file (known destinations, prompts, flags...) could not be read."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
