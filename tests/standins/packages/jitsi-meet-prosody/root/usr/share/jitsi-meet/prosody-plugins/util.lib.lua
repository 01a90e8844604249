-- jitsi-meet-prosody stand-in @VERSION@: the helpers the stand-in modules share, as jitsi-meet
-- resources/prosody-plugins/util.lib.lua does (process_host_module as in mod_muc_lobby_rooms.lua
-- @016607f0 and the modules that copy it). Loaded with module:require "util".
local jid = require "util.jid";

local function ends_with(s, suffix)
	return s ~= nil and s:sub(-#suffix) == suffix;
end

-- Jicofo's health-check rooms (room-name-prefix "__jicofo-health-check") are skipped by every module.
local function is_healthcheck_room(room_jid)
	return room_jid ~= nil and room_jid:find("^__jicofo%-health%-check") ~= nil;
end

local function presence_check_status(muc_x, code)
	if not muc_x then return false; end
	for status in muc_x:childtags("status") do
		if status.attr.code == code then return true; end
	end
	return false;
end

-- The room behind a MUC JID, on whichever MUC component hosts it.
local function get_room_from_jid(room_jid)
	local host = prosody.hosts[jid.host(room_jid) or ""];
	local muc = host and host.modules.muc;
	return muc and muc.get_room_from_jid(jid.bare(room_jid));
end

-- Runs callback(host_module, host) now if the host exists, else once it is activated.
local function process_host_module(name, callback)
	local function process_host(host)
		if host == name then callback(module:context(host), host); end
	end
	if prosody.hosts[name] == nil then
		module:log("debug", "No host/component found, will wait for it: %s", name);
		prosody.events.add_handler("host-activated", process_host);
	else
		process_host(name);
	end
end

-- Runs callback(muc_module, host_module) once mod_muc is loaded on that component.
local function process_muc_loaded(name, callback)
	process_host_module(name, function(host_module, host)
		local muc = prosody.hosts[host].modules.muc;
		if muc then return callback(muc, host_module); end
		prosody.hosts[host].events.add_handler("module-loaded", function(event)
			if event.module == "muc" then callback(prosody.hosts[host].modules.muc, host_module); end
		end);
	end);
end

-- How the components announce themselves (mod_av_moderation_component, mod_end_conference,
-- mod_polls_component, mod_room_metadata_component): 'jitsi-add-identity' fired on the main
-- VirtualHost, which mod_features_identity turns into a disco#info identity.
local function announce_identity(main_virtual_host, name)
	process_host_module(main_virtual_host, function(host_module)
		module:context(host_module.host):fire_event("jitsi-add-identity", { name = name; host = module.host; });
	end);
end

return {
	announce_identity = announce_identity;
	ends_with = ends_with;
	is_healthcheck_room = is_healthcheck_room;
	presence_check_status = presence_check_status;
	get_room_from_jid = get_room_from_jid;
	process_host_module = process_host_module;
	process_muc_loaded = process_muc_loaded;
};
