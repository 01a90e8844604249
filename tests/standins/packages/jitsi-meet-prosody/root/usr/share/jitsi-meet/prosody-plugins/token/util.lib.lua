-- jitsi-meet-prosody stand-in @VERSION@: token verification as jitsi-meet
-- resources/prosody-plugins/token/util.lib.lua @0c48e205 does it with luajwtjitsi's jwt.decode
-- (jitsi/luajwtjitsi luajwtjitsi.lua v2.0 @bc115519, the 2.0-0 rock): the same options (app_id,
-- app_secret, allow_empty_token, asap_accepted_issuers defaulting to { app_id },
-- asap_accepted_audiences defaulting to { "*" }, asap_require_room_claim defaulting to true), the
-- same checks in the same order and the same error strings. HS256 only; an asap_key_server
-- (public keys fetched over HTTP) is not modelled: the module refuses to start with it.
-- Like upstream's, it loads basexx and cjson.safe from Lua's own path, and luaossl's openssl.hmac
-- (which upstream's luajwtjitsi loads): a host without them cannot load mod_auth_token, as a real
-- one cannot (roles/jitsi_prosody/tasks/token_libs.yml installs them from Debian).
-- Not yet followed: current upstream bundles luajwtjitsi (prosody-plugins/luajwtjitsi.lib.lua,
-- module:require) and calls its jwt.verify(token, alg, key, issuers, audiences), whose reasons
-- differ ("invalid 'aud' claim", "Not acceptable by exp (N sec since expired)").
-- Loaded with module:require "token/util".
local basexx = require "basexx";
local json_safe = require "cjson.safe";
local hmac = require "openssl.hmac";
local jid = require "util.jid";

local Util = {};
Util.__index = Util;

function Util.new(module)
	local self = setmetatable({}, Util);
	self.appId = module:get_option_string("app_id");
	self.appSecret = module:get_option_string("app_secret");
	self.asapKeyServer = module:get_option_string("asap_key_server");
	self.allowEmptyToken = module:get_option_boolean("allow_empty_token");
	self.enableDomainVerification = module:get_option_boolean("enable_domain_verification", false);

	if self.allowEmptyToken == true then
		module:log("warn", "WARNING - empty tokens allowed");
	end
	if self.appId == nil then
		module:log("error", "'app_id' must not be empty");
		return nil;
	end
	if self.appSecret == nil and self.asapKeyServer == nil then
		module:log("error", "'app_secret' or 'asap_key_server' must be specified");
		return nil;
	end
	if self.asapKeyServer ~= nil then
		module:log("error", "stand-in: asap_key_server is not modelled, only app_secret (HS256)");
		return nil;
	end
	self.acceptedIssuers = module:get_option_array("asap_accepted_issuers", { self.appId });
	self.acceptedAudiences = module:get_option_array("asap_accepted_audiences", { "*" });
	self.requireRoomClaim = module:get_option_boolean("asap_require_room_claim", true);
	return self;
end

-- luajwtjitsi M.decode(data, key, verify=true), for HS256: a token is three dot-separated
-- base64url parts, header and body JSON objects.
local function decode(data, key)
	if type(data) ~= "string" then return nil, "Argument #1 must be string"; end
	if type(key) ~= "string" then return nil, "Argument #2 must be string"; end
	local headerb64, bodyb64, sigb64 = data:match("^([^.]*)%.([^.]*)%.(.*)$");
	if headerb64 == nil then return nil, "Invalid token"; end
	local header = json_safe.decode(basexx.from_url64(headerb64) or "");
	local body = json_safe.decode(basexx.from_url64(bodyb64) or "");
	local sig = basexx.from_url64(sigb64);
	if type(header) ~= "table" or type(body) ~= "table" or sig == nil then
		return nil, "Invalid json";
	end
	if not header.typ or header.typ ~= "JWT" then return nil, "Invalid typ"; end
	if not header.alg or type(header.alg) ~= "string" then return nil, "Invalid alg"; end
	if body.exp and type(body.exp) ~= "number" then return nil, "exp must be number"; end
	if body.nbf and type(body.nbf) ~= "number" then return nil, "nbf must be number"; end
	if header.alg ~= "HS256" then return nil, "Algorithm not supported"; end
	if sig ~= hmac.new(key, "sha256"):final(headerb64 .. "." .. bodyb64) then
		return nil, "Invalid signature";
	end
	if body.exp and os.time() >= body.exp then return nil, "Not acceptable by exp"; end
	if body.nbf and os.time() < body.nbf then return nil, "Not acceptable by nbf"; end
	return body;
end

function Util:verify_issuer(issClaim, acceptedIssuers)
	for _, iss in ipairs(acceptedIssuers or self.acceptedIssuers) do
		if issClaim == iss then return true; end
	end
	return nil, "Invalid issuer ('iss' claim)";
end

function Util:verify_audience(audClaim)
	for _, aud in ipairs(self.acceptedAudiences) do
		if aud == "*" or audClaim == aud then return true; end
	end
	return nil, "Invalid audience ('aud' claim)";
end

function Util:verify_token(token, secret, acceptedIssuers)
	local claims, err = decode(token, secret);
	if claims == nil then return nil, err; end
	local alg = claims["alg"];
	if alg ~= nil and (alg == "none" or alg == "") then return nil, "'alg' claim must not be empty"; end
	if claims["iss"] == nil then return nil, "'iss' claim is missing"; end
	local issCheck, issCheckErr = self:verify_issuer(claims["iss"], acceptedIssuers);
	if issCheck == nil then return nil, issCheckErr; end
	if self.requireRoomClaim and claims["room"] == nil then return nil, "'room' claim is missing"; end
	if claims["aud"] == nil then return nil, "'aud' claim is missing"; end
	local audCheck, audCheckErr = self:verify_audience(claims["aud"]);
	if audCheck == nil then return nil, audCheckErr; end
	return claims;
end

-- Returns true, or false, "not-allowed" and the reason; binds the token's claims to the session.
function Util:process_and_verify_token(session, acceptedIssuers)
	if session.auth_token == nil then
		if self.allowEmptyToken then return true; end
		return false, "not-allowed", "token required";
	end
	local claims, msg = self:verify_token(session.auth_token, self.appSecret, acceptedIssuers);
	if claims == nil then return false, "not-allowed", msg; end
	session.jitsi_meet_room = claims["room"];
	session.jitsi_meet_domain = claims["sub"];
	if type(claims["context"]) == "table" then
		session.jitsi_meet_context_user = claims["context"]["user"];
		session.jitsi_meet_context_group = claims["context"]["group"];
		session.jitsi_meet_context_features = claims["context"]["features"];
	end
	return true;
end

-- The room a verified token allows (without enable_domain_verification, as the toolkit writes it):
-- a session without a room claim is let through (Jicofo checks who may create rooms).
function Util:verify_room(session, room_address)
	if self.allowEmptyToken and session.auth_token == nil then return true; end
	local room = jid.split(room_address);
	if room == nil then return true; end
	local auth_room = session.jitsi_meet_room;
	if self.enableDomainVerification then
		module:log("error", "stand-in: enable_domain_verification is not modelled");
		return false;
	end
	if auth_room and room ~= string.lower(auth_room) and auth_room ~= "*" then return false; end
	return true;
end

return Util;
