-- jitsi-meet-prosody stand-in @VERSION@: Component "polls.<domain>" "polls_component" (docker-jitsi-meet
-- @2e6b31d8 configures it with no option), as jitsi-meet mod_polls_component.lua @026a25d0: it loads
-- mod_muc on its own host (module:depends("muc")), needs muc_mapper_domain_base (a warning and
-- nothing else without it), keeps room.polls in the conference and breakout MUCs
-- (muc_mapper_domain_prefix, default "conference") and announces 'polls'. Poll messages are not
-- modelled.
local util = module:require "util";
module:depends("muc");

local main_virtual_host = module:get_option_string("muc_mapper_domain_base");
if not main_virtual_host then
	module:log("warn", "No muc_mapper_domain_base option set.");
	return;
end
local muc_domain_prefix = module:get_option_string("muc_mapper_domain_prefix", "conference");

local function setup_muc_component(host_module)
	host_module:hook("muc-room-created", function(event)
		if util.is_healthcheck_room(event.room.jid) then return; end
		event.room.polls = { by_id = {}; order = {}; count = 0; };
	end);
end

util.process_host_module(muc_domain_prefix .. "." .. main_virtual_host, setup_muc_component);
util.process_host_module("breakout." .. main_virtual_host, setup_muc_component);
util.announce_identity(main_virtual_host, "polls");
