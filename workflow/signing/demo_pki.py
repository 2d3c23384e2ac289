"""A test PKI for the demo and the tests: a root marked TEST and a certificate per organisation, written as
PKCS#12 files into a folder outside the repository. Never for production: real organisations get certificates from
a licensed CA (Viettel-CA, VNPT-CA, the Ban Cơ yếu's root) and keep their keys in a token or a signing service."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

ROOT_NAME = "Demo Root — Hồ sơ Công đoàn (TEST)"


def _attribute(oid, value: str) -> x509.NameAttribute:
    """X.520 bounds a name at 64 (as cryptography counts them): a long union name is cut, its full name being on
    the document itself."""
    while True:
        try:
            return x509.NameAttribute(oid, value)
        except ValueError:
            value = value[:-1].rstrip()


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      _attribute(NameOID.ORGANIZATION_NAME, organisation),
                      _attribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, ca: bool) -> x509.KeyUsage:
    # content_commitment is nonRepudiation, which pyHanko requires of a signing certificate by default
    return x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def _certificate(subject, public_key, issuer, issuer_key, *, ca: bool, days: int) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
            .add_extension(_usage(ca=ca), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                           critical=False)
            .sign(issuer_key, hashes.SHA256()))


def create(folder: Path, organisations, passphrase: str, people=()) -> list[str]:
    """Write trust-roots.pem, `<code>.p12` for each organisation (name, code) and `people/<username>.p12` for each
    person who signs (full name, username, organisation name) lacking one; returns the names written. An existing
    root is kept, so earlier signatures stay trusted."""
    folder.mkdir(parents=True, exist_ok=True)
    root_key_path, root_path = folder / "demo-root-key.pem", folder / "trust-roots.pem"
    if root_key_path.is_file():
        root_key = serialization.load_pem_private_key(root_key_path.read_bytes(), passphrase.encode() or None)
        root = x509.load_pem_x509_certificate(root_path.read_bytes())
    else:
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root_subject = _name(ROOT_NAME, "Hồ sơ Công đoàn (TEST)")
        root = _certificate(root_subject, root_key.public_key(), root_subject, root_key, ca=True, days=3650)
        encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                      else serialization.NoEncryption())
        root_key_path.write_bytes(root_key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8, encryption))
        root_path.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    holders = [(folder / f"{code}.p12", code, name, name) for name, code in organisations]
    holders += [(folder / "people" / f"{username}.p12", username, full_name, organisation)
                for full_name, username, organisation in people]
    written = []
    for path, alias, common_name, organisation in holders:
        if path.is_file():
            continue
        path.parent.mkdir(exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = _certificate(_name(f"(TEST) {common_name}", organisation), key.public_key(), root.subject,
                                   root_key, ca=False, days=825)
        encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                      else serialization.NoEncryption())
        path.write_bytes(pkcs12.serialize_key_and_certificates(alias.encode(), key, certificate, [root], encryption))
        written.append(alias)
    return written


def draw_images(folder: Path, *, people=(), organisations=()) -> None:
    """Invented images, marked as such, for the demo: a blue signature for each person (full name, username) as
    `people/<username>.png` and a red round seal for each organisation code as `<code>-seal.png`. Real ones are
    scanned from the signer's hand and the organisation's seal."""
    from PIL import Image, ImageDraw, ImageFont

    from ..pdf.render import FONT_DIR

    def font(size, bold=False):
        return ImageFont.truetype(str(FONT_DIR / ("LiberationSerif-Bold.ttf" if bold else
                                                  "LiberationSerif-Italic.ttf")), size)

    (folder / "people").mkdir(parents=True, exist_ok=True)
    blue, red = (20, 50, 170, 255), (205, 20, 30, 235)
    for full_name, username in people:
        image = Image.new("RGBA", (480, 288), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        family = full_name.split()[-1]
        draw.text((40, 60), family, font=font(110), fill=blue)
        draw.line([(30, 200), (180, 170), (300, 205), (450, 160)], fill=blue, width=6, joint="curve")
        draw.text((40, 235), "MẪU – không có giá trị", font=font(30), fill=blue)
        image.save(folder / "people" / f"{username}.png")
    for code in organisations:
        size = 360
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.ellipse([8, 8, size - 8, size - 8], outline=red, width=12)
        draw.ellipse([48, 48, size - 48, size - 48], outline=red, width=4)
        draw.text((size / 2, size / 2 - 30), "MẪU", font=font(80, bold=True), fill=red, anchor="mm")
        draw.text((size / 2, size / 2 + 40), "KHÔNG CÓ GIÁ TRỊ", font=font(28, bold=True), fill=red, anchor="mm")
        draw.text((size / 2, size / 2 + 80), code.upper(), font=font(22, bold=True), fill=red, anchor="mm")
        image.save(folder / f"{code}-seal.png")
