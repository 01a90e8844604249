-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_polls.lua @0e32a004, the older form loaded
-- on the conference MUC itself (the Debian example's layout): it needs mod_muc on its host and
-- keeps room.polls for each new room. Poll messages are not modelled; newer layouts use
-- polls_component instead.
local util = module:require "util";
module:depends("muc");

module:hook("muc-room-created", function(event)
	if util.is_healthcheck_room(event.room.jid) then return; end
	event.room.polls = { by_id = {}; order = {}; };
end);
