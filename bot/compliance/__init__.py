"""Compliance rules for every outbound message (see docs/compliance.md)."""
from bot.compliance.decision import Decision
from bot.compliance.language import check_text
from bot.compliance.optout import detect_opt_out
from bot.compliance.outbound import OutboundContext, check_outbound, required_disclosures
from bot.compliance.profiles import Profile, ProfileError, disclosures_for, effective_profile, load_profiles
from bot.compliance.retention import purge_before

__all__ = ["Decision", "OutboundContext", "Profile", "ProfileError", "check_outbound", "check_text",
           "detect_opt_out", "disclosures_for", "effective_profile", "load_profiles", "purge_before", "required_disclosures"]
