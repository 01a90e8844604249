-- jitsi-meet-prosody stand-in @VERSION@: Component "avmoderation.<domain>" "av_moderation_component",
-- as jitsi-meet mod_av_moderation_component.lua (current form, read at the version that checks
-- muc_mapper_domain_base; older @143587a5 has the same muc_component check). Config checks and
-- the announcement only; the moderation messages themselves are not modelled.
local util = module:require "util";

local muc_component_host = module:get_option_string("muc_component");
if muc_component_host == nil then
	module:log("error", "No muc_component specified. No muc to operate on!");
	return;
end

local main_virtual_host = module:get_option_string("muc_mapper_domain_base");
if not main_virtual_host then
	module:log("warn", 'No "muc_mapper_domain_base" option set, disabling AV moderation.');
	return;
end

module:log("info", "Starting av_moderation for %s", muc_component_host);
util.announce_identity(main_virtual_host, "av_moderation");
