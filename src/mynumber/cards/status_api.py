"""Revocation status on the registry node: the CA certificates, CRLs and the OCSP responder.

``GET /jpki/{kind}.pem`` gives an authority's certificate to anyone (it is the trust anchor).
``GET /jpki/{kind}.crl`` and ``POST /jpki/ocsp`` (RFC 6960 over HTTP POST, ``application/ocsp-
request``) answer registered relying parties only (``Authorization: Bearer TOKEN``); OCSP answers
anyone else with the ``unauthorized`` status the protocol has for it, and a request it cannot
parse with ``malformedRequest``. Responses are signed by the delegated responder.
"""

from typing import Annotated

from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp as x509_ocsp
from fastapi import APIRouter, Header, Request, Response

from mynumber.cards import jpki, ocsp
from mynumber.cards.exceptions import CertificateError
from mynumber.cards.registry import card_service
from mynumber.cards.relying_parties import RelyingParties, RelyingPartyRefused
from mynumber.register.counter import RegistryNode
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/jpki", tags=["jpki"])

_OCSP_RESPONSE = "application/ocsp-response"
Authorization = Annotated[str | None, Header()]


@router.get("/{kind}.pem", summary="An authority's certificate (the trust anchor)")
def authority_certificate(kind: jpki.AuthorityKind, node: RegistryNode) -> Response:
    """Answer the CA certificate in PEM."""
    with unit_of_work(node.sessions) as session:
        loaded = card_service(session, node.keys, node.spec.base_url).authorities.load(kind)
        pem = loaded.authority.certificate.public_bytes(serialization.Encoding.PEM)
    return Response(pem, media_type="application/x-pem-file")


@router.get("/{kind}.crl", summary="An authority's CRL, for relying parties")
def revocation_list(
    kind: jpki.AuthorityKind, node: RegistryNode, authorization: Authorization = None
) -> Response:
    """Answer the current CRL (DER) to a registered relying party."""
    with unit_of_work(node.sessions) as session:
        RelyingParties(session).check(authorization)
        crl = card_service(session, node.keys, node.spec.base_url).authorities.current_crl(kind)
    return Response(crl, media_type="application/pkix-crl")


@router.post("/ocsp", summary="OCSP responder (RFC 6960), for relying parties")
async def responder(
    request: Request, node: RegistryNode, authorization: Authorization = None
) -> Response:
    """Answer one OCSP request with the certificate's status, signed by the responder."""
    der = await request.body()
    with unit_of_work(node.sessions) as session:
        try:
            RelyingParties(session).check(authorization)
        except RelyingPartyRefused:
            return _refusal(x509_ocsp.OCSPResponseStatus.UNAUTHORIZED)
        try:
            asked = ocsp.read_ocsp_request(der)
        except CertificateError:
            return _refusal(x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        authorities = card_service(session, node.keys, node.spec.base_url).authorities
        body = authorities.answer_ocsp(asked)
    return Response(body, media_type=_OCSP_RESPONSE)


def _refusal(status: x509_ocsp.OCSPResponseStatus) -> Response:
    """Answer an unsuccessful OCSP response."""
    return Response(ocsp.ocsp_refusal(status), media_type=_OCSP_RESPONSE)
