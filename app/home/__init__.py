"""The landing pages: the public home, the staff desk and the donor's home (out of app.core, which imports no
domain package)."""
