-- jitsi-meet-prosody stand-in @VERSION@: Component "metadata.<domain>" "room_metadata_component", as
-- jitsi-meet mod_room_metadata_component.lua @0418a5ea: needs muc_component (an error and nothing
-- else without it) and muc_mapper_domain_base (a warning), pulls in external_services and
-- Prosody 13's module namespace (require "prosody.util.datetime", as upstream: on a Prosody
-- without it the module fails to load, as upstream's does), gives every room of the conference
-- and breakout_rooms_component MUCs a jitsiMetadata table and announces 'room_metadata'.
-- Metadata messages are not modelled.
local util = module:require "util";
require "prosody.util.datetime";
module:depends("external_services");

local muc_component_host = module:get_option_string("muc_component");
if muc_component_host == nil then
	module:log("error", "No muc_component specified. No muc to operate on!");
	return;
end

local main_virtual_host = module:get_option_string("muc_mapper_domain_base");
if not main_virtual_host then
	module:log("warn", "No muc_mapper_domain_base option set.");
	return;
end

local breakout_rooms_component_host = module:get_option_string("breakout_rooms_component");

module:log("info", "Starting room metadata for %s", muc_component_host);

local function room_created(event)
	if util.is_healthcheck_room(event.room.jid) then return; end
	event.room.jitsiMetadata = event.room.jitsiMetadata or {};
end

for _, host in ipairs({ muc_component_host, breakout_rooms_component_host }) do
	util.process_muc_loaded(host, function(_, host_module)
		module:log("info", "Hook to muc events on %s", host);
		host_module:hook("muc-room-created", room_created, -1);
	end);
end

util.announce_identity(main_virtual_host, "room_metadata");
