-- jitsi-meet-prosody stand-in @VERSION@: mod_av_moderation_component loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_av_moderation_component loaded");
