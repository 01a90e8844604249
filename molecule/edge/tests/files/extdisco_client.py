"""A Jitsi Meet client's XEP-0215 step, run inside the container with Debian's python3-slixmpp.

Usage: python3 extdisco_client.py <domain>. Logs in with SASL ANONYMOUS as lib-jitsi-meet does
(<domain> is the guest host with secure_domain: guests need TURN as much as account holders),
checks that the server advertises urn:xmpp:extdisco:2, asks for the external services and
prints them as JSON: [{type, host, port, transport, username, password, expires}].
"""

import asyncio
import json
import ssl
import sys
import xml.etree.ElementTree as ET

import slixmpp

DOMAIN = sys.argv[1]
EXTDISCO = "urn:xmpp:extdisco:2"


class Client(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(DOMAIN, "", sasl_mech="ANONYMOUS")
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0030")
        self.started = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", lambda _: self.started.done() or self.started.set_result(True))


async def main():
    client = Client()
    client.connect(address=("127.0.0.1", 5222))
    await asyncio.wait_for(client.started, 20)
    info = await client["xep_0030"].get_info(jid=DOMAIN, timeout=10)
    features = [str(f) for f in info["disco_info"]["features"]]
    iq = client.make_iq_get(ito=DOMAIN)
    iq.append(ET.Element(f"{{{EXTDISCO}}}services"))
    reply = await iq.send(timeout=10)
    services = [dict(s.attrib) for s in reply.xml.iter(f"{{{EXTDISCO}}}service")]
    print(json.dumps({"advertised": EXTDISCO in features, "services": services}))
    client.disconnect()


asyncio.run(main())
