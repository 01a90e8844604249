-- jitsi-meet-prosody stand-in @VERSION@: mod_client_proxy loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_client_proxy loaded");
