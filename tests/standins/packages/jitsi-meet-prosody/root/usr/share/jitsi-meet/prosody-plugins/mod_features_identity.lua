-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_features_identity.lua @1c8216eb. Loaded on
-- the main VirtualHost; the components fire 'jitsi-add-identity' on it and it announces them in the
-- host's disco#info (<identity category='component' type=NAME name=COMPONENT-HOST/>), which is how
-- clients and Jicofo find av_moderation, end_conference, speakerstats, polls, room_metadata.
module:hook("jitsi-add-identity", function(event)
	module:log("info", "Adding identity %s for host %s", event.name, event.host);
	module:add_identity("component", event.name, event.host);
end);
