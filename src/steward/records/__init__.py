"""CVE 5.x records: the pure generator of spec §2.7, its offline validation, and the embedded body block."""
