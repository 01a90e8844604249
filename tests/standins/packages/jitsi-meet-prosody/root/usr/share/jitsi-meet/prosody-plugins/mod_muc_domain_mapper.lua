-- jitsi-meet-prosody stand-in @VERSION@: jitsi-meet mod_muc_domain_mapper.lua @0da06fac maps tenant
-- MUC JIDs (room@conference.<tenant>.<base> <-> [tenant]room@conference.<base>). It needs
-- muc_mapper_domain_base (without it: a warning and nothing else); muc_mapper_domain_prefix
-- defaults to "conference". The stand-in checks the options and logs as upstream, but does not
-- rewrite JIDs: tenant URLs are not part of the toolkit.
local muc_domain_prefix = module:get_option_string("muc_mapper_domain_prefix", "conference");
local muc_domain_base = module:get_option_string("muc_mapper_domain_base");
if not muc_domain_base then
	module:log("warn", "No 'muc_mapper_domain_base' option set, disabling muc_mapper plugin inactive");
	return;
end
local muc_domain = module:get_option_string("muc_mapper_domain", muc_domain_prefix .. "." .. muc_domain_base);
module:log("info", "Loading mod_muc_domain_mapper for host %s (MUC %s)", module.host, muc_domain);
