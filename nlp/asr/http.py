"""A generic external recogniser over HTTP: POST the audio, get text back.

Request: ``POST {url}`` with the audio as the body (``Content-Type:
audio/wav``), the grammar as query parameters (``grammar=digits``,
``words=yes,no``) and any configured headers (an API key). Response: JSON
``{"text": "...", "confidence": 0.9}`` (``transcript`` is accepted for
``text``) or ``text/plain``. The time box is an ``aiohttp.ClientTimeout`` and
an ``asyncio.timeout``; transport errors become
:class:`~nlp.errors.AsrUnavailableError`, a late answer
:class:`~nlp.errors.AsrTimeoutError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from types import TracebackType

import aiohttp

from nlp.asr.base import Grammar, Transcript
from nlp.errors import AsrError, AsrTimeoutError, AsrUnavailableError

__all__ = ["HttpEngine"]


class HttpEngine:
    """POST audio to ``url``; use as ``async with HttpEngine(url) as engine``.

    Pass ``session`` to share an ``aiohttp.ClientSession`` (it is then not closed here).
    """

    name = "http"

    def __init__(
        self,
        url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = "audio/wav",
    ) -> None:
        self.url = url
        self._session = session
        self._owns_session = session is None
        self._headers = {"Content-Type": content_type, **(headers or {})}

    async def __aenter__(self) -> HttpEngine:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session this engine opened (not one it was given)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def transcribe(
        self, audio: bytes, *, grammar: Grammar | None = None, timeout_s: float = 5.0
    ) -> Transcript:
        started = time.monotonic()
        params: dict[str, str] = {}
        if grammar is not None:
            params["grammar"] = grammar.kind
            if grammar.words:
                params["words"] = ",".join(grammar.words)
        try:
            async with asyncio.timeout(timeout_s):
                async with self._client().post(
                    self.url,
                    data=audio,
                    params=params,
                    headers=self._headers,
                    timeout=aiohttp.ClientTimeout(total=timeout_s),
                ) as response:
                    if response.status != 200:
                        raise AsrUnavailableError(f"http engine: status {response.status}")
                    if response.content_type == "application/json":
                        body = await response.json()
                        if not isinstance(body, dict):
                            raise AsrError("http engine: JSON answer is not an object")
                        text = body.get("text", body.get("transcript", ""))
                        confidence = body.get("confidence")
                    else:
                        text = await response.text()
                        confidence = None
        except TimeoutError as exc:
            raise AsrTimeoutError(f"http engine: no answer within {timeout_s} s") from exc
        except aiohttp.ClientError as exc:
            raise AsrUnavailableError(f"http engine: {type(exc).__name__}") from exc
        if not isinstance(text, str):
            raise AsrError("http engine: text is not a string")
        clean = " ".join(text.lower().split())
        return Transcript(
            text=clean,
            engine=self.name,
            confidence=float(confidence) if isinstance(confidence, int | float) else None,
            elapsed_s=time.monotonic() - started,
            words=tuple(clean.split()),
        )
