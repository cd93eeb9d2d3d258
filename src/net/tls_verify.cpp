#include "xferd/net/tls_verify.hpp"

#include <boost/asio/ip/address.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace xferd {

void expect_peer_name(ssl_st* ssl, const std::string& host)
{
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) {
        SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI only for names, never for IP literals
        SSL_set1_host(ssl, host.c_str());
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    }
}

std::string certificate_problem(const ssl_st* ssl, const std::string& host)
{
    const long result = SSL_get_verify_result(ssl);
    switch (result) {
    case X509_V_OK: return "";
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return "the server's certificate has expired (it must be renewed on the server)";
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return "the server's certificate is not valid yet (check the clocks of this machine and the server)";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return "host name mismatch: the server's certificate is not for " + host +
               " (check the host in api.base_url / api.token_url)";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return "the server's certificate is self-signed and not trusted (if it is the expected one, set "
               "api.ca_file to it)";
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        return "the server's certificate is issued by an unknown authority (" +
               std::string(X509_verify_cert_error_string(result)) + "; set api.ca_file to the issuing CA)";
    default:
        return "the server's certificate was refused: " + std::string(X509_verify_cert_error_string(result));
    }
}

}  // namespace xferd
