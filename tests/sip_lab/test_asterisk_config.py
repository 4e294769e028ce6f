"""The real-Asterisk configuration and SIPp scenarios say what the service expects.

No Asterisk is needed: the ``.conf`` files are parsed with Asterisk's own
grammar (sections, ``(!)`` templates and inheritance, ``=``/``=>``, ``;``
comments) and checked against the facts the overlay relies on, and against
the service's own defaults (Settings, destinations). The SIPp scenarios must be
well-formed; when ``sipp`` is installed, two of them also run against each
other on loopback.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from callflow.routing.destinations import load_destinations
from callflow.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ASTERISK = ROOT / "sip_lab" / "asterisk"
SIPP = ROOT / "sip_lab" / "sipp"
SECTION = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<options>[^)]*)\))?\s*$")


@dataclass
class Section:
    name: str
    template: bool = False
    parents: list[str] = field(default_factory=list)
    entries: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        values = self.all(key)
        return values[-1] if values else None

    def all(self, key: str) -> list[str]:
        return [v for k, v in self.entries if k == key]


def parse_conf(name: str) -> list[Section]:
    """Asterisk's config grammar, enough for these files (no #include used)."""
    sections: list[Section] = []
    templates: dict[str, Section] = {}
    for raw in (ASTERISK / name).read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(?<!\\);.*$", "", raw).strip()
        if not line:
            continue
        assert not line.startswith("#"), f"{name}: unexpected directive {line!r}"
        match = SECTION.match(line)
        if match:
            options = [o.strip() for o in (match["options"] or "").split(",") if o.strip()]
            section = Section(
                match["name"].strip(),
                template="!" in options,
                parents=[o for o in options if o != "!"],
            )
            for parent in section.parents:
                assert parent in templates, f"{name}: [{section.name}] uses unknown {parent}"
                section.entries.extend(templates[parent].entries)
            if section.template:
                templates[section.name] = section
            sections.append(section)
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{name}: not a key = value line: {raw!r}"
        assert sections, f"{name}: entry before any section: {raw!r}"
        sections[-1].entries.append((key.strip(), value.lstrip(">").strip()))
    return [s for s in sections if not s.template]


def one(sections: list[Section], name: str, type_: str | None = None) -> Section:
    found = [s for s in sections if s.name == name and (type_ is None or s.get("type") == type_)]
    assert len(found) == 1, f"expected one [{name}] of type {type_}, found {len(found)}"
    return found[0]


def test_every_conf_file_parses() -> None:
    names = sorted(p.name for p in ASTERISK.glob("*.conf"))
    assert names == [
        "ari.conf",
        "asterisk.conf",
        "extensions.conf",
        "http.conf",
        "logger.conf",
        "modules.conf",
        "musiconhold.conf",
        "pjsip.conf",
        "rtp.conf",
    ]
    for name in names:
        assert parse_conf(name), name


def test_systemname_prefixes_channel_ids() -> None:
    options = one(parse_conf("asterisk.conf"), "options")
    assert options.get("systemname") == "urgentline"
    directories = one(parse_conf("asterisk.conf"), "directories")
    assert directories.get("astetcdir")  # run-asterisk.sh rewrites it


def test_http_is_loopback_only_and_matches_the_ari_url() -> None:
    general = one(parse_conf("http.conf"), "general")
    assert general.get("enabled") == "yes"
    assert general.get("bindaddr") == "127.0.0.1"
    assert int(general.get("sessionlimit") or 0) >= 100
    ari_url = urlsplit(Settings().ari_url)
    assert ari_url.hostname == general.get("bindaddr")
    assert ari_url.port == int(general.get("bindport") or 0)
    assert ari_url.path == "/ari"


def test_ari_user_matches_the_service_settings() -> None:
    sections = parse_conf("ari.conf")
    general = one(sections, "general")
    assert general.get("enabled") == "yes"
    assert int(general.get("websocket_write_timeout") or 0) >= 1000  # notes section 4.1
    settings = Settings()
    user = one(sections, settings.ari_user, "user")
    assert user.get("read_only") == "no"
    assert user.get("password") == settings.ari_password.get_secret_value()


def test_dialplan_enters_stasis_and_falls_back_when_it_fails() -> None:
    sections = parse_conf("extensions.conf")
    inbound = " ".join(v for _, v in one(sections, "from-national111").entries)
    app = Settings().ari_app
    assert f"Stasis({app},inbound,${{CALLERID(pres)}})" in inbound  # presentation rides along
    assert '$["${STASISSTATUS}" = "FAILED"]' in inbound
    assert "Goto(urgentline-route,default111,1)" in inbound

    route = one(sections, "urgentline-route")
    lines = [v for k, v in route.entries if k in ("exten", "same")]
    for name in load_destinations().destinations:
        assert any(v.startswith(f"{name},1,") for v in lines), name
        assert any(f"Dial(PJSIP/{name}," in v for v in lines), name
    assert any(v.startswith("i,1,Goto(urgentline-route,default111,1)") for v in lines)
    assert any(v.startswith("h,1,") for v in lines)


def test_destinations_exist_in_pjsip_and_the_dialplan() -> None:
    """Every endpoint the overlay dials, and its dialplan fallback, is configured."""
    destinations = load_destinations()
    endpoints = {s.name for s in parse_conf("pjsip.conf") if s.get("type") == "endpoint"}
    for destination in destinations.destinations.values():
        tech, _, name = destination.endpoint.partition("/")
        assert tech == "PJSIP" and name.split("/")[0] in endpoints, destination.endpoint
    target = destinations.dialplan_fallback
    route = one(parse_conf("extensions.conf"), target.context)
    assert any(v.startswith(f"{target.extension},{target.priority},") for _, v in route.entries)


def test_call_backs_have_somewhere_to_go() -> None:
    """``PJSIP/<number>@<endpoint>`` needs that endpoint to have an AOR with a contact."""
    endpoint = Settings().callback_endpoint
    assert endpoint.startswith("PJSIP/{number}@"), endpoint
    name = endpoint.partition("@")[2]
    sections = parse_conf("pjsip.conf")
    aor = one(sections, one(sections, name, "endpoint").get("aors") or "", "aor")
    assert (aor.get("contact") or "").startswith("sip:127.0.0.1:5076")


def test_call_backs_answer_into_a_dialplan_that_enters_stasis_and_falls_back() -> None:
    """A call back is originated into this context (a channel originated straight into
    the app is hung up when it leaves Stasis, so a continue could not reach the default)."""
    from callflow.sessions.deps import SessionDeps

    context = SessionDeps.__dataclass_fields__["callback_context"].default
    lines = " ".join(v for _, v in one(parse_conf("extensions.conf"), context).entries)
    assert lines.startswith("s,1,")
    assert "Stasis(${URGENTLINE_APP},callback,${URGENTLINE_CALL_ID})" in lines
    assert '$["${STASISSTATUS}" = "FAILED"]' in lines
    assert "Goto(urgentline-route,default111,1)" in lines


def test_pjsip_feed_and_providers() -> None:
    sections = parse_conf("pjsip.conf")
    transport = one(sections, "transport-udp", "transport")
    assert transport.get("bind") == "127.0.0.1:5060"

    identifies = [s for s in sections if s.get("type") == "identify"]
    assert [(s.get("endpoint"), s.get("match")) for s in identifies] == [
        ("national111", "127.0.0.1")
    ]
    feed = one(sections, "national111", "endpoint")
    assert feed.get("context") == "from-national111"
    assert feed.get("dtmf_mode") == "rfc4733"
    assert feed.get("allow") == "ulaw,alaw" and feed.get("disallow") == "all"

    ports = {
        "dental": 5071,
        "crisis": 5072,
        "default111": 5073,
        "pharmacy": 5074,
        "palliative": 5075,
    }
    for name, port in ports.items():
        endpoint = one(sections, name, "endpoint")
        assert endpoint.get("dtmf_mode") == "rfc4733", name
        assert endpoint.get("aors") == name
        aor = one(sections, name, "aor")
        assert aor.get("contact") == f"sip:{name}@127.0.0.1:{port}"


def test_modules_needed_by_the_overlay_are_required() -> None:
    modules = one(parse_conf("modules.conf"), "modules")
    required = set(modules.all("require"))
    for module in (
        "res_ari.so",
        "res_http_websocket.so",
        "res_stasis.so",
        "app_stasis.so",
        "res_pjsip.so",
        "chan_pjsip.so",
        "res_rtp_asterisk.so",
        "pbx_config.so",
        "app_dial.so",
        "codec_ulaw.so",
        "codec_alaw.so",
    ):
        assert module in required, module
    assert not required & set(modules.all("noload"))


def test_logs_keep_caller_data_out_of_files() -> None:
    files = one(parse_conf("logger.conf"), "logfiles")
    for name, levels in files.entries:
        if name != "console":
            assert "verbose" not in levels and "dtmf" not in levels and "debug" not in levels
        assert "full" not in name


def sipp_scenarios() -> list[Path]:
    return sorted(SIPP.glob("*.xml"))


def test_sipp_scenarios_are_well_formed() -> None:
    names = [p.name for p in sipp_scenarios()]
    assert names == ["inbound_hangup_early.xml", "inbound_press_1.xml", "provider_uas.xml"]
    for path in sipp_scenarios():
        root = ET.parse(path).getroot()
        assert root.tag == "scenario" and root.get("name"), path.name
        labels = {e.get("id") for e in root.iter("label")}
        for element in root.iter():
            for attribute in ("next", "ontimeout"):
                target = element.get(attribute)
                assert target is None or target in labels, (path.name, target)


def test_caller_scenario_offers_g711_and_sends_rfc4733_one() -> None:
    root = ET.parse(SIPP / "inbound_press_1.xml").getroot()
    invite = root.find("send")
    assert invite is not None and invite.text is not None
    assert "RTP/AVP 8 0 101" in invite.text
    assert "telephone-event/8000" in invite.text
    played = [e.get("play_pcap_audio") for e in root.iter("exec")]
    assert played == ["/usr/share/sip-tester/dtmf_2833_1.pcap"]


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp is not installed")
def test_sipp_runs_the_early_hangup_against_the_provider_on_loopback() -> None:
    """SIPp itself accepts the scenarios, and the caller and provider ends agree."""
    uas_port, uac_port = _free_udp_port(), _free_udp_port()
    uas_media, uac_media = _free_udp_port(), _free_udp_port()
    common = ["-i", "127.0.0.1", "-m", "1", "-nostdin", "-timeout", "20"]
    uas_command = ["sipp", "-sf", str(SIPP / "provider_uas.xml"), "-p", str(uas_port)]
    uac_command = ["sipp", "-sf", str(SIPP / "inbound_hangup_early.xml"), f"127.0.0.1:{uas_port}"]
    uas = subprocess.Popen(
        [*uas_command, "-mp", str(uas_media), *common],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        uac = subprocess.run(
            [*uac_command, "-p", str(uac_port), "-mp", str(uac_media), "-s", "111", *common],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert uac.returncode == 0, uac.stderr.decode(errors="replace")[-2000:]
        assert uas.wait(timeout=30) == 0
    finally:
        if uas.poll() is None:
            uas.kill()
            uas.wait()
        if uas.stderr is not None:
            uas.stderr.close()
