-- jitsi-meet-prosody stand-in @VERSION@: `prosodyctl mod_roster_command subscribe <jid> <contact>`,
-- the one command jitsi-meet debian/jitsi-meet-prosody.postinst @01d1379f runs on every configure
-- (`subscribe focus.<domain> focus@auth.<domain>`). Like jitsi-meet's mod_roster_command
-- @1c8216eb, <contact>'s roster gets <jid> with a subscription from it, so Prosody sends focus's
-- presence to the client_proxy component; a bare host (a component) keeps no roster of its own.
-- Written for the stand-in; only `subscribe` is there.
if module.host ~= "*" then
	module:log("error", "mod_roster_command is a prosodyctl command, not a module to load");
	return;
end

local jid_split = require "util.jid".split;
local rostermanager = require "core.rostermanager";
local storagemanager = require "core.storagemanager";
local usermanager = require "core.usermanager";
local show_warning = require "util.prosodyctl".show_warning;

prosody.bare_sessions = prosody.bare_sessions or {};

local function open_host(host)
	local session = prosody.hosts[host];
	if session and session.users.name == "null" then
		storagemanager.initialize_host(host);
		usermanager.initialize_host(host);
	end
	return session;
end

local function subscribe(who, contact)
	local who_user, who_host = jid_split(who);
	local contact_user, contact_host = jid_split(contact);
	if not open_host(who_host) then
		show_warning("The host '%s' is not configured for this server.", who_host);
		return 0;
	end
	if who_user then
		rostermanager.set_contact_pending_out(who_user, who_host, contact);
	end
	if open_host(contact_host) then
		rostermanager.set_contact_pending_in(contact_user, contact_host, who);
		rostermanager.subscribed(contact_user, contact_host, who);
		if who_user then
			rostermanager.process_inbound_subscription_approval(who_user, who_host, contact);
		end
	end
	return 0;
end

function module.command(arg)
	if arg[1] == "subscribe" and arg[2] and arg[3] then
		return subscribe(arg[2], arg[3]);
	end
	show_warning("Usage: prosodyctl mod_roster_command subscribe <jid> <contact jid>");
	return 1;
end
