"""Digital signatures of issued documents (NĐ 30/2020 Phụ lục I: an electronic original carries the issuing
organisation's digital signature): PAdES with pyHanko, keys behind one interface (keys.py), a test PKI for the demo
(demo_pki.py, generated at set-up, never committed)."""
