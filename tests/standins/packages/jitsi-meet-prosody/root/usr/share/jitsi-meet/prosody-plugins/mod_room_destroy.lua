-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_room_destroy.lua (a dependency of
-- mod_muc_breakout_rooms, see mod_muc_breakout_rooms.lua @006cb1ef). Handles the global
-- 'maybe-destroy-room' event: the room is destroyed unless a handler at a higher priority
-- (breakout rooms still occupied) stopped the event.
module:hook_global("maybe-destroy-room", function(event)
	local room = event.room;
	module:log("info", "Destroying room %s (%s, asked by %s)", room.jid, event.reason, event.caller);
	room:set_persistent(false);
	room:destroy(nil, event.reason);
	return true;
end, -100);
