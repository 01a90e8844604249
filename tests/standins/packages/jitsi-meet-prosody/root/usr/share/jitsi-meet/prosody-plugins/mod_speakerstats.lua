-- jitsi-meet-prosody stand-in @VERSION@: mod_speakerstats loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_speakerstats loaded");
