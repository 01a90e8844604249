-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_av_moderation.lua @1c8216eb is a
-- deprecated stub: it warns and pulls in jitsi_session and features_identity (the component
-- announces itself through the latter).
module:log("warn", "mod_av_moderation is deprecated and will be removed in a future release. "
	.. "Please update your config by removing this module from the list of loaded modules.");
module:depends("jitsi_session");
module:depends("features_identity");
