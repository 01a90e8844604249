"""Stand-ins for Jitsi's Java services, for offline tests and the lab (never product code)."""
