-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_conference_duration_component.lua @1df3e746:
-- needs muc_component (an error and nothing else without it); tells each occupant, once there are
-- two, when the conference started (a json-message of type conference_duration).
local it = require "util.iterators";
local json = require "util.json";
local st = require "util.stanza";
local util = module:require "util";

local muc_component_host = module:get_option_string("muc_component");
if muc_component_host == nil then
	module:log("error", "No muc_component specified. No muc to operate on!");
	return;
end

module:log("info", "Starting conference duration timer for %s", muc_component_host);

util.process_host_module(muc_component_host, function(host_module, host)
	module:log("info", "Hook to muc events on %s", host);
	host_module:hook("muc-occupant-joined", function(event)
		local room = event.room;
		if it.count(room:each_occupant()) < 2 then return; end
		room.created_timestamp = room.created_timestamp or os.time() * 1000;
		local body = json.encode({ type = "conference_duration"; created_timestamp = room.created_timestamp; });
		room:route_stanza(st.message({ from = module.host; to = event.occupant.jid; })
			:tag("json-message", { xmlns = "http://jitsi.org/jitmeet" }):text(body):up());
	end, -1);
end);
