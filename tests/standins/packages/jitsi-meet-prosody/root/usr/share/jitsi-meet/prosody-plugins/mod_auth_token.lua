-- jitsi-meet-prosody stand-in @VERSION@: authentication = "token", as jitsi-meet
-- resources/prosody-plugins/mod_auth_token.lua @489af0c7: the token comes from the BOSH or
-- websocket URL (?token=, or an "Authorization: Bearer" header, which the query overrides), is
-- verified by token/util.lib.lua on SASL ANONYMOUS (the only mechanism: no passwords, no
-- accounts), and a refusal is logged as upstream logs it ("Error verifying token err:%s,
-- reason:%s", the reason naming the check: "Invalid signature", "Not acceptable by exp",
-- "invalid 'aud' claim", ...) and answered with SASL not-allowed and that reason.
local formdecode = require "util.http".formdecode;
local generate_uuid = require "util.uuid".generate;
local new_sasl = require "util.sasl".new;
local sasl = require "util.sasl";
local token_util = module:require "token/util".new(module);
local sessions = prosody.full_sessions;

-- no token configuration
if token_util == nil then
	return;
end

local provider = {};
local host = module.host;

local function init_session(event)
	local session, request = event.session, event.request;
	local query = request.url.query;
	local token = nil;
	local authorization = request.headers["authorization"];
	if authorization then
		token = authorization:sub(8, #authorization); -- "Bearer <token>"
	end
	if query ~= nil then
		local params = formdecode(query);
		if params and params.token then
			token = params.token;
		end
		session.previd = params and params.previd or nil;
		session.jitsi_web_query_room = params and params.room;
		session.jitsi_web_query_prefix = params and params.prefix or "";
	end
	session.auth_token = token;
	session.user_agent_header = request.headers["user_agent"];
end

module:hook_global("bosh-session", init_session);
module:hook_global("websocket-session", init_session);

function provider.test_password() return nil, "Password based auth not supported"; end
function provider.get_password() return nil; end
function provider.set_password() return nil, "Set password not supported"; end
function provider.user_exists() return nil; end
function provider.create_user() return nil; end
function provider.delete_user() return nil; end

function provider.get_sasl_handler(session)
	local function get_username_from_token(self, message)
		local res, error, reason = token_util:process_and_verify_token(session);
		if res == false then
			module:log("warn", "Error verifying token err:%s, reason:%s", error, reason);
			session.auth_token = nil;
			return res, error, reason;
		end
		local customUsername = prosody.events.fire_event("pre-jitsi-authentication", session);
		if customUsername then
			self.username = customUsername;
		elseif session.previd ~= nil then
			for _, other in pairs(sessions) do
				if other.resumption_token == session.previd then
					self.username = other.username;
					break;
				end
			end
		else
			self.username = message;
		end
		return res;
	end
	return new_sasl(host, { anonymous = get_username_from_token });
end

module:provides("auth", provider);

local function anonymous(self)
	local username = generate_uuid();
	local result, err, msg = self.profile.anonymous(self, username, self.realm);
	if result == true then
		if self.username == nil then self.username = username; end
		return "success";
	end
	return "failure", err, msg;
end

sasl.registerMechanism("ANONYMOUS", { "anonymous" }, anonymous);
