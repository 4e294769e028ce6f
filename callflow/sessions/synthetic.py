"""Events we did not hear: rebuilt after a reconnect from what Asterisk holds now.

Asterisk does not replay events missed while the socket was down. A resync
tells us which channels and playbacks still exist; the differences become the
events we would have received, put on the call's own queue so the session
handles them in order like any other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from callflow.ari import Channel, PlaybackFinished, StasisEnd, StasisStart


def _channel_stub(channel_id: str) -> dict[str, object]:
    return {
        "id": channel_id,
        "name": "",
        "state": "Down",
        "caller": {"name": "", "number": ""},
        "connected": {"name": "", "number": ""},
        "dialplan": {"context": "", "exten": "", "priority": 0},
        "creationtime": datetime.now(UTC),
    }


def stasis_end(app: str, channel_id: str) -> StasisEnd:
    """The channel left while we were deaf."""
    return StasisEnd.model_validate(
        {"application": app, "timestamp": datetime.now(UTC), "channel": _channel_stub(channel_id)}
    )


def stasis_start(app: str, channel: Channel) -> StasisStart:
    """The channel is in our app (adopted after a restart, or a leg that answered)."""
    return StasisStart.model_validate(
        {
            "application": app,
            "timestamp": datetime.now(UTC),
            "args": [],
            "channel": channel.model_dump(),
        }
    )


def playback_finished(app: str, playback_id: str, channel_id: str) -> PlaybackFinished:
    """The playback is gone, so it finished while we were deaf."""
    return PlaybackFinished.model_validate(
        {
            "application": app,
            "timestamp": datetime.now(UTC),
            "playback": {
                "id": playback_id,
                "media_uri": "",
                "target_uri": f"channel:{channel_id}",
                "state": "done",
            },
        }
    )


def released_caller(app: str, channel_id: str, caller: str | None) -> StasisStart:
    """A caller whose line was released for a call back, as another instance knew them."""
    channel = {**_channel_stub(channel_id), "caller": {"name": "", "number": caller or ""}}
    return StasisStart.model_validate(
        {"application": app, "timestamp": datetime.now(UTC), "args": [], "channel": channel}
    )
