-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_end_conference.lua. One file, two roles:
-- on a VirtualHost with end_conference_component set (the old layout, @e57c7f92) it only announces
-- that component; as Component "endconference.<domain>" "end_conference" (docker-jitsi-meet
-- @2e6b31d8 layout) it needs muc_component and announces itself through features_identity.
-- A moderator's <end_conference/> message destroys the room, as upstream's on_message.
local util = module:require "util";

local end_conference_component = module:get_option_string("end_conference_component");
if end_conference_component then
	module:log("warn", "Please update your config by removing muc_end_conference module from "
		.. "the list of loaded modules in the main virtual host.");
	module:depends("features_identity");
	return;
end

module:depends("jitsi_session");

local muc_component_host = module:get_option_string("muc_component");
if muc_component_host == nil then
	module:log("error", "No muc_component specified. No muc to operate on!");
	return;
end

local main_virtual_host = module:get_option_string("muc_mapper_domain_base");
if not main_virtual_host then
	module:log("warn", 'No "muc_mapper_domain_base" option set, disabling end conference component.');
	return;
end

module:log("info", "Starting end_conference for %s", muc_component_host);

module:hook("message/host", function(event)
	local session, stanza = event.origin, event.stanza;
	if stanza.attr.type == "error" or not stanza:get_child("end_conference") then return; end
	if not session.jitsi_web_query_room then return false; end
	local room = util.get_room_from_jid(session.jitsi_web_query_room .. "@" .. muc_component_host);
	local occupant = room and room:get_occupant_by_real_jid(stanza.attr.from);
	if not occupant or occupant.role ~= "moderator" then
		module:log("warn", "Occupant %s is not moderator and not allowed this operation", stanza.attr.from);
		return false;
	end
	room:destroy(nil, "The meeting has been terminated");
	module:log("info", "Room %s destroyed by occupant %s", room.jid, stanza.attr.from);
	return true;
end);

util.announce_identity(main_virtual_host, "end_conference");
