-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_muc_hide_all.lua @1c8216eb, on a MUC
-- component: every new room is hidden (not in disco#items), and a room's disco#info is answered
-- only to its occupants (others get auth/forbidden).
local jid = require "util.jid";
local st = require "util.stanza";
local util = module:require "util";

module:hook("muc-room-pre-create", function(event)
	event.room:set_hidden(true);
end, -1);

for _, event_name in ipairs({ "iq-get/bare/http://jabber.org/protocol/disco#info:query",
		"iq-get/host/http://jabber.org/protocol/disco#info:query" }) do
	module:hook(event_name, function(event)
		local origin, stanza = event.origin, event.stanza;
		local room = util.get_room_from_jid(jid.bare(stanza.attr.to));
		if room and not room:get_occupant_by_real_jid(stanza.attr.from) then
			origin.send(st.error_reply(stanza, "auth", "forbidden"));
			return true;
		end
	end, 1);
end
