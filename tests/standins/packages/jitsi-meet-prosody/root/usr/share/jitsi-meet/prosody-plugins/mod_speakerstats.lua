-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_speakerstats.lua @1c8216eb is a
-- deprecated stub: it warns and pulls in jitsi_session and features_identity; the work is in
-- Component "speakerstats.<domain>" "speakerstats_component".
module:log("warn", "mod_speakerstats is deprecated and will be removed in a future release. "
	.. "Please update your config by removing this module from the list of loaded modules.");
module:depends("jitsi_session");
module:depends("features_identity");
