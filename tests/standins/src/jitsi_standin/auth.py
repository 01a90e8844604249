"""Jicofo's authentication of conference requests (stand-in), as jicofo @7ebb13dc does it.

auth/AuthConfig.kt: `jicofo.authentication.enabled` false means type NONE; type XMPP builds an
XMPPDomainAuthAuthority, type JWT an ExternalJWTAuthority (the same with auto-login off, a
1-minute session lifetime and externalAuth=true), both on the domain `login-url`
(JicofoServices.createAuthenticationAuthority). AbstractAuthAuthority / XMPPDomainAuthAuthority:
a request whose sender's domain is login-url creates a session (it must carry machine-uid), a
request with a session-id must name a live session from the same machine. ConferenceIqHandler
.processExtensions: then, for a room that does not exist yet (and is no breakout room), a sender
without a session gets not-authorized "not authorized user domain". Session expiry (every 10 s,
authentication-lifetime) is not modelled: stand-in runs are shorter than any lifetime.
"""

import logging
import uuid
from dataclasses import dataclass

log = logging.getLogger("jitsi_standin.auth")


@dataclass
class AuthError:
    """An error reply (ErrorFactory): condition, text, and whether it carries <session-invalid/>."""
    condition: str
    text: str
    session_invalid: bool = False


def not_authorized(text):
    return AuthError("not-authorized", text)


@dataclass
class Session:
    machine_uid: str
    session_id: str
    identity: str
    room: str
    jid: str = None


class DomainAuthority:
    """XMPPDomainAuthAuthority (external=False) and ExternalJWTAuthority (external=True)."""

    def __init__(self, domain, external=False):
        self.domain = domain.lower()
        self.external = external
        self.sessions = {}  # session id -> Session

    def _session_for_jid(self, jid):
        return next((s for s in self.sessions.values() if s.jid == jid), None)

    def user_identity(self, jid):
        """AbstractAuthAuthority.getUserIdentity: the identity of the session bound to this full JID."""
        session = self._session_for_jid(jid)
        return session.identity if session else None

    def process(self, sender, room, session_id=None, machine_uid=None):
        """processAuthLocked: (error or None, {identity, session-id} to put on the answer)."""
        session = self.sessions.get(session_id) if session_id else None
        if session_id:  # verifySession
            if session is None:
                return AuthError("not-acceptable", "invalid session", session_invalid=True), {}
            if session.machine_uid != machine_uid:
                return AuthError("not-acceptable", "machine UID mismatch or empty"), {}
        bare = sender.split("/", 1)[0]
        domain = bare.split("@", 1)[-1].lower()
        if session is None and domain == self.domain:
            if not machine_uid:
                return AuthError("not-acceptable", "Missing mandatory attribute 'machine-uid'"), {}
            session = Session(machine_uid, str(uuid.uuid4()), bare, room)
            self.sessions[session.session_id] = session
            log.info("Authentication session created for %s SID: %s", bare, session.session_id)
        if session is None:
            return None, {}
        session.jid = sender  # authenticateJidWithSession
        log.info("Authenticated jid: %s with session: %s", sender, session.session_id)
        return None, {"identity": session.identity, "session-id": session.session_id}


def authority(settings):
    """JicofoServices.createAuthenticationAuthority for the parsed settings (None: type NONE)."""
    if settings is None:
        return None
    log.info("Starting authentication service with type=%s, loginUrl=%s.", settings.type, settings.login_url)
    return DomainAuthority(settings.login_url, external=settings.type == "JWT")


def check_request(auth, sender, room, room_exists, breakout_domain=None, session_id=None, machine_uid=None):
    """ConferenceIqHandler.processExtensions: (error or None, answer attributes, answer properties)."""
    if auth is None:
        return None, {}, {"authentication": "false"}
    properties = {"authentication": "true", "externalAuth": str(auth.external).lower()}
    if breakout_domain and room.split("@", 1)[-1] == breakout_domain:
        return None, {}, properties
    error, attributes = auth.process(sender, room, session_id, machine_uid)
    if error:
        return error, {}, properties
    if not room_exists and auth.user_identity(sender) is None:
        return not_authorized("not authorized user domain"), {}, properties
    return None, attributes, properties
