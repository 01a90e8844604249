-- jitsi-meet-prosody stand-in @VERSION@: mod_end_conference loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_end_conference loaded");
