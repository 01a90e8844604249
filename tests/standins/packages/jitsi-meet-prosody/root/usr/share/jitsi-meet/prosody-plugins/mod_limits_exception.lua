-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_limits_exception.lua @08b29d54, on the auth
-- VirtualHost: after login, the accounts in unlimited_jids (inherited from the global section)
-- lose the mod_limits rate limit and get a stanza size limit of unlimited_size (default 10 MB).
local unlimited_jids = module:get_option_inherited_set("unlimited_jids", {});
local unlimited_size = module:get_option_number("unlimited_size", 10 * 1024 * 1024);

if unlimited_jids:empty() then
	return;
end

module:hook("authentication-success", function(event)
	local session = event.session;
	local jid = session.username .. "@" .. session.host;
	if not unlimited_jids:contains(jid) then return; end
	if session.conn and session.conn.setlimit then
		session.conn:setlimit(0);
	elseif session.throttle then
		session.throttle = nil;
	end
	if unlimited_size and session.stream.set_stanza_size_limit then
		module:log("info", "Setting stanza size limits for %s to %s", jid, unlimited_size);
		session.stream:set_stanza_size_limit(unlimited_size);
	end
end);
