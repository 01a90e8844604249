-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_muc_meeting_id.lua @035b9309, on the
-- conference MUC:
-- * each new room gets a meetingId (UUID), shown as muc#roominfo_meetingId in the room's
--   disco#info and config form; only an admin (Jicofo) may overwrite it;
-- * "jicofo lock": until an occupant with nick "focus" joins, other joins are queued (and
--   replayed when focus joins), so nobody is in a room Jicofo has not set up;
-- * a joining participant's presence gets <jitsi_participant_region> from its session's
--   user_region (mod_jitsi_session, the proxy's X-Proxy-Region), unless the client sent one
--   (config.deploymentInfo.userRegion): Jicofo selects bridges by it.
local queue = require "util.queue";
local uuid_gen = require "util.uuid".generate;
local um_is_admin = require "core.usermanager".is_admin;
local util = module:require "util";

local function meeting_id_field(room)
	return { name = "muc#roominfo_meetingId"; type = "text-single"; label = "The meeting unique id.";
		value = room._data.meetingId or ""; };
end

module:hook("muc-room-created", function(event)
	if util.is_healthcheck_room(event.room.jid) then return; end
	event.room._data.meetingId = uuid_gen();
end);

module:hook("muc-disco#info", function(event) table.insert(event.form, meeting_id_field(event.room)); end);
module:hook("muc-config-form", function(event) table.insert(event.form, meeting_id_field(event.room)); end, 87);
module:hook("muc-config-submitted/muc#roominfo_meetingId", function(event)
	if um_is_admin(event.actor, module.host) then
		event.room._data.meetingId = event.value;
		return;
	end
	return true;
end, 99);

local function process_region(session, stanza)
	if not session.user_region or stanza:get_child_text("jitsi_participant_region") then return; end
	stanza:tag("jitsi_participant_region"):text(session.user_region):up();
end

module:hook("muc-occupant-pre-join", function(event)
	local occupant, room = event.occupant, event.room;
	if not um_is_admin(occupant.bare_jid, module.host) and not util.is_healthcheck_room(room.jid) then
		process_region(event.origin, event.stanza);
	end
	if room._data.jicofo_lock == false or util.is_healthcheck_room(room.jid) then return; end
	if util.ends_with(occupant.nick, "/focus") then
		module:fire_event("jicofo-unlock-room", { room = room; });
		return;
	end
	room._data.jicofo_lock = true;
	room.pre_join_queue = room.pre_join_queue or queue.new(500);
	if not room.pre_join_queue:push(event) then
		module:log("error", "Error enqueuing occupant event for: %s", occupant.nick);
	end
	return true;
end, 8);

module:hook("jicofo-unlock-room", function(event)
	local room = event.room;
	room._data.jicofo_lock = false;
	if not room.pre_join_queue then return; end
	for _, queued in room.pre_join_queue:items() do
		if queued.origin.conn then room:handle_normal_presence(queued.origin, queued.stanza); end
	end
	room.pre_join_queue = nil;
end);
