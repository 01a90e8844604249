-- jitsi-meet-prosody stand-in @VERSION@: mod_conference_duration_component loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_conference_duration_component loaded");
