"""Sealing generated PDFs with the platform's certificate (PAdES, with pyHanko).

The certificate and its key live in a PKCS#12 file outside the repository (SCEAU_CERTIFICAT,
password in SCEAU_MOT_DE_PASSE). `manage.py creer_certificat_sceau` makes a self-signed one for
development and the demo; production uses a certificate issued for the city.
"""

import datetime as dt
import functools
import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NOM_CHAMP = "SceauMentorat"


class CertificatAbsent(ImproperlyConfigured):
    pass


@functools.cache
def _signataire(chemin: str, mot_de_passe: str):
    from pyhanko.sign import signers

    if not Path(chemin).is_file():
        raise CertificatAbsent(
            f"Certificat de scellement introuvable : {chemin}. Créez-en un pour le développement "
            "avec « python manage.py creer_certificat_sceau » ou indiquez SCEAU_CERTIFICAT."
        )
    signer = signers.SimpleSigner.load_pkcs12(
        chemin, passphrase=mot_de_passe.encode() if mot_de_passe else None
    )
    if signer is None:
        raise CertificatAbsent(f"Impossible de lire le certificat {chemin} (mot de passe ?).")
    return signer


def signataire():
    return _signataire(str(settings.SCEAU_CERTIFICAT), settings.SCEAU_MOT_DE_PASSE)


def sceller(pdf: bytes, *, raison: str, lieu: str = "") -> bytes:
    """Return ``pdf`` with a PAdES signature covering the whole document."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=NOM_CHAMP,
        reason=raison,
        location=lieu or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signataire()).sign_pdf(writer, output=out)
    return out.getvalue()


def creer_certificat_autosigne(chemin: Path, *, mot_de_passe: str, nom: str, jours: int = 825):
    """A self-signed certificate and key, for development and the demo only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    cle = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sujet = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mentorat (développement)"),
            x509.NameAttribute(NameOID.COMMON_NAME, nom),
        ]
    )
    maintenant = dt.datetime.now(dt.UTC)
    certificat = (
        x509.CertificateBuilder()
        .subject_name(sujet)
        .issuer_name(sujet)
        .public_key(cle.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(maintenant - dt.timedelta(minutes=5))
        .not_valid_after(maintenant + dt.timedelta(days=jours))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(cle, hashes.SHA256())
    )
    chiffrement = (
        serialization.BestAvailableEncryption(mot_de_passe.encode())
        if mot_de_passe
        else serialization.NoEncryption()
    )
    donnees = pkcs12.serialize_key_and_certificates(
        nom.encode(), cle, certificat, None, chiffrement
    )
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_bytes(donnees)
    chemin.chmod(0o600)
    _signataire.cache_clear()
    return certificat
