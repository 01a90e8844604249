-- jitsi-meet-prosody stand-in @VERSION@: authentication = "jitsi-anonymous", as jitsi-meet
-- mod_auth_jitsi-anonymous.lua @1c8216eb: SASL ANONYMOUS only (no password, no accounts), each
-- login gets a random UUID user name, except that a session opened with ?previd=<token>
-- (mod_jitsi_session) takes over the user name of the live session whose resumption token it is.
local new_sasl = require "util.sasl".new;
local sasl = require "util.sasl";
local generate_uuid = require "util.uuid".generate;

local provider = {};

function provider.test_password() return nil, "Password based auth not supported"; end
function provider.get_password() return nil; end
function provider.set_password() return nil, "Set password not supported"; end
function provider.user_exists() return nil; end
function provider.create_user() return nil; end
function provider.delete_user() return nil; end

function provider.get_sasl_handler(session)
	local function pick_username(self, message)
		if session.previd ~= nil then
			for _, other in pairs(prosody.full_sessions) do
				if other.resumption_token == session.previd then
					self.username = other.username;
					break;
				end
			end
		else
			self.username = message;
		end
		return true;
	end
	return new_sasl(module.host, { anonymous = pick_username });
end

module:provides("auth", provider);

-- The ANONYMOUS mechanism, with a fresh UUID unless the profile resumed a user name.
local function anonymous(self)
	local username = generate_uuid();
	local result, err, msg = self.profile.anonymous(self, username, self.realm);
	if result ~= true then return "failure", err, msg; end
	self.username = self.username or username;
	return "success";
end

sasl.registerMechanism("ANONYMOUS", { "anonymous" }, anonymous);
