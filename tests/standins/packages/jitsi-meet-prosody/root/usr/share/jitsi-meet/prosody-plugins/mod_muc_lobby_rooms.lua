-- jitsi-meet-prosody stand-in @VERSION@: the lobby, as jitsi-meet mod_muc_lobby_rooms.lua @016607f0, on
-- the main VirtualHost with main_muc and lobby_muc (a missing one: an error naming it and nothing
-- else). What a client sees:
-- * the host's disco#info has <identity category='component' type='lobbyrooms' name=LOBBY_MUC/>;
-- * a moderator (not focus) submitting the room config with muc#roomconfig_membersonly=1 creates
--   <room>@<lobby_muc> (persistent while the lobby is on), adds status 104 and broadcasts a
--   json-message {type:'lobby-notify', event:'LOBBY-ENABLED'}; turning it off destroys it;
-- * a non-member joining the members-only room (not focus, not a muc_lobby_whitelist domain/JID,
--   no room password) without a display name gets modify/not-acceptable (code 406) with
--   <displayname-required xmlns='http://jitsi.org/jitmeet' lobby='true'/>; with one, auth/
--   registration-required (code 407) carrying <lobbyroom xmlns='http://jitsi.org/jitmeet'>JID</lobbyroom>
--   in <error>, a legacy namespace-less <lobbyroom> and <x xmlns='http://jabber.org/protocol/muc'/>;
-- * lobby affiliations mirror the main room's; a knocker sees only itself in the lobby room;
-- * a moderator admits someone with a mediated invite to the main room (Prosody's members-only
--   code makes the invitee a member); upstream then broadcasts LOBBY-ACCESS-GRANTED.
-- Not modelled: several invites/admin items in one stanza, password-less re-joins, the
-- create/destroy-lobby-room backend events.
module:depends("jitsi_session");
local jid_split = require "util.jid".split;
local jid_bare = require "util.jid".bare;
local json = require "util.json";
local filters = require "util.filters";
local st = require "util.stanza";
local util = module:require "util";

local MUC_NS = "http://jabber.org/protocol/muc";
local MUC_USER_NS = MUC_NS .. "#user";
local JITMEET_NS = "http://jitsi.org/jitmeet";

local main_muc_component_config = module:get_option_string("main_muc");
if main_muc_component_config == nil then
	module:log("error", "lobby not enabled missing main_muc config");
	return;
end
local lobby_muc_component_config = module:get_option_string("lobby_muc");
if lobby_muc_component_config == nil then
	module:log("error", "lobby not enabled missing lobby_muc config");
	return;
end
local whitelist = module:get_option_set("muc_lobby_whitelist", {});

local lobby_muc_service, main_muc_service;

local function broadcast_json_msg(room, actor, msg)
	msg.type = "lobby-notify";
	local occupant = actor and room:get_occupant_by_real_jid(actor);
	if not occupant then return; end
	room:broadcast_message(st.message({ type = "groupchat"; from = occupant.nick; })
		:tag("json-message", { xmlns = JITMEET_NS }):text(json.encode(msg)):up());
end

local function attach_lobby_room(room, actor)
	local lobby_room_jid = jid_split(room.jid) .. "@" .. lobby_muc_component_config;
	if lobby_muc_service.get_room_from_jid(lobby_room_jid) then return false; end
	local lobby_room = lobby_muc_service.create_room(lobby_room_jid);
	lobby_room:set_persistent(true); -- survives while nobody waits in it
	lobby_room.main_room_jid = room.jid;
	room._data.lobbyroom = lobby_room.jid;
	room:save(true);
	module:log("info", "Lobby room jid = %s created from:%s", lobby_room_jid, actor);
	return true;
end

local function destroy_lobby_room(room, newjid, message)
	local lobby_room = room._data.lobbyroom and lobby_muc_service and lobby_muc_service.get_room_from_jid(room._data.lobbyroom);
	if lobby_room then
		lobby_room:set_persistent(false);
		lobby_room:destroy(newjid, message or "Lobby room closed.");
		module:log("info", "Lobby room destroyed %s", lobby_room.jid);
	end
	room._data.lobbyroom = nil;
end

-- Outgoing stanzas from the lobby component: a knocker gets its own presence only; moderators
-- (owners of the main room) see everyone; messages only to or from a moderator.
local function filter_stanza(stanza)
	if not stanza.attr or not stanza.attr.from or not main_muc_service or not lobby_muc_service then return stanza; end
	local node, from_domain = jid_split(stanza.attr.from);
	if from_domain ~= lobby_muc_component_config then return stanza; end
	local lobby_room = lobby_muc_service.get_room_from_jid(jid_bare(stanza.attr.from));
	local to_moderator = lobby_room and lobby_room:get_affiliation(stanza.attr.to) == "owner";
	if stanza.name == "presence" then
		local muc_x = stanza:get_child("x", MUC_USER_NS);
		if not muc_x or util.presence_check_status(muc_x, "110") or stanza.attr.type == "unavailable" then
			return stanza;
		end
		local room = main_muc_service.get_room_from_jid(node .. "@" .. main_muc_component_config);
		if not room or to_moderator then return stanza; end
		return nil;
	elseif stanza.name == "iq" and stanza:get_child("query", "http://jabber.org/protocol/disco#info") then
		return stanza;
	elseif stanza.name == "message" and lobby_room then
		local occupant = lobby_room:get_occupant_by_nick(stanza.attr.from);
		local from_moderator = occupant and lobby_room:get_affiliation(occupant.bare_jid) == "owner";
		if to_moderator or from_moderator then return stanza; end
	end
	return nil;
end

util.process_muc_loaded(lobby_muc_component_config, function(lobby_muc, host_module)
	module:log("info", "Lobby component loaded %s", host_module.host);
	lobby_muc_service = lobby_muc;
	filters.add_filter_hook(function(session)
		filters.add_filter(session, "stanzas/out", filter_stanza, -1);
	end);
	-- Advertised on the main domain so that clients find the lobby component.
	module:add_identity("component", "lobbyrooms", lobby_muc_component_config);
	-- Roles in the lobby follow the main room.
	lobby_muc.room_mt.get_affiliation = function(room, jid)
		if not room.main_room_jid then
			module:log("error", "No main room(%s) for %s!", room.jid, jid);
			return "none";
		end
		local main_room = util.get_room_from_jid(room.main_room_jid);
		if not main_room then
			module:log("error", "Main room not found for %s!", room.main_room_jid);
			return "none";
		end
		return main_room:get_affiliation(jid) or "none";
	end
end);

local function occupant_pre_join(event)
	local occupant, room, stanza = event.occupant, event.room, event.stanza;
	if util.is_healthcheck_room(room.jid) or not room:get_members_only() or util.ends_with(occupant.nick, "/focus") then
		return;
	end
	local join = stanza:get_child("x", MUC_NS);
	if not join then return; end
	local invitee = stanza.attr.from;
	local _, invitee_domain = jid_split(invitee);
	local password = join:get_child_text("password", MUC_NS);
	if whitelist:contains(invitee_domain) or whitelist:contains(jid_bare(invitee))
			or (password and room:get_password() and password == room:get_password()) then
		local affiliation = room:get_affiliation(invitee);
		if not affiliation or affiliation == "none" or affiliation == "member" then
			occupant.role = "participant";
			room:set_affiliation(true, jid_bare(invitee), "member");
			room:save_occupant(occupant);
			return;
		end
	end
	local display_name = stanza:get_child_text("nick", "http://jabber.org/protocol/nick");
	if not display_name or #display_name == 0 then
		local reply = st.error_reply(stanza, "modify", "not-acceptable");
		reply.tags[1].attr.code = "406";
		reply:tag("displayname-required", { xmlns = JITMEET_NS; lobby = "true"; }):up():up();
		event.origin.send(reply:tag("x", { xmlns = MUC_NS }));
		return true;
	end
	local affiliation = room:get_affiliation(invitee);
	if not affiliation or affiliation == "none" then
		local reply = st.error_reply(stanza, "auth", "registration-required");
		reply.tags[1].attr.code = "407";
		reply:tag("lobbyroom", { xmlns = JITMEET_NS }):text(room._data.lobbyroom):up():up();
		reply:tag("lobbyroom"):text(room._data.lobbyroom):up(); -- legacy copy, as upstream
		event.origin.send(reply:tag("x", { xmlns = MUC_NS }));
		return true;
	end
end

util.process_muc_loaded(main_muc_component_config, function(main_muc, host_module)
	main_muc_service = main_muc;

	host_module:hook("muc-config-submitted", function(event)
		local actor, room = event.actor, event.room;
		if jid_split(actor) == "focus" then return; end
		if event.fields["muc#roomconfig_membersonly"] then
			if attach_lobby_room(room, actor) then
				event.status_codes["104"] = true;
				broadcast_json_msg(room, actor, { event = "LOBBY-ENABLED"; value = true; });
			end
		elseif room._data.lobbyroom then
			destroy_lobby_room(room, room.jid, nil);
			broadcast_json_msg(room, actor, { event = "LOBBY-ENABLED"; value = false; });
		end
	end);

	host_module:hook("muc-room-destroyed", function(event)
		if event.room._data.lobbyroom then destroy_lobby_room(event.room, nil); end
	end, 1);

	host_module:hook("muc-disco#info", function(event)
		local room = event.room;
		if room._data.lobbyroom and room:get_members_only() then
			table.insert(event.form, { name = "muc#roominfo_lobbyroom"; label = "Lobby room jid"; value = ""; });
			event.formdata["muc#roominfo_lobbyroom"] = room._data.lobbyroom;
		end
	end);

	-- Before Prosody's own members-only check (-5).
	host_module:hook("muc-occupant-pre-join", occupant_pre_join, -4);

	host_module:hook("muc-invite", function(event)
		local room, stanza = event.room, event.stanza;
		local lobby_room = room._data.lobbyroom and lobby_muc_service.get_room_from_jid(room._data.lobbyroom);
		local occupant = lobby_room and lobby_room:get_occupant_by_real_jid(stanza.attr.to);
		if not occupant then return; end
		local from = stanza:get_child("x", MUC_USER_NS):get_child("invite").attr.from;
		broadcast_json_msg(room, from, { event = "LOBBY-ACCESS-GRANTED"; value = occupant.nick;
			name = occupant:get_presence():get_child_text("nick", "http://jabber.org/protocol/nick"); });
	end);
end);
