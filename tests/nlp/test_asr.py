from __future__ import annotations

import asyncio
import io
import math
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nlp.asr import (
    DIGITS,
    YES_NO,
    AsrAudioError,
    AsrTimeoutError,
    AsrUnavailableError,
    Grammar,
    HttpEngine,
    LabEngine,
    SpeechEngine,
    create_engine,
    lab_recording,
    read_wav,
    recognise,
)
from nlp.asr.measure import word_errors
from nlp.asr.sphinx import SphinxEngine, _resample, jsgf_for


async def test_lab_engine_decodes_the_scripted_words() -> None:
    engine = LabEngine()
    assert isinstance(engine, SpeechEngine)
    result = await engine.transcribe(lab_recording("My Name Is  Ann Lee", confidence=0.8))
    assert (result.text, result.engine, result.confidence) == ("my name is ann lee", "lab", 0.8)
    assert result.words == ("my", "name", "is", "ann", "lee")


async def test_lab_engine_rejects_other_audio() -> None:
    with pytest.raises(AsrAudioError):
        await LabEngine().transcribe(b"RIFF....WAVE")
    with pytest.raises(AsrAudioError):
        await LabEngine().transcribe(b'{"other": 1}')


async def test_time_box_skips_a_slow_engine() -> None:
    slow = lab_recording("yes", delay_s=5.0)
    with pytest.raises(AsrTimeoutError):
        await LabEngine().transcribe(slow, timeout_s=0.05)
    assert await recognise(LabEngine(), slow, timeout_s=0.05) is None
    assert await recognise(LabEngine(), lab_recording("x", fail=True), timeout_s=1) is None
    ok = await recognise(LabEngine(), lab_recording("yes", delay_s=0.01), timeout_s=1)
    assert ok is not None and ok.text == "yes"


async def test_recognise_enforces_the_deadline_itself() -> None:
    class Stubborn:
        name = "stubborn"

        async def transcribe(
            self, audio: bytes, *, grammar: Grammar | None = None, timeout_s: float = 5.0
        ) -> object:
            await asyncio.sleep(10)
            raise AssertionError("not reached")

    assert await recognise(Stubborn(), b"", timeout_s=0.05) is None  # type: ignore[arg-type]


async def _server(handler: web.RequestHandler) -> TestServer:
    app = web.Application()
    app.router.add_post("/asr", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def test_http_engine_json_and_text() -> None:
    seen: dict[str, str] = {}

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.update(request.query)
        seen["body"] = (await request.read()).decode()
        seen["type"] = request.content_type
        if request.query.get("grammar") == "digits":
            return web.Response(text="Nine Four Three")
        return web.json_response({"text": "Yes Please", "confidence": 0.75})

    server = await _server(handler)
    try:
        async with HttpEngine(str(server.make_url("/asr"))) as engine:
            result = await engine.transcribe(b"audio", grammar=YES_NO, timeout_s=2)
            assert (result.text, result.confidence) == ("yes please", 0.75)
            assert seen["grammar"] == "yes_no" and "yes" in seen["words"]
            assert seen["body"] == "audio" and seen["type"] == "audio/wav"
            digits = await engine.transcribe(b"audio", grammar=DIGITS, timeout_s=2)
            assert digits.text == "nine four three" and digits.confidence is None
    finally:
        await server.close()


async def test_http_engine_errors_are_typed() -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2)
        return web.Response(text="late")

    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500)

    server = await _server(slow)
    try:
        async with HttpEngine(str(server.make_url("/asr"))) as engine:
            with pytest.raises(AsrTimeoutError):
                await engine.transcribe(b"a", timeout_s=0.1)
            assert await recognise(engine, b"a", timeout_s=0.1) is None
    finally:
        await server.close()
    server = await _server(broken)
    try:
        async with HttpEngine(str(server.make_url("/asr"))) as engine:
            with pytest.raises(AsrUnavailableError):
                await engine.transcribe(b"a", timeout_s=1)
    finally:
        await server.close()
    async with HttpEngine("http://127.0.0.1:9/asr") as engine:
        with pytest.raises(AsrUnavailableError):
            await engine.transcribe(b"a", timeout_s=1)


def test_create_engine() -> None:
    assert create_engine("lab").name == "lab"
    with pytest.raises(ValueError, match="url"):
        create_engine("http")
    with pytest.raises(ValueError, match="unknown"):
        create_engine("whisper")


def _tone_wav(rate: int, seconds: float = 0.3) -> bytes:
    frames = b"".join(
        int(8000 * math.sin(2 * math.pi * 440 * k / rate)).to_bytes(2, "little", signed=True)
        for k in range(int(rate * seconds))
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return buf.getvalue()


def test_wav_reading_and_resampling() -> None:
    pcm, rate = read_wav(_tone_wav(8000))
    assert rate == 8000 and len(pcm) == 2 * 2400
    assert len(_resample(pcm, 8000)) == 2 * 4800
    with pytest.raises(AsrAudioError):
        read_wav(b"not a wav")


def test_grammars() -> None:
    digits = jsgf_for(DIGITS)
    assert digits is not None and "double" in digits and "oh" in digits
    menu = jsgf_for(Grammar.menu("Breathing problems", "Other"))
    assert menu is not None and "breathing problems | other" in menu
    assert jsgf_for(Grammar("free")) is None


def test_word_errors() -> None:
    assert word_errors(["one", "zero"], ["one", "oh"]) == 0
    assert word_errors(["one", "two", "three"], ["one", "three", "four"]) == 2


def _espeak(tmp_path: Path, words: str) -> Path:
    raw, wav = tmp_path / "raw.wav", tmp_path / "digits.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-w", str(raw), words], check=True, capture_output=True
    )
    subprocess.run(
        ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)],
        check=True,
        capture_output=True,
    )
    return wav


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                    reason="espeak-ng and sox are not installed")  # fmt: skip
async def test_pocketsphinx_decodes_espeak_digits(tmp_path: Path) -> None:
    wav = await asyncio.to_thread(_espeak, tmp_path, "one two three")
    engine = SphinxEngine()
    result = await engine.transcribe(wav.read_bytes(), grammar=DIGITS, timeout_s=20)
    assert result.engine == "pocketsphinx"
    allowed = {"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight",
               "nine", "double", "triple"}  # fmt: skip
    assert result.words and set(result.words) <= allowed  # constrained to the grammar
    silence = await engine.transcribe(_tone_wav(8000), grammar=YES_NO, timeout_s=20)
    assert set(silence.words) <= {"yes", "no", "yeah", "nope", "correct", "wrong", "that's",
                                  "right"}  # fmt: skip
