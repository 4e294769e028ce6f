"""The routing-script language: model, loader, checker and the pure interpreter.

Imports nothing of the project. Loading reads script, schema and calendar
files; the interpreter does no I/O at all, so it runs the same in the live
service, in ``scripts simulate``, in the editor preview and in impact replays.
The SQL version store lives apart, in ``ivr_scripts.store`` (it needs
SQLModel), so importing this package never pulls in a database driver.

Usage::

    from ivr_scripts import CallContext, shipped_script, start, step
    from ivr_scripts.events import PlaybackFinished

    script = shipped_script("london")
    state, commands = start(script, context=CallContext(call_id="c1"))
    state, commands = step(script, state, PlaybackFinished(state.playing))
"""

from ivr_scripts import commands, events
from ivr_scripts.catalogue import Catalogue, load_catalogue, parse_catalogue, shipped_catalogue
from ivr_scripts.checker import check
from ivr_scripts.context import CallContext
from ivr_scripts.errors import (
    CatalogueError,
    IvrScriptsError,
    NoSuchScript,
    NoSuchVersion,
    NothingToRollBack,
    PublishRefused,
    ScriptError,
    StoreError,
)
from ivr_scripts.interpreter import MAX_EVENTS, State, start, step
from ivr_scripts.loader import (
    SCHEMA_PATH,
    SCRIPTS_DIR,
    Loaded,
    load_script,
    load_text,
    parse_script,
    schema,
    shipped_script,
)
from ivr_scripts.model import Script
from ivr_scripts.problems import Problem

__all__ = [
    "MAX_EVENTS",
    "SCHEMA_PATH",
    "SCRIPTS_DIR",
    "CallContext",
    "Catalogue",
    "CatalogueError",
    "IvrScriptsError",
    "Loaded",
    "NoSuchScript",
    "NoSuchVersion",
    "NothingToRollBack",
    "Problem",
    "PublishRefused",
    "Script",
    "ScriptError",
    "State",
    "StoreError",
    "check",
    "commands",
    "events",
    "load_catalogue",
    "load_script",
    "load_text",
    "parse_catalogue",
    "parse_script",
    "schema",
    "shipped_catalogue",
    "shipped_script",
    "start",
    "step",
]
