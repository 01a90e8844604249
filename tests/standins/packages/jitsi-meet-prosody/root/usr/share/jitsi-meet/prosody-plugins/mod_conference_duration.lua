-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_conference_duration.lua @1c8216eb, on the main
-- VirtualHost: needs main_muc (upstream's error text, copied from the lobby module, says "lobby"),
-- stamps created_timestamp when the second occupant joins, adds muc#roominfo_created_timestamp to
-- the room's disco#info, and still announces the deprecated conference_duration identity
-- (conference_duration_component, default conferenceduration.<host>).
local it = require "util.iterators";
local util = module:require "util";

local main_muc_component_config = module:get_option_string("main_muc");
if main_muc_component_config == nil then
	module:log("error", "lobby not enabled missing main_muc config");
	return;
end

util.process_host_module(main_muc_component_config, function(host_module)
	host_module:hook("muc-disco#info", function(event)
		table.insert(event.form, { name = "muc#roominfo_created_timestamp"; type = "text-single";
			label = "The meeting created_timestamp."; value = event.room.created_timestamp or ""; });
	end);
	host_module:hook("muc-occupant-joined", function(event)
		local room = event.room;
		if it.count(room:each_occupant()) > 1 and room.created_timestamp == nil then
			room.created_timestamp = string.format("%i", os.time() * 1000);
		end
	end, -1);
end);

local conference_duration_component
	= module:get_option_string("conference_duration_component", "conferenceduration." .. module.host);
module:add_identity("component", "conference_duration", conference_duration_component);
