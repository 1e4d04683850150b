"""Personal data as Vietnamese law requires (issue 21.10): notices, consents, the donor's rights, erasure by
pseudonymisation, retention periods, the registers of processing and of incidents. See docs/PRIVACY.md."""
