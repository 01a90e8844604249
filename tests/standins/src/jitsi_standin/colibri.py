"""The bridge's Colibri2 side: conference-modify from Jicofo (conferences, endpoints, relays).

Modelled on jitsi-videobridge @a29d97d1: Videobridge.java handleConferenceModifyIq/getOrCreateConference
(create=true makes the conference, refused with conflict when the meeting-id exists and with
service-unavailable in graceful shutdown; without create an unknown meeting-id is item-not-found),
colibri2/Colibri2ConferenceHandler.kt (endpoints need a <transport> and the source-names capability;
relays need videobridge.relay.enabled and SCTP or colibri web sockets; a created endpoint or relay is
answered with its transport; a request that leaves no endpoint and no relay expires the conference),
colibri2/Colibri2Util.kt (the errors), relay/Relay.kt (describeTransport, setTransportInfo, expire) and
doc/relay.md. XML shapes as jitsi-xmpp-extensions' colibri2 classes (namespace jitsi:colibri2).

Simplified: endpoints get an ICE ufrag/pwd and the bridge's candidates but nobody runs ICE with them
(the stand-in's clients carry no media); media descriptions, sources and feedback sources are not
kept or answered; the DTLS fingerprint is a fake (well-formed sha-256, random per process) and no DTLS
runs. Relays run real ICE (relay.py).
"""

import logging
import os
import secrets
import xml.etree.ElementTree as ET

from . import relay as relay_ice
from .stun import candidate_priority

COLIBRI2 = "jitsi:colibri2"
ICE_UDP = "urn:xmpp:jingle:transports:ice-udp:1"
DTLS = "urn:xmpp:jingle:apps:dtls:0"
SOURCE_NAMES = "source-names"
log = logging.getLogger("jitsi_standin.colibri")

# A fake certificate fingerprint: 32 random bytes, as "AB:CD:...". No DTLS runs.
FINGERPRINT = ":".join(f"{b:02X}" for b in os.urandom(32))


class ColibriError(Exception):
    def __init__(self, condition, text, reason=None):
        super().__init__(text)
        self.condition, self.text, self.reason = condition, text, reason


def _true(element, name):
    return (element.get(name) or "").lower() == "true"


def q(name, ns=COLIBRI2):
    return f"{{{ns}}}{name}"


def candidate_element(parent, candidate, number):
    ET.SubElement(parent, q("candidate", ICE_UDP), {
        k: str(v) for k, v in {
            "component": 1, "foundation": number + 1, "generation": 0, "id": secrets.token_hex(5),
            "ip": candidate["ip"], "port": candidate["port"], "network": 0, "protocol": "udp",
            "type": candidate["type"],
            "priority": candidate.get("priority") or candidate_priority(candidate["type"], 65535 - number),
            "rel-addr": candidate.get("rel-addr"), "rel-port": candidate.get("rel-port"),
        }.items() if v is not None})


def ice_udp_element(ufrag, pwd, candidates, setup="actpass"):
    """IceTransport.describe + DtlsTransport.describe: credentials, fingerprint (setup actpass), candidates,
    rtcp-mux."""
    element = ET.Element(q("transport", ICE_UDP), ufrag=ufrag, pwd=pwd)
    fingerprint = ET.SubElement(element, q("fingerprint", DTLS), hash="sha-256", setup=setup, cryptex="true")
    fingerprint.text = FINGERPRINT
    for number, candidate in enumerate(candidates):
        candidate_element(element, candidate, number)
    ET.SubElement(element, q("rtcp-mux", ICE_UDP))
    return element


def parse_ice_udp(element):
    """(ufrag, pwd, candidates, [fingerprint setups]) of an ice-udp <transport>."""
    candidates = []
    for c in element.findall(q("candidate", ICE_UDP)):
        try:
            candidates.append({"type": c.get("type", "host"), "protocol": c.get("protocol", "udp"),
                               "ip": c.get("ip"), "port": int(c.get("port")), "priority": int(c.get("priority", 0)),
                               **({"rel-addr": c.get("rel-addr"), "rel-port": int(c.get("rel-port"))}
                                  if c.get("rel-addr") and c.get("rel-port") else {})})
        except (TypeError, ValueError):
            log.warning("ignoring a malformed remote candidate %s", c.attrib)
    setups = [f.get("setup") for f in element.findall(q("fingerprint", DTLS))]
    return element.get("ufrag"), element.get("pwd"), candidates, setups


class Relay:
    """relay/Relay.kt: one relay of a conference, named by the remote bridge's relay-id."""

    def __init__(self, relay_id, conference, controlling, unique_port, harvest):
        self.id = relay_id
        self.conference = conference
        self.initiator = controlling
        self.endpoints = set()
        name = f"relay {relay_id} of {conference.name}"
        if unique_port:
            self.ports = relay_ice.UniquePorts([ip for ip in harvest.addresses() if ":" not in ip])
            self.agent = relay_ice.Agent(name, controlling, self.ports.send)
            self.ports.agent = self.agent
            self.agent.add_host_candidates(self.ports.addresses)
            self.agent.add_reflexive_candidates(harvest.reflexive(self.ports.addresses))
        else:
            self.ports = None
            mux = harvest.mux
            self.agent = relay_ice.Agent(name, controlling, mux.send)
            self.agent.add_host_candidates([a for a in mux.addresses if ":" not in a[0]])
            self.agent.add_reflexive_candidates(
                [(c["ip"], c["port"], c["rel-addr"], c["rel-port"]) for c in harvest.candidates()
                 if c["type"] == "srflx" and ":" not in c["ip"]])
            mux.agents.append(self.agent)
        self.harvest = harvest
        self.failed_counted = False

    def describe(self):
        d = self.agent.describe()
        return ice_udp_element(d["ufrag"], d["pwd"], d["candidates"])

    def set_transport(self, element):
        ufrag, pwd, candidates, setups = parse_ice_udp(element)
        if setups and setups[0] not in ("active", "passive", "actpass"):
            raise ColibriError("bad-request", f"Unsupported DTLS setup {setups[0]}")
        if not ufrag or not pwd:
            raise ColibriError("bad-request", "The relay transport has no ICE ufrag or pwd")
        self.agent.set_remote(ufrag, pwd, candidates)

    def view(self):
        return {"conference": self.conference.name, "initiator": self.initiator, **self.agent.view()}

    def expire(self):
        self.agent.close()
        if self.ports is not None:
            self.ports.close()
        elif self.agent in self.harvest.mux.agents:
            self.harvest.mux.agents.remove(self.agent)


class Conference:
    def __init__(self, meeting_id, name):
        self.meeting_id = meeting_id
        self.name = name
        self.endpoints = {}  # id -> {"ufrag", "pwd", "controlling"}
        self.relays = {}  # remote relay-id -> Relay


class Harvest:
    """What a relay's agent needs from the bridge: the harvested addresses, the mappings, the single-port
    mux and the current candidates (bridge.py fills it once the sockets are bound)."""

    def __init__(self, mux=None):
        self.mux = mux
        self._addresses = []
        self._mappings = []
        self._candidates = []

    def set(self, addresses, mappings_getter, candidates_getter):
        self._addresses = addresses
        self._mappings = mappings_getter
        self._candidates = candidates_getter

    def addresses(self):
        return [a for a, _scope in self._addresses]

    def candidates(self):
        return self._candidates() if callable(self._candidates) else list(self._candidates)

    def reflexive(self, locals_):
        """MappingCandidateHarvester.harvest for a unique-port agent's host candidates."""
        mappings = self._mappings() if callable(self._mappings) else self._mappings
        found = []
        for ip, port in locals_:
            for mapping in mappings:
                if mapping.face[0] != ip or mapping.match_port:
                    continue  # a mapping with ports only maps the single port
                found.append((mapping.mask[0], port, ip, port))
        return found


class Colibri:
    """The bridge's colibri2 conferences (Videobridge.java conferencesById)."""

    def __init__(self, config, harvest, shutting_down=lambda: False):
        self.config = config
        self.harvest = harvest
        self.shutting_down = shutting_down
        self.conferences = {}  # meeting-id -> Conference
        self.created = self.completed = self.endpoints_created = self.relays_created = self.relays_failed = 0
        self.finished = {"packets_sent": 0, "packets_received": 0, "bytes_sent": 0, "bytes_received": 0}

    # conference-modify -------------------------------------------------------------------------------
    def handle(self, modify):
        """A <conference-modify/> element: the <conference-modified/> answer, or ColibriError."""
        meeting_id = modify.get("meeting-id")
        if not meeting_id:
            raise ColibriError("bad-request", "Missing meeting-id")
        conference = self.conferences.get(meeting_id)
        if _true(modify, "create"):
            if conference is not None:
                log.warning("Will not create conference, conference already exists for meetingId=%s", meeting_id)
                raise ColibriError("conflict", f"Conference already exists for ID: {meeting_id}",
                                   "conference_already_exists")
            if self.shutting_down():
                log.warning("Will not create conference in shutdown mode.")
                raise ColibriError("service-unavailable", "In graceful shutdown", "graceful_shutdown")
            conference = Conference(meeting_id, modify.get("name"))
            self.conferences[meeting_id] = conference
            self.created += 1
            log.info("Created conference %s (meeting-id %s)", conference.name, meeting_id)
        elif conference is None:
            log.warning("Conference with meeting_id=%s not found.", meeting_id)
            raise ColibriError("item-not-found", f"Conference not found for ID: {meeting_id}", "conference_not_found")
        answer = ET.Element(q("conference-modified"), {"meeting-id": meeting_id})
        expire = _true(modify, "expire")
        if expire:
            log.info("Received request to expire conference.")
        for endpoint in modify.findall(q("endpoint")):
            answer.append(self._endpoint(conference, endpoint))
        for element in modify.findall(q("relay")):
            if not self.config.relay_enabled:
                raise ColibriError("feature-not-implemented", "Octo is disabled in configuration.")
            if not self.config.websockets_enabled and not self.config.sctp_enabled:
                log.warning("Can not use a colibri2 relay, because neither SCTP nor colibri web sockets are enabled.")
                raise ColibriError("internal-server-error",
                                   "Colibri websockets or SCTP need to be enabled to use a colibri2 relay.")
            answer.append(self._relay(conference, element))
        if not _true(modify, "create") and not conference.endpoints and not conference.relays:
            log.info("All endpoints and relays removed, expiring.")
            expire = True
        if expire:
            self.expire(conference)
        return answer

    def _endpoint(self, conference, element):
        endpoint_id = element.get("id")
        answer = ET.Element(q("endpoint"), id=endpoint_id)
        if _true(element, "expire"):
            conference.endpoints.pop(endpoint_id, None)
            answer.set("expire", "true")
            return answer
        if _true(element, "create"):
            if endpoint_id in conference.endpoints:
                raise ColibriError("conflict", f"Endpoint with ID {endpoint_id} already exists")
            transport = element.find(q("transport"))
            if transport is None:
                raise ColibriError("bad-request", f"Attempt to create endpoint {endpoint_id} with no <transport>")
            if not any(c.get("name") == SOURCE_NAMES for c in element.findall(q("capability"))):
                raise ColibriError("bad-request", "Source name support is mandatory.")
            sctp = transport.find(q("sctp"))
            if sctp is not None and not self.config.sctp_enabled:
                raise ColibriError("feature-not-implemented", "SCTP support is not configured")
            conference.endpoints[endpoint_id] = {"ufrag": relay_ice._random(8), "pwd": relay_ice._random(24),
                                                 "controlling": _true(transport, "ice-controlling")}
            self.endpoints_created += 1
            mine = conference.endpoints[endpoint_id]
            reply = ET.SubElement(answer, q("transport"))
            reply.append(ice_udp_element(mine["ufrag"], mine["pwd"], self.harvest.candidates()))
            if sctp is not None:
                ET.SubElement(reply, q("sctp"), port="5000", role="server")
            return answer
        if endpoint_id not in conference.endpoints:
            raise ColibriError("item-not-found", f"Endpoint not found for ID: {endpoint_id}", "unknown_endpoint")
        return answer

    def _relay(self, conference, element):
        relay_id = element.get("id")
        answer = ET.Element(q("relay"), id=relay_id)
        if _true(element, "expire"):
            self._expire_relay(conference, relay_id)
            answer.set("expire", "true")
            return answer
        transport = element.find(q("transport"))
        if _true(element, "create"):
            if relay_id in conference.relays:
                raise ColibriError("conflict", f"Relay with ID {relay_id} already exists")
            if transport is None:
                raise ColibriError("bad-request", f"Attempt to create relay {relay_id} with no <transport>")
            sctp = transport.find(q("sctp"))
            if sctp is not None and not self.config.sctp_enabled:
                raise ColibriError("feature-not-implemented", "SCTP support is not configured")
            relay = Relay(relay_id, conference, _true(transport, "ice-controlling"),
                          _true(transport, "use-unique-port"), self.harvest)
            conference.relays[relay_id] = relay
            self.relays_created += 1
            log.info("Created relay %s in %s (controlling %s, unique port %s)", relay_id, conference.name,
                     relay.initiator, _true(transport, "use-unique-port"))
        else:
            relay = conference.relays.get(relay_id)
            if relay is None:
                raise ColibriError("bad-request", f"Unknown relay {relay_id}")
        endpoints = element.find(q("endpoints"))
        for endpoint in [] if endpoints is None else endpoints.findall(q("endpoint")):
            if _true(endpoint, "expire"):
                relay.endpoints.discard(endpoint.get("id"))
            elif endpoint.get("id"):
                relay.endpoints.add(endpoint.get("id"))
        ice_udp = None if transport is None else transport.find(q("transport", ICE_UDP))
        if ice_udp is not None:
            relay.set_transport(ice_udp)
        if _true(element, "create"):
            reply = ET.SubElement(answer, q("transport"))
            reply.append(relay.describe())
            sctp = transport.find(q("sctp"))
            if sctp is not None:
                ET.SubElement(reply, q("sctp"), port="5000", role="server" if sctp.get("role") == "client" else "client")
        return answer

    # expiry ---------------------------------------------------------------------------------------
    def _expire_relay(self, conference, relay_id):
        relay = conference.relays.pop(relay_id, None)
        if relay is None:
            return
        self._relay_done(relay)
        log.info("Expired relay %s of %s", relay_id, conference.name)
        relay.expire()

    def _relay_done(self, relay):
        for key in self.finished:
            self.finished[key] += getattr(relay.agent, key)
        self._count_failure(relay)

    def _count_failure(self, relay):
        if relay.agent.state == "failed" and not relay.failed_counted:
            relay.failed_counted = True
            self.relays_failed += 1

    def expire(self, conference):
        for relay_id in list(conference.relays):
            self._expire_relay(conference, relay_id)
        conference.endpoints.clear()
        if self.conferences.pop(conference.meeting_id, None) is not None:
            self.completed += 1
            log.info("Expired conference %s", conference.name)

    def stop(self):
        for conference in list(self.conferences.values()):
            self.expire(conference)

    # views -----------------------------------------------------------------------------------------
    @property
    def endpoint_count(self):
        return sum(len(c.endpoints) for c in self.conferences.values())

    def relays(self):
        return [r for c in self.conferences.values() for r in c.relays.values()]

    def stats(self):
        """The relay statistics of VideobridgeStatisticsShim.kt that the stand-in can compute honestly."""
        relays = self.relays()
        for relay in relays:
            self._count_failure(relay)
        sent = [r.agent.sent_meter.rates() for r in relays]
        received = [r.agent.received_meter.rates() for r in relays]
        return {
            "octo_conferences": sum(1 for c in self.conferences.values() if c.relays),
            "octo_endpoints": sum(len(r.endpoints) for r in relays),
            "octo_send_packet_rate": sum(p for p, _b in sent),
            "octo_receive_packet_rate": sum(p for p, _b in received),
            "octo_send_bitrate": sum(b for _p, b in sent),
            "octo_receive_bitrate": sum(b for _p, b in received),
            "total_relays": self.relays_created,
            "relays_ice_failed": self.relays_failed,
            "total_packets_sent_octo": self.finished["packets_sent"] + sum(r.agent.packets_sent for r in relays),
            "total_packets_received_octo": self.finished["packets_received"]
            + sum(r.agent.packets_received for r in relays),
            "total_bytes_sent_octo": self.finished["bytes_sent"] + sum(r.agent.bytes_sent for r in relays),
            "total_bytes_received_octo": self.finished["bytes_received"]
            + sum(r.agent.bytes_received for r in relays),
        }

    def test_state(self):
        return {
            # By conference and remote relay-id: two conferences may relay to the same bridge.
            "relays": {f"{r.conference.name}/{r.id}": r.view() for r in self.relays()},
            "colibri_conferences": {c.name: {"endpoints": sorted(c.endpoints), "relays": sorted(c.relays)}
                                    for c in self.conferences.values()},
        }


def error_element(reason):
    """Colibri2Error: <error xmlns='jitsi:colibri2' reason='...'/> in the IQ error."""
    return ET.Element(q("error"), reason=reason)
