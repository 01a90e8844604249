-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_muc_filter_access.lua @2a952eb4, on the
-- brewery MUC: only senders whose domain is in muc_filter_whitelist may send presence (join);
-- any other presence is dropped with an error in the log. Without the option it warns and does
-- nothing (the MUC stays open).
local jid_split = require "util.jid".split;

local whitelist = module:get_option_set("muc_filter_whitelist");
if not whitelist then
	module:log("warn", "No 'muc_filter_whitelist' option set, disabling muc_filter_access, plugin inactive");
	return;
end

local function incoming_presence_filter(event)
	local stanza = event.stanza;
	local _, domain = jid_split(stanza.attr.from);
	if not stanza.attr.from or not whitelist:contains(domain) then
		module:log("error", "Filtering unauthorized presence: %s", stanza:top_tag());
		return true;
	end
end

for _, jid_type in ipairs({ "host", "bare", "full" }) do
	module:hook("presence/" .. jid_type, incoming_presence_filter, 2000);
end
