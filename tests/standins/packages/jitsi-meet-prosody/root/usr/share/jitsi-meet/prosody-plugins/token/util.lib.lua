-- jitsi-meet-prosody stand-in @VERSION@: token verification as current jitsi-meet's
-- resources/prosody-plugins/token/util.lib.lua does it (the shape that calls the bundled
-- luajwtjitsi.lib.lua @3dbf5948 with jwt.verify(token, signature_algorithm, key, issuers,
-- audiences); read against @e103757f for verify_room and the older decode path): the same options
-- (app_id, app_secret, allow_empty_token, signature_algorithm defaulting to HS256 with
-- app_secret, asap_accepted_issuers defaulting to { app_id }, asap_accepted_audiences to { "*" },
-- asap_require_room_claim to true, enable_domain_verification to true), the same order of checks
-- and the same reasons. app_secret only: asap_key_server and cache_keys_url (public keys fetched
-- over HTTP) are not modelled, the module refuses to start with them.
-- Like upstream's it needs lua-cjson, basexx and luaossl (through luajwtjitsi): a host without
-- them cannot load mod_auth_token (roles/jitsi_prosody/tasks/token_libs.yml installs them).
-- Loaded with module:require "token/util".
local jwt = module:require "luajwtjitsi";
local jid = require "util.jid";

local Util = {};
Util.__index = Util;

function Util.new(module)
	local self = setmetatable({}, Util);
	self.appId = module:get_option_string("app_id");
	self.appSecret = module:get_option_string("app_secret");
	self.asapKeyServer = module:get_option_string("asap_key_server");
	self.cacheKeysUrl = module:get_option_string("cache_keys_url");
	self.signatureAlgorithm = module:get_option_string("signature_algorithm");
	self.allowEmptyToken = module:get_option_boolean("allow_empty_token");
	self.muc_domain_prefix = module:get_option_string("muc_mapper_domain_prefix", "conference");
	self.muc_domain_base = module:get_option_string("muc_mapper_domain_base");
	if self.muc_domain_base then
		self.muc_domain = module:get_option_string("muc_mapper_domain",
			self.muc_domain_prefix .. "." .. self.muc_domain_base);
	end
	-- Current upstream checks the token's sub (domain, tenant) against the room by default.
	self.enableDomainVerification = module:get_option_boolean("enable_domain_verification", true);

	if self.allowEmptyToken == true then
		module:log("warn", "WARNING - empty tokens allowed");
	end
	if self.appId == nil then
		module:log("error", "'app_id' must not be empty");
		return nil;
	end
	if self.appSecret == nil and self.asapKeyServer == nil and self.cacheKeysUrl == nil then
		module:log("error", "'app_secret', 'asap_key_server' or 'cacheKeysUrl' must be specified");
		return nil;
	end
	if self.asapKeyServer ~= nil or self.cacheKeysUrl ~= nil then
		module:log("error", "stand-in: asap_key_server/cache_keys_url are not modelled, only app_secret");
		return nil;
	end
	if self.signatureAlgorithm == nil then
		self.signatureAlgorithm = "HS256";
	end
	self.acceptedIssuers = module:get_option_array("asap_accepted_issuers", { self.appId });
	self.acceptedAudiences = module:get_option_array("asap_accepted_audiences", { "*" });
	self.requireRoomClaim = module:get_option_boolean("asap_require_room_claim", true);
	return self;
end

-- Returns true, or false, "not-allowed" and the reason; binds the token's claims to the session.
function Util:process_and_verify_token(session)
	if session.auth_token == nil then
		if self.allowEmptyToken then return true; end
		return false, "not-allowed", "token required";
	end
	local claims, msg = jwt.verify(session.auth_token, self.signatureAlgorithm, self.appSecret,
		self.acceptedIssuers, self.acceptedAudiences);
	if claims == nil then return false, "not-allowed", msg; end
	if self.requireRoomClaim and claims["room"] == nil then
		-- (upstream returns the reason in the second place here, as the error)
		return false, "'room' claim is missing";
	end
	session.jitsi_meet_room = claims["room"];
	session.jitsi_meet_domain = claims["sub"];
	session.jitsi_meet_auth_issuer = claims["iss"];
	if type(claims["context"]) == "table" then
		session.jitsi_meet_str_tenant = claims["context"]["tenant"];
		session.jitsi_meet_context_user = claims["context"]["user"];
		session.jitsi_meet_context_group = claims["context"]["group"];
		session.jitsi_meet_context_features = claims["context"]["features"];
	end
	return true;
end

-- "[tenant]room" (a tenant's room, /<tenant>/<room>) -> tenant, room; else nil.
local function extract_subdomain(room_node)
	return room_node:match("^%[([^%]]+)%](.+)$");
end

-- The room a verified token allows. Without domain verification only the room claim is checked
-- (a session without one passes: Jicofo checks who may create rooms); with it (upstream's
-- default) the room address must be the one the token's room and sub name.
function Util:verify_room(session, room_address)
	if self.allowEmptyToken and session.auth_token == nil then return true; end
	local room = jid.split(room_address);
	if room == nil then return true; end
	local auth_room = session.jitsi_meet_room;
	if not self.enableDomainVerification then
		if auth_room and room ~= string.lower(auth_room) and auth_room ~= "*" then return false; end
		return true;
	end

	local room_address_to_verify = jid.bare(room_address);
	local room_node = jid.node(room_address);
	local target_subdomain, target_room = extract_subdomain(room_node);
	local room_to_check;
	if auth_room == "*" then
		room_to_check = target_room or room_node;
	else
		room_to_check = auth_room;
	end
	if room_to_check == nil then return false; end
	local auth_domain = session.jitsi_meet_domain;
	if auth_domain == nil then return false; end
	if target_subdomain then
		local subdomain_to_check = auth_domain == "*" and target_subdomain or auth_domain;
		if not self.muc_domain_base then
			module:log("warn", "No 'muc_domain_base' option set, denying access!");
			return false;
		end
		return room_address_to_verify == jid.join(
			"[" .. string.lower(subdomain_to_check) .. "]" .. string.lower(room_to_check), self.muc_domain);
	end
	local domain_to_check = auth_domain == "*" and self.muc_domain
		or (self.muc_domain_prefix .. "." .. auth_domain);
	return room_address_to_verify == jid.join(string.lower(room_to_check), string.lower(domain_to_check));
end

return Util;
