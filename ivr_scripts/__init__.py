"""The routing-script language: model, loader and the pure interpreter.

Imports nothing of the project and does no I/O beyond reading script files, so
it runs the same in the live service, in dry runs and in tests.
"""

from ivr_scripts import commands, events
from ivr_scripts.interpreter import State, start, step
from ivr_scripts.loader import Problem, ScriptError, load_script, parse_script, shipped_script
from ivr_scripts.model import Script

__all__ = [
    "Problem",
    "Script",
    "ScriptError",
    "State",
    "commands",
    "events",
    "load_script",
    "parse_script",
    "shipped_script",
    "start",
    "step",
]
