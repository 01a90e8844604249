-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_muc_breakout_rooms.lua @006cb1ef, on the main
-- VirtualHost: needs main_muc (an error and nothing else without it); breakout_rooms_muc defaults
-- to breakout.<host>; pulls in room_destroy and jitsi_session. Once mod_muc runs on the breakout
-- component it announces it (identity breakout_rooms, which Jicofo and clients look for) and, as
-- upstream, refuses to create any breakout room a moderator did not add first, and marks breakout
-- rooms in their disco#info. Adding/moving participants is not modelled.
module:depends("room_destroy");
local jid_split = require "util.jid".split;
local util = module:require "util";

local main_muc_component_config = module:get_option_string("main_muc");
if main_muc_component_config == nil then
	module:log("error", "breakout rooms not enabled missing main_muc config");
	return;
end
local breakout_rooms_muc_component_config = module:get_option_string("breakout_rooms_muc", "breakout." .. module.host);

module:depends("jitsi_session");

local main_rooms_map = {}; -- breakout room JID -> main room JID (filled when a moderator adds one)

local function main_room_of(room_jid)
	local _, host = jid_split(room_jid);
	local main_jid = host == main_muc_component_config and room_jid or main_rooms_map[room_jid];
	return main_jid and util.get_room_from_jid(main_jid), main_jid;
end

util.process_muc_loaded(breakout_rooms_muc_component_config, function(_, host_module)
	module:add_identity("component", "breakout_rooms", breakout_rooms_muc_component_config);
	module:log("info", "Hook to muc events on %s", breakout_rooms_muc_component_config);

	-- Only rooms a moderator added may exist (their random UUID names are the authorisation).
	host_module:hook("muc-room-pre-create", function(event)
		local room = event.room;
		local main_room, main_room_jid = main_room_of(room.jid);
		local subject = main_room and main_room._data.breakout_rooms and main_room._data.breakout_rooms[room.jid];
		if subject == nil then
			module:log("debug", "Invalid breakout room %s will not be created.", room.jid);
			room:destroy(main_room_jid, "Breakout room is invalid.");
			return true;
		end
		room:set_subject(room.jid, subject);
	end);

	host_module:hook("muc-disco#info", function(event)
		local _, main_room_jid = main_room_of(event.room.jid);
		table.insert(event.form, { name = "muc#roominfo_isbreakout"; label = "Is this a breakout room?"; type = "boolean"; });
		event.formdata["muc#roominfo_isbreakout"] = true;
		table.insert(event.form, { name = "muc#roominfo_breakout_main_room";
			label = "The main room associated with this breakout room"; });
		event.formdata["muc#roominfo_breakout_main_room"] = main_room_jid;
	end);
end);
