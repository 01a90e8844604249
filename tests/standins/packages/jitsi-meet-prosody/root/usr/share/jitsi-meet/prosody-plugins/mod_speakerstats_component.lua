-- jitsi-meet-prosody stand-in @VERSION@: mod_speakerstats_component loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_speakerstats_component loaded");
