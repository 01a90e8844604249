-- jitsi-meet-prosody stand-in @VERSION@: Component "speakerstats.<domain>" "speakerstats_component",
-- as jitsi-meet mod_speakerstats_component.lua @014d768a: needs muc_component (else an error and
-- nothing else), hooks the conference MUC's room creation. Since mod_speakerstats became a stub
-- that pulls in features_identity (@1c8216eb), the component announces 'speakerstats' through it.
-- Stats themselves are not kept.
local util = module:require "util";

local muc_component_host = module:get_option_string("muc_component");
if muc_component_host == nil then
	module:log("error", "No muc_component specified. No muc to operate on!");
	return;
end

module:log("info", "Starting speakerstats for %s", muc_component_host);

util.process_host_module(muc_component_host, function(host_module, host)
	module:log("info", "Hook to muc events on %s", host);
	host_module:hook("muc-room-created", function(event)
		if not util.is_healthcheck_room(event.room.jid) then event.room.speakerStats = {}; end
	end, -1);
end);

local main_virtual_host = module:get_option_string("muc_mapper_domain_base");
if main_virtual_host then
	util.announce_identity(main_virtual_host, "speakerstats");
end
