"""Jicofo's colibri2 allocations for one conference: bridges, endpoints, relays (stand-in).

Modelled on jicofo @7ebb13dc, jicofo-selector bridge/colibri/: ColibriV2SessionManager.kt (doAllocate:
select a bridge for the participant's region, refuse a second bridge without octo or relay-ids; a new
session is linked to every existing one in the mesh by addLinkBetween, the new session the initiator;
an endpoint on an existing session is added to the relays of the other sessions; removeParticipant:
the endpoint is expired, or the whole session when it was the last one, and the other sessions expire
their relay to it; setRelayTransport forwards a relay's transport to the other side) and Colibri2Session.kt
(createRequest: meeting-id, and create=true with the conference name on the first request to a bridge;
sendAllocationRequest: endpoint create with transport ice-controlling=true; Relay: use-unique-port and
ice-controlling = initiator, sctp role client for the initiator, setTransport: the bridge's "actpass" made
"active" on the initiator's side and "passive" on the other). Bridges are addressed by their brewery
occupant JID, which Prosody's MUC routes to the bridge's real JID.

Not modelled: re-invites, ICE restarts and retries after a failure (upstream would retry; the stand-in
logs it and the member stays in the room), media descriptions and sources, visitors' bridges.
"""

import asyncio
import logging
import uuid
import xml.etree.ElementTree as ET

from .colibri import COLIBRI2, DTLS, ICE_UDP, SOURCE_NAMES, q
from .selection import ConferenceBridge

log = logging.getLogger("jitsi_standin.allocation")


class Session:
    """Colibri2Session: this conference on one bridge."""

    def __init__(self, bridge):
        self.jid = bridge.jid
        self.relay_id = bridge.relay_id  # kept for the session's life, as upstream does
        self.region = bridge.region
        self.created = False
        self.participants = []  # endpoint ids
        self.recent = []  # when endpoints were added (recentlyAddedEndpointCount)
        self.relays = {}  # remote relay-id -> initiator


class Allocations:
    def __init__(self, conference, state, config, send=None, clock=None):
        self.conference = conference  # has .room
        self.state = state  # JicofoState: bridges, select_bridge, allocated_on
        self.config = config
        self._send = send or self._send_iq
        self.clock = clock or asyncio.get_event_loop().time
        self.meeting_id = str(uuid.uuid4())
        self.sessions = {}  # bridge occupant JID -> Session, in the order they were added
        self.participants = {}  # occupant JID -> {"id", "region", "bridge"}
        self.links = []  # [initiator relay-id, other relay-id]
        self.tasks = set()

    # requests ------------------------------------------------------------------------------------
    def _request(self, session, create=False):
        element = ET.Element(q("conference-modify"), {"meeting-id": self.meeting_id})
        if create:
            element.set("create", "true")
            element.set("name", self.conference.room)
        return element

    def _send_iq(self, jid, element):
        iq = self.conference.session.make_iq_set(ito=jid)
        iq.append(element)
        return iq.send(timeout=self.config.reply_timeout)  # sent now: requests to a bridge stay in order

    def _fire(self, jid, element, what, on_answer=None):
        """Send now, handle the answer in the background; failures are logged (sessionFailed upstream)."""
        pending = self._send(jid, element)

        async def wait():
            try:
                answer = await pending
            except Exception as exc:  # IqError, IqTimeout, or whatever the transport raises
                iq = getattr(exc, "iq", None)
                detail = f"{iq['error']['condition']} {iq['error']['text']}" if iq is not None else str(exc)
                log.warning("%s: %s request to %s failed: %s %s", self.conference.room, what, jid,
                            type(exc).__name__, detail)
                return
            if on_answer is not None:
                modified = answer.xml.find(q("conference-modified")) if hasattr(answer, "xml") else answer
                on_answer(modified)

        task = asyncio.ensure_future(wait())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # allocation ----------------------------------------------------------------------------------
    def conference_bridges(self):
        """ColibriV2SessionManager.getBridges: the sessions on operational bridges, with their counts."""
        now = self.clock()
        found = {}
        for jid, session in self.sessions.items():
            bridge = self.state.bridges.get(jid)
            if bridge is None or not bridge.operational:
                continue
            session.recent = [t for t in session.recent if now - t < self.config.max_bridge_participants_interval]
            found[bridge] = ConferenceBridge(len(session.participants), len(session.recent))
        return found

    def allocate(self, occupant, endpoint_id, region):
        log.info("%s: Allocating for %s (region %s)", self.conference.room, endpoint_id, region)
        self.participants[occupant] = {"id": endpoint_id, "region": region, "bridge": None}
        bridge = self.state.select_bridge(self.conference_bridges(), region)
        if bridge is None:
            log.warning("%s: Failed to allocate for %s: bridge selection failed", self.conference.room, endpoint_id)
            return
        if self.sessions and bridge.jid not in self.sessions:
            if not self.config.octo_enabled and self.config.selection_strategy.rsplit(".", 1)[-1] \
                    != "SplitBridgeSelectionStrategy":
                log.error("%s: A new bridge was selected, but Octo is disabled", self.conference.room)
                return
            if any(s.relay_id is None for s in self.sessions.values()) or bridge.relay_id is None:
                log.error("%s: Can not enable Octo: one of the selected bridges does not support Octo.",
                          self.conference.room)
                return
        session = self.sessions.get(bridge.jid)
        created = session is None
        if created:
            session = self.sessions[bridge.jid] = Session(bridge)
        log.info("%s: Selected %s for %s (session exists: %s)", self.conference.room, bridge.jid, endpoint_id,
                 not created)
        session.recent.append(self.clock())
        bridge.endpoint_added()
        request = self._request(session, create=not session.created)
        endpoint = ET.SubElement(request, q("endpoint"), id=endpoint_id, create="true", **{"stats-id": endpoint_id})
        transport = ET.SubElement(endpoint, q("transport"), {"ice-controlling": "true"})
        ET.SubElement(transport, q("sctp"))
        ET.SubElement(endpoint, q("capability"), name=SOURCE_NAMES)
        if not session.created:
            self.state.allocated_on(session.jid, conference=True)
        self.state.allocated_on(session.jid)
        session.created = True
        session.participants.append(endpoint_id)
        self.participants[occupant]["bridge"] = session.jid
        self._fire(session.jid, request, "allocation",
                   lambda answer: self._allocated(session, endpoint_id, answer))
        if created:
            # TopologySelectionStrategy (one mesh): link the new session to every existing one.
            for other in list(self.sessions.values()):
                if other is not session:
                    self._link(session, other)
        else:
            for other in self.sessions.values():
                if other is not session and session.relay_id in other.relays:
                    self._relay_endpoints(other, session.relay_id, [endpoint_id], create=True)

    def _allocated(self, session, endpoint_id, answer):
        if answer is None or answer.find(q("endpoint")) is None:
            log.warning("%s: no endpoint in the answer of %s for %s", self.conference.room, session.jid, endpoint_id)
            return
        log.info("%s: %s allocated on %s", self.conference.room, endpoint_id, session.jid)

    def _relay_endpoints(self, session, relay_id, endpoint_ids, create=False, expire=False):
        request = self._request(session)
        relay = ET.SubElement(request, q("relay"), id=relay_id)
        endpoints = ET.SubElement(relay, q("endpoints"))
        for endpoint_id in endpoint_ids:
            ET.SubElement(endpoints, q("endpoint"), {"id": endpoint_id, **({"create": "true"} if create else {}),
                                                     **({"expire": "true"} if expire else {})})
        self._fire(session.jid, request, "Relay.updateParticipant" if create else "Relay.expireParticipants")

    # relays --------------------------------------------------------------------------------------
    def _link(self, session, other):
        """addLinkBetween: session creates a relay to other as the initiator, other to session as not."""
        self.links.append([session.relay_id, other.relay_id])
        self._create_relay(session, other, initiator=True)
        self._create_relay(other, session, initiator=False)

    def _create_relay(self, session, other, initiator):
        log.info("%s: Creating relay %s on %s (initiator=%s), initial participants: %s", self.conference.room,
                 other.relay_id, session.jid, initiator, other.participants)
        session.relays[other.relay_id] = initiator
        request = self._request(session)
        relay = ET.SubElement(request, q("relay"), {"id": other.relay_id, "create": "true", "mesh-id": "0"})
        for media in ("audio", "video"):
            ET.SubElement(relay, q("media"), type=media)
        endpoints = ET.SubElement(relay, q("endpoints"))
        for endpoint_id in other.participants:
            ET.SubElement(endpoints, q("endpoint"), id=endpoint_id, create="true")
        transport = ET.SubElement(relay, q("transport"), {"use-unique-port": str(initiator).lower(),
                                                          "ice-controlling": str(initiator).lower()})
        ET.SubElement(transport, q("sctp"), role="client" if initiator else "server")
        self._fire(session.jid, request, "create relay",
                   lambda answer: self._relay_created(session, other, answer))

    def _relay_created(self, session, other, answer):
        """The bridge's transport for its relay to `other`: ColibriV2SessionManager.setRelayTransport
        hands it to the other session's relay (Relay.setTransport)."""
        relay = None if answer is None else answer.find(q("relay"))
        ice_udp = None if relay is None else relay.find(f"{q('transport')}/{q('transport', ICE_UDP)}")
        if ice_udp is None:
            log.error("%s: No transport in the create relay response from %s", self.conference.room, session.jid)
            return
        if self.sessions.get(session.jid) is not session or self.sessions.get(other.jid) is not other \
                or session.relay_id not in other.relays:
            log.info("%s: Received a response for a session that is no longer active. Ignoring.",
                     self.conference.room)
            return
        setup = "active" if other.relays[session.relay_id] else "passive"
        for fingerprint in ice_udp.findall(q("fingerprint", DTLS)):
            if fingerprint.get("setup") != "actpass":
                log.error("%s: Response has an unexpected dtls setup field: %s", self.conference.room,
                          fingerprint.get("setup"))
                return
            fingerprint.set("setup", setup)
        request = self._request(other)
        relay = ET.SubElement(request, q("relay"), {"id": session.relay_id, "create": "false"})
        ET.SubElement(relay, q("transport")).append(ice_udp)
        log.info("%s: Setting relay transport for %s on %s (setup=%s)", self.conference.room, session.relay_id,
                 other.jid, setup)
        self._fire(other.jid, request, "Relay.setTransport")

    # removal -------------------------------------------------------------------------------------
    def remove(self, occupant):
        """removeParticipant."""
        participant = self.participants.pop(occupant, None)
        if participant is None or participant["bridge"] not in self.sessions:
            return
        session = self.sessions[participant["bridge"]]
        if participant["id"] in session.participants:
            session.participants.remove(participant["id"])
        bridge = self.state.bridges.get(session.jid)
        if bridge is not None:
            bridge.endpoints_removed()
        if not session.participants:
            log.info("%s: Removing session with no remaining participants: %s", self.conference.room, session.jid)
            self._remove_session(session)
            return
        request = self._request(session)
        ET.SubElement(request, q("endpoint"), id=participant["id"], expire="true")
        self._fire(session.jid, request, "expire(participantsToExpire)")
        for other in self.sessions.values():
            if other is not session and session.relay_id in other.relays:
                self._relay_endpoints(other, session.relay_id, [participant["id"]], expire=True)

    def _remove_session(self, session, tell_bridge=True):
        """removeSession: expire the conference on the bridge; the others expire their relay to it."""
        self.sessions.pop(session.jid, None)
        bridge = self.state.bridges.get(session.jid)
        if bridge is not None:
            bridge.endpoints_removed(len(session.participants))
        if tell_bridge:
            request = self._request(session)
            request.set("expire", "true")
            self._fire(session.jid, request, "expire")
        self.links = [link for link in self.links if session.relay_id not in link]
        for other in self.sessions.values():
            if other.relays.pop(session.relay_id, None) is not None:
                request = self._request(other)
                ET.SubElement(request, q("relay"), id=session.relay_id, expire="true")
                self._fire(other.jid, request, "expireRelays")

    def bridge_removed(self, jid):
        """removeBridge: the bridge left; its participants are allocated again (upstream re-invites them)."""
        session = self.sessions.get(jid)
        if session is None:
            return
        log.warning("%s: bridge %s is gone; moving %s", self.conference.room, jid, session.participants)
        self._remove_session(session, tell_bridge=False)
        for occupant, participant in list(self.participants.items()):
            if participant["bridge"] == jid:
                self.allocate(occupant, participant["id"], participant["region"])

    def expire(self):
        """ColibriSessionManager.expire: the conference ends, every session is expired."""
        for session in list(self.sessions.values()):
            request = self._request(session)
            request.set("expire", "true")
            self._fire(session.jid, request, "expire")
            bridge = self.state.bridges.get(session.jid)
            if bridge is not None:
                bridge.endpoints_removed(len(session.participants))
        self.sessions.clear()
        self.links = []

    # views ---------------------------------------------------------------------------------------
    def bridge_counts(self):
        return {jid: len(s.participants) for jid, s in self.sessions.items()}

    def test_state(self):
        return {
            "participants": {p["id"]: {"region": p["region"], "bridge": p["bridge"]}
                             for p in self.participants.values()},
            "bridges": {jid: {"region": s.region, "relay_id": s.relay_id} for jid, s in self.sessions.items()},
            "relays": [list(link) for link in self.links],
        }


__all__ = ["Allocations", "COLIBRI2"]
