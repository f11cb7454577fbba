"""Sealing a PDF: the private key decoded once per process, the signature's size measured once,
and every seal still a valid signature over the whole file."""

import io

from mentorat.pdf import html_vers_pdf
from mentorat.scellement import sceller, signataire

PAGE = "<html lang='fr'><head><title>Essai</title></head><body><p>Bonjour</p></body></html>"


def _valide(pdf: bytes) -> bool:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    statut = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[signataire().signing_cert])
    )
    return (
        statut.intact
        and statut.valid
        and statut.trusted
        and statut.coverage == SignatureCoverageLevel.ENTIRE_FILE
    )


def test_three_seals_decode_the_key_once_and_size_the_signature_once(sceau, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    decodages = []
    original = serialization.load_der_private_key

    def compter(*args, **kwargs):
        decodages.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(serialization, "load_der_private_key", compter)
    pdf = html_vers_pdf(PAGE)
    assert signataire().reserve is None
    premier = sceller(pdf, raison="Essai")
    reserve = signataire().reserve
    assert reserve and reserve % 2 == 0
    suivants = [sceller(pdf, raison="Essai") for _ in range(2)]
    # The first seal signs twice (pyHanko's dry run, then the signature), the next ones once
    # each, with the size kept: the key was decoded a single time for the four signatures.
    assert len(decodages) == 1
    assert signataire().reserve == reserve
    assert all(_valide(p) for p in (premier, *suivants))
