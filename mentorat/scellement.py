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


def _classe_signataire():
    """pyHanko's signer, with two costs paid once per process instead of twice per seal.

    - ``SimpleSigner.sign_raw`` decodes the private key from its DER bytes at every signature,
      and a seal signs twice (pyHanko's dry run to size the signature, then the real one):
      about half of a seal's time. The key is decoded once here, for the RSA PKCS#1 v1.5
      signatures our certificates make (any other mechanism goes through pyHanko's code).
    - The size the dry run measures is the same for every seal with this certificate: it is
      kept (``reserve``) and given to pyHanko as ``bytes_reserved``, which skips the dry run.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class SignataireCleChargee(signers.SimpleSigner):
        reserve: int | None = None
        _cle = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mecanisme = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithme = mecanisme.signature_algo
            except ValueError:
                algorithme = mecanisme["algorithm"].native
            if algorithme != "rsassa_pkcs1v15":
                return super().sign_raw(data, digest_algorithm)
            if self._cle is None:
                self._cle = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            return self._cle.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

        async def async_sign(self, data_digest, digest_algorithm, dry_run=False, **kwargs):
            cms = await super().async_sign(data_digest, digest_algorithm, dry_run, **kwargs)
            if dry_run and self.reserve is None:
                # pyHanko's own margin: the hexadecimal dump, plus half again.
                taille = len(cms.dump()) * 2
                self.reserve = taille + 2 * (taille // 4)
            return cms

    return SignataireCleChargee


@functools.cache
def _signataire(chemin: str, mot_de_passe: str):
    if not Path(chemin).is_file():
        raise CertificatAbsent(
            f"Certificat de scellement introuvable : {chemin}. Créez-en un pour le développement "
            "avec « python manage.py creer_certificat_sceau » ou indiquez SCEAU_CERTIFICAT."
        )
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(
        chemin, passphrase=mot_de_passe.encode() if mot_de_passe else None
    )
    if signer is None:
        raise CertificatAbsent(f"Impossible de lire le certificat {chemin} (mot de passe ?).")
    # pyHanko builds a SimpleSigner whatever the class asked: this one adds no state.
    signer.__class__ = _classe_signataire()
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
    signer = signataire()
    signers.PdfSigner(meta, signer=signer).sign_pdf(
        writer, output=out, bytes_reserved=signer.reserve
    )
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
