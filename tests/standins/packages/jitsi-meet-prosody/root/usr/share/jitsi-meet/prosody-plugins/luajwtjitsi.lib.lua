-- jitsi-meet-prosody stand-in @VERSION@: the JWT library current jitsi-meet bundles
-- (resources/prosody-plugins/luajwtjitsi.lib.lua @3dbf5948, loaded with module:require
-- "luajwtjitsi"), our own code with its API and its error strings: verify(token, expectedAlgo,
-- key, acceptedIssuers, acceptedAudiences) returns the claims or nil and the reason. Only the
-- HMAC algorithms are modelled (the toolkit configures app_secret, HS256); RS* is refused as
-- "Algorithm not supported". Like upstream's it needs lua-cjson, basexx and luaossl.
local cjson_safe = require "cjson.safe";
local basexx = require "basexx";
local hmac = require "openssl.hmac";

local digests = { HS256 = "sha256", HS384 = "sha384", HS512 = "sha512" };

local function segments(token)
	local found = {};
	for part in token:gmatch("[^.]+") do found[#found + 1] = part; end
	return found;
end

local function accepted(claim, list)
	for _, value in ipairs(list) do
		if value == "*" or value == claim then return true; end
	end
	return false;
end

local M = {};

function M.verify(token, expectedAlgo, key, acceptedIssuers, acceptedAudiences)
	if type(token) ~= "string" then return nil, "token argument must be string"; end
	if type(expectedAlgo) ~= "string" then return nil, "algorithm argument must be string"; end
	if type(key) ~= "string" then return nil, "key argument must be string"; end
	if acceptedIssuers ~= nil and type(acceptedIssuers) ~= "table" then
		return nil, "acceptedIssuers argument must be table";
	end
	if acceptedAudiences ~= nil and type(acceptedAudiences) ~= "table" then
		return nil, "acceptedAudiences argument must be table";
	end
	local digest = digests[expectedAlgo];
	if digest == nil then return nil, "Algorithm not supported"; end

	local parts = segments(token);
	if #parts ~= 3 then return nil, "Invalid token"; end
	local header = cjson_safe.decode(basexx.from_url64(parts[1]) or "");
	if type(header) ~= "table" then return nil, "Invalid header"; end
	local body = cjson_safe.decode(basexx.from_url64(parts[2]) or "");
	if type(body) ~= "table" then return nil, "Invalid body"; end
	local sig = basexx.from_url64(parts[3]);
	if sig == nil then return nil, "Invalid signature"; end

	if header.typ ~= "JWT" then return nil, "Invalid typ"; end
	if header.alg ~= expectedAlgo then return nil, "Invalid or incorrect alg"; end
	if hmac.new(key, digest):final(parts[1] .. "." .. parts[2]) ~= sig then
		return nil, "Invalid signature";
	end
	if body.exp and type(body.exp) ~= "number" then return nil, "exp must be number"; end
	if body.nbf and type(body.nbf) ~= "number" then return nil, "nbf must be number"; end
	if body.exp and os.time() >= body.exp then return nil, "Not acceptable by exp"; end
	if body.nbf and os.time() < body.nbf then return nil, "Not acceptable by nbf"; end
	if acceptedIssuers ~= nil then
		if body.iss == nil then return nil, "'iss' claim is missing"; end
		if not accepted(body.iss, acceptedIssuers) then return nil, "invalid 'iss' claim"; end
	end
	if acceptedAudiences ~= nil then
		if body.aud == nil then return nil, "'aud' claim is missing"; end
		if not accepted(body.aud, acceptedAudiences) then return nil, "invalid 'aud' claim"; end
	end
	return body;
end

return M;
