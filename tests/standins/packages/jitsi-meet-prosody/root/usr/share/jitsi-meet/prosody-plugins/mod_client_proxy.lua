-- jitsi-meet-prosody stand-in @VERSION@: Component "focus.<domain>" "client_proxy", routing as
-- jitsi-meet mod_client_proxy.lua @2a952eb4:
-- * it tracks target_address's available resources from the presence the target sends to the
--   component (the roster subscription the package postinst creates makes Prosody send it; the
--   module also asks for it with a subscribe at load);
-- * an iq get/set from anyone else goes to a random known resource, the sender NAT-ed into the
--   resource (from = focus.<domain>/<sender full JID>), or gets cancel/service-unavailable while
--   no resource is known;
-- * the target's result/error iqs to focus.<domain>/<jid> are de-NAT-ed back to <jid>;
-- * messages get feature-not-implemented, presence from others bad-request.
if module:get_host_type() ~= "component" then
	error("proxy_component should be loaded as component", 0);
end

local jid_split = require "util.jid".split;
local jid_bare = require "util.jid".bare;
local jid_prep = require "util.jid".prep;
local st = require "util.stanza";
local array = require "util.array";

local target_address = module:get_option_string("target_address");
local sessions = array{}; -- resources of target_address seen available

local function index_of(resource)
	for i, r in ipairs(sessions) do
		if r == resource then return i; end
	end
end

local function target_presence(stanza)
	local _, _, resource = jid_split(stanza.attr.from);
	local kind = stanza.attr.type;
	if kind == "error" then
		sessions = array{};
	elseif kind == "unavailable" then
		local i = index_of(resource);
		if i then table.remove(sessions, i); end
	elseif kind == nil and not index_of(resource) then
		module:log("debug", "registered new target session: %s", resource);
		sessions:push(resource);
	end
end

local function from_target(stanza)
	if stanza.name == "iq" and (stanza.attr.type == "result" or stanza.attr.type == "error") then
		local _, _, natted = jid_split(stanza.attr.to);
		local to = jid_prep(natted);
		if not to then return; end
		stanza.attr.from, stanza.attr.to = module:get_host(), to;
		module:send(stanza);
	elseif stanza.name == "iq" or stanza.name == "message" then
		module:send(st.error_reply(stanza, "cancel", "feature-not-implemented"));
	end
end

local function to_target(stanza)
	local kind = stanza.attr.type;
	if stanza.name == "presence" then
		if kind ~= "error" then module:send(st.error_reply(stanza, "cancel", "bad-request")); end
	elseif stanza.name == "iq" then
		if kind ~= "get" and kind ~= "set" then return; end
		if #sessions == 0 then
			module:log("debug", "no sessions to send to!");
			module:send(st.error_reply(stanza, "cancel", "service-unavailable"));
			return;
		end
		stanza.attr.from = module:get_host() .. "/" .. stanza.attr.from;
		stanza.attr.to = target_address .. "/" .. sessions:random();
		module:send(stanza);
	elseif stanza.name == "message" then
		module:send(st.error_reply(stanza, "cancel", "feature-not-implemented"));
	end
end

local function stanza_handler(event)
	local stanza = event.stanza;
	local _, _, to_resource = jid_split(stanza.attr.to);
	if jid_bare(stanza.attr.from) ~= target_address then
		to_target(stanza);
	elseif to_resource then
		from_target(stanza);
	elseif stanza.name == "presence" then
		target_presence(stanza);
	else
		module:send(st.error_reply(stanza, "cancel", "bad-request"));
	end
	return true;
end

for _, kind in ipairs({ "iq", "message", "presence" }) do
	for _, to in ipairs({ "bare", "full", "host" }) do
		module:hook(kind .. "/" .. to, stanza_handler, -1);
	end
end

module:log("info", "loaded proxy on %s for %s", module:get_host(), tostring(target_address));
module:send(st.presence({ type = "subscribe"; to = target_address; from = module:get_host(); }));
