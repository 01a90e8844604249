-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_jitsi_session.lua @0eab4774 (global): copies
-- the BOSH/websocket URL parameters into the session: previd (session resumption, read by
-- mod_auth_jitsi-anonymous), room and prefix (the room the web client is in; the components
-- look the room up from them). And, as upstream's newer form of the file does (the one that also
-- takes the token from an Authorization header with `accept_token_from_query`; the search store
-- holds it without a commit hash), the participant's region from the proxy's header
-- (`region_header_name`, default x_proxy_region: Prosody's name for X-Proxy-Region);
-- mod_muc_meeting_id puts it in the participant's presence for Jicofo.
module:set_global();

local http = require "util.http";
local region_header_name = module:get_option_string("region_header_name", "x_proxy_region");

local function init_session(event)
	local session, query = event.session, event.request.url.query;
	session.user_region = event.request.headers[region_header_name];
	if query == nil then return; end
	local params = http.formdecode(query);
	session.previd = params.previd;
	session.jitsi_web_query_room = http.urlencode(params.room);
	session.jitsi_web_query_prefix = http.urlencode(params.prefix) or "";
end

module:hook_global("bosh-session", init_session);
module:hook_global("websocket-session", init_session);
