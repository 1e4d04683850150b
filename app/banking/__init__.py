"""The Front's official bank accounts and their owners (the units whose books receive what is paid into them), and
the VietQR payloads that name them. Pledges, payments and transparency use them; banking uses none of those."""
