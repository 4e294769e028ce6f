"""sip_lab."""
