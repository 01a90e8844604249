-- jitsi-meet-prosody stand-in @VERSION@: the token's room claim checked on MUC create and join, as
-- jitsi-meet resources/prosody-plugins/mod_token_verification.lua @10f7c81e (loaded on the
-- conference MUC; the token settings are read from the parent host, <muc>.<domain> -> <domain>):
-- admins (focus) pass, a session without a room claim passes (Jicofo decides who creates rooms),
-- a mismatch is logged and answered with not-allowed "Room and token mismatched".
-- token_verification_allowlist and the moderation option are not modelled.
local st = require "util.stanza";
local um_is_admin = require "core.usermanager".is_admin;

local host = module.host;
local parentHostName = string.gmatch(tostring(host), "%w+.(%w.+)")();
if parentHostName == nil then
	module:log("error", "Failed to start - unable to get parent hostname");
	return;
end
local parentCtx = module:context(parentHostName);
local token_util = module:require "token/util".new(parentCtx);
if token_util == nil then
	return;
end

local function verify_user(session, stanza)
	local user_jid = stanza.attr.from;
	if um_is_admin(user_jid, host) then
		return true;
	end
	local res, err, reason = token_util:verify_room(session, stanza.attr.to);
	if not res then
		if not err and not reason then
			reason = "Room and token mismatched";
		end
		module:log("error", "User %s not allowed to join: %s token room: %s err: %s reason: %s",
			user_jid, tostring(stanza.attr.to), tostring(session.jitsi_meet_room), err, reason);
		local response = st.error_reply(stanza, "cancel", "not-allowed", reason);
		if err then
			response:tag(err, { xmlns = "http://jitsi.org/jitmeet" });
		end
		session.send(response);
		return false;
	end
	return true;
end

module:hook("muc-room-pre-create", function(event)
	if not verify_user(event.origin, event.stanza) then return true; end
end, 99);

module:hook("muc-occupant-pre-join", function(event)
	if not verify_user(event.origin, event.stanza) then return true; end
end, 99);
