"""A browser's XMPP steps over BOSH, run inside a container with Debian's python3 (stdlib only).

  python3 bosh_client.py <json steps, or a list of them run in order>

jitsi-meet connects to https://<domain>/http-bind?room=<room>[&token=<jwt>] (lib-jitsi-meet's
connection options builder appends room= and token=), logs in with SASL ANONYMOUS (guests, tokens)
or PLAIN (accounts), binds, sends the conference IQ to focus.<domain> and joins the MUC. The
argument is one JSON object: {"url", "domain" (the XMPP host logged in on), "muc" (conference
domain), "room", "token"?, "user"?, "password"?, "nick"?, "join": bool, "conference": bool (false:
join the MUC without asking focus first; default true)}. Prints one JSON object:
{"login": "success" | "failure", "condition", "text", "conference": {"type", "condition", "text",
"ready", "attrs"}, "joined": bool, "join_error"}. A password is read from the JSON only, never printed.
"""

import base64
import json
import random
import ssl
import sys
import time
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

BOSH = "http://jabber.org/protocol/httpbind"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
CLIENT = "jabber:client"
FOCUS = "http://jitsi.org/protocol/focus"
MUC = "http://jabber.org/protocol/muc"
MUC_USER = MUC + "#user"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


class Bosh:
    def __init__(self, url, domain, wait=10):
        self.url, self.domain, self.wait = url, domain, wait
        self.rid = random.randint(1_000_000, 9_000_000)
        self.sid = None
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE
        self.inbox = []

    def post(self, children="", **attrs):
        self.rid += 1
        attrs = {"rid": str(self.rid), **({"sid": self.sid} if self.sid else {}), **attrs}
        head = " ".join(f"{k}='{v}'" for k, v in attrs.items())
        body = f"<body xmlns='{BOSH}' xmlns:xmpp='urn:xmpp:xbosh' {head}>{children}</body>"
        request = urllib.request.Request(self.url, data=body.encode(), method="POST",
                                         headers={"Content-Type": "text/xml; charset=utf-8"})
        with urllib.request.urlopen(request, context=self.context, timeout=self.wait + 20) as response:
            answer = ET.fromstring(response.read())
        if answer.get("type") == "terminate":
            raise ConnectionError(f"BOSH session terminated: {answer.get('condition')}")
        self.inbox.extend(list(answer))
        return answer

    def open(self):
        answer = self.post(to=self.domain, ver="1.6", wait=str(self.wait), hold="1",
                           **{"xml:lang": "en", "xmpp:version": "1.0", "content": "text/xml; charset=utf-8"})
        self.sid = answer.get("sid")

    def restart(self):
        self.post(to=self.domain, **{"xml:lang": "en", "xmpp:restart": "true"})

    def next(self, match, timeout=30):
        """The first received element match() accepts, polling until timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for element in self.inbox:
                if match(element):
                    self.inbox.remove(element)
                    return element
            if time.monotonic() > deadline:
                return None
            self.post()


def _error(element):
    error = element.find(f"{{{CLIENT}}}error")
    if error is None:
        return None, None
    condition = next((child.tag.split("}")[1] for child in error if child.tag.startswith(f"{{{STANZAS}}}")
                      and not child.tag.endswith("}text")), None)
    text = error.find(f"{{{STANZAS}}}text")
    return condition, None if text is None else text.text


def run(steps):
    query = {"room": steps["room"]}
    if steps.get("token"):
        query["token"] = steps["token"]
    bosh = Bosh(f"{steps['url']}?{urllib.parse.urlencode(query)}", steps["domain"])
    result = {"login": None, "condition": None, "text": None, "conference": None, "joined": False,
              "join_error": None}
    bosh.open()
    if steps.get("user"):
        secret = base64.b64encode(f"\0{steps['user']}\0{steps['password']}".encode()).decode()
        auth = f"<auth xmlns='{SASL}' mechanism='PLAIN'>{secret}</auth>"
    else:
        auth = f"<auth xmlns='{SASL}' mechanism='ANONYMOUS'/>"
    bosh.post(auth)
    answer = bosh.next(lambda e: e.tag in (f"{{{SASL}}}success", f"{{{SASL}}}failure"))
    if answer is None or answer.tag == f"{{{SASL}}}failure":
        result["login"] = "failure"
        if answer is not None:
            result["condition"] = next((c.tag.split("}")[1] for c in answer if not c.tag.endswith("}text")), None)
            text = answer.find(f"{{{SASL}}}text")
            result["text"] = None if text is None else text.text
        return result
    result["login"] = "success"
    bosh.restart()
    bosh.post(f"<iq xmlns='{CLIENT}' type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
    bind = bosh.next(lambda e: e.get("id") == "bind")
    jid = bind.find(".//{urn:ietf:params:xml:ns:xmpp-bind}jid").text
    result["jid"] = jid
    room_jid = f"{steps['room']}@{steps['muc']}"
    if steps.get("conference", True) is False:
        return _join(bosh, room_jid, steps, result)
    focus = "focus." + steps["muc"].split(".", 1)[1]
    bosh.post(f"<iq xmlns='{CLIENT}' type='set' id='conf' to='{focus}'><conference xmlns='{FOCUS}' "
              f"room='{room_jid}' machine-uid='{uuid.uuid4().hex}'/></iq>")
    reply = bosh.next(lambda e: e.get("id") == "conf", timeout=40)
    if reply is None:
        result["conference"] = {"type": "timeout"}
        return result
    condition, text = _error(reply)
    conference = reply.find(f"{{{FOCUS}}}conference")
    result["conference"] = {"type": reply.get("type"), "condition": condition, "text": text,
                            "ready": None if conference is None else conference.get("ready"),
                            "attrs": {} if conference is None else dict(conference.attrib)}
    if not steps.get("join") or reply.get("type") != "result":
        return result
    return _join(bosh, room_jid, steps, result)


def _join(bosh, room_jid, steps, result):
    nick = steps.get("nick") or uuid.uuid4().hex[:8]
    bosh.post(f"<presence xmlns='{CLIENT}' to='{room_jid}/{nick}'><x xmlns='{MUC}'/></presence>")
    own = bosh.next(lambda e: e.tag == f"{{{CLIENT}}}presence" and e.get("from") == f"{room_jid}/{nick}",
                    timeout=40)
    if own is None:
        result["join_error"] = "timeout"
    elif own.get("type") == "error":
        result["join_error"] = _error(own)[0]
    else:
        result["joined"] = True
    return result


if __name__ == "__main__":
    # A list runs in one process, one client after the other: each earlier client stays in its room
    # (Prosody keeps a BOSH session for a minute without requests), as participants of a meeting do.
    STEPS = json.loads(sys.argv[1])
    print(json.dumps([run(s) for s in STEPS] if isinstance(STEPS, list) else run(STEPS)))
