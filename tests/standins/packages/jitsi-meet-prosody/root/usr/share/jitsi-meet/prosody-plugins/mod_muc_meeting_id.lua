-- jitsi-meet-prosody stand-in @VERSION@: mod_muc_meeting_id loads cleanly and does nothing else.
module:log("info", "jitsi-shards stand-in mod_muc_meeting_id loaded");
