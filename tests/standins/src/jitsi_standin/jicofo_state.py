"""What Jicofo knows about its bridges, and what its REST API answers (pure, unit-tested)."""


class JicofoState:
    def __init__(self, config, version):
        self.config = config
        self.version = version
        self.connected = False
        self.bridges = {}  # jid -> stats dict (region, conferences, participants, drain, ...)

    def update_bridge(self, jid, stats):
        self.bridges[jid] = stats

    def remove_bridge(self, jid):
        self.bridges.pop(jid, None)

    def operational(self):
        return {jid: s for jid, s in self.bridges.items() if not s.get("graceful_shutdown")}

    @property
    def healthy(self):
        return self.connected and bool(self.operational())

    def stats(self):
        bridges = [
            {"jid": jid, **stats} for jid, stats in sorted(self.bridges.items())
        ]
        operational = self.operational()
        return {
            "version": self.version,
            "xmpp_connected": self.connected,
            "region": self.config.region,
            "selection_strategy": self.config.selection_strategy,
            "bridge_count": len(self.bridges),
            "operational_bridge_count": len(operational),
            "bridge_selector": {
                "bridge_count": len(self.bridges),
                "operational_bridge_count": len(operational),
            },
            "bridges": bridges,
            "conferences": sum(int(b.get("conferences", 0)) for b in self.bridges.values()),
            "participants": sum(int(b.get("participants", 0)) for b in self.bridges.values()),
        }

    def handle(self, method, path, body):
        route = (method, path.split("?", 1)[0].rstrip("/") or "/")
        if route == ("GET", "/about/health"):
            if self.healthy:
                return 200, {}
            reason = "not connected to XMPP" if not self.connected else "no operational bridge"
            return 500, {"error": reason}
        if route == ("GET", "/about/version"):
            return 200, {"name": "Jicofo", "version": self.version, "os": "Linux"}
        if route == ("GET", "/stats"):
            return 200, self.stats()
        return 404, {"error": f"no route {route[0]} {route[1]}"}
