-- jitsi-meet-prosody stand-in @VERSION@: mod_muc_size loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_muc_size loaded");
