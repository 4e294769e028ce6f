"""Recording: ``POST /channels/{id}/record`` and ``/recordings`` (``resource_recordings.c``)."""

from __future__ import annotations

from aiohttp import web

from sip_lab.ari.errors import AriError
from sip_lab.ari.events import recording_json
from sip_lab.ari.media import RECORDING_FORMATS
from sip_lab.ari.resources.common import Call, created, no_content, ok, operation
from sip_lab.ari.state import Recording

TERMINATE_ON = frozenset({"none", "any", "*", "#"})
IF_EXISTS = frozenset({"fail", "overwrite", "append"})


@operation("channels.record")
def record(call: Call) -> web.Response:
    """Queue a recording of the channel: 201 ``queued``; RecordingStarted in its turn."""
    p = call.params
    max_duration = p.integer("maxDurationSeconds")
    max_silence = p.integer("maxSilenceSeconds")
    if max_duration < 0:
        raise AriError.message(400, "max_duration_seconds cannot be negative")
    if max_silence < 0:
        raise AriError.message(400, "max_silence_seconds cannot be negative")
    ch = call.control()
    name = p.text("name") or ""
    fmt = p.text("format") or ""
    terminate_on = p.text("terminateOn") or "none"
    if_exists = p.text("ifExists") or "fail"
    if terminate_on not in TERMINATE_ON:
        raise AriError.message(400, "terminateOn invalid")
    if if_exists not in IF_EXISTS:
        raise AriError.message(400, "ifExists invalid")
    if fmt not in RECORDING_FORMATS:
        raise AriError.message(422, "specified format is unknown on this system")
    if not name:
        raise AriError.message(500, "Error parsing request")
    if name.startswith("/") or ".." in name.split("/"):
        raise AriError.message(400, "Recording name invalid")
    media = call.sim.engine.media
    if name in media.recordings or (name in media.stored and if_exists == "fail"):
        raise AriError.message(409, f"Recording '{name}' already exists and can not be overwritten")
    recording = Recording(
        name=name,
        format=fmt,
        target_uri=f"channel:{ch.id}",
        max_duration_s=max_duration,
        max_silence_s=max_silence,
        terminate_on=terminate_on,
    )
    media.queue_recording(recording)
    return created(recording_json(recording), f"/recordings/live/{name}")


def _live(call: Call) -> Recording:
    recording = call.sim.engine.media.recordings.get(call.path["recordingName"])
    if recording is None:
        raise AriError.message(404, "Recording not found")
    return recording


@operation("recordings.getLive")
def get_live(call: Call) -> web.Response:
    """A queued or running recording."""
    return ok(recording_json(_live(call)))


@operation("recordings.stop")
def stop(call: Call) -> web.Response:
    """Stop and keep the file: RecordingFinished (done)."""
    call.sim.engine.media.stop_recording(_live(call), cancel=False)
    return no_content()


@operation("recordings.cancel")
def cancel(call: Call) -> web.Response:
    """Stop and discard the file: RecordingFinished (canceled)."""
    call.sim.engine.media.stop_recording(_live(call), cancel=True)
    return no_content()


@operation("recordings.listStored")
def list_stored(call: Call) -> web.Response:
    """Finished recordings."""
    stored = call.sim.engine.media.stored
    return ok([{"name": name, "format": fmt} for name, fmt in stored.items()])


@operation("recordings.getStored")
def get_stored(call: Call) -> web.Response:
    """One finished recording."""
    name = call.path["recordingName"]
    fmt = call.sim.engine.media.stored.get(name)
    if fmt is None:
        raise AriError.message(404, "Recording not found")
    return ok({"name": name, "format": fmt})


@operation("recordings.getStoredFile")
def get_stored_file(call: Call) -> web.Response:
    """The recording's file. The lab's "audio" is JSON: ``{"lab_transcript": "..."}``."""
    content = call.sim.engine.media.files.get(call.path["recordingName"])
    if content is None:
        raise AriError.message(404, "Recording not found")
    return web.Response(body=content, content_type="audio/x-wav")


@operation("recordings.deleteStored")
def delete_stored(call: Call) -> web.Response:
    """Delete a finished recording."""
    name = call.path["recordingName"]
    call.sim.engine.media.files.pop(name, None)
    if call.sim.engine.media.stored.pop(name, None) is None:
        raise AriError.message(404, "Recording not found")
    return no_content()
