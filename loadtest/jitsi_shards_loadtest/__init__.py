"""jitsi-shards-loadtest: synthetic jitsi-meet participants through the front door (issue 19)."""
