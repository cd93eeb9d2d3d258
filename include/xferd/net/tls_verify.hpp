// Why a TLS handshake failed, in words a person can act on: OpenSSL's verify result (expired,
// host name mismatch, unknown issuer, self-signed, …) instead of "certificate verify failed".
#pragma once

#include <string>

struct ssl_st;

namespace xferd {

// Makes OpenSSL check that the certificate is for `host` (a DNS name or an IP literal), so that a
// mismatch is reported as such by the verify result.
void expect_peer_name(ssl_st* ssl, const std::string& host);

// The certificate problem behind a failed handshake, or "" when the certificate was not the cause.
std::string certificate_problem(const ssl_st* ssl, const std::string& host);

}  // namespace xferd
