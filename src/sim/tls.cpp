// Generates a throw-away CA and a server certificate with OpenSSL 3 (EC P-256, SHA-256).
#include "xferd/sim/tls.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace xferd::sim {

namespace fs = std::filesystem;

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

void check(bool ok, const char* what)
{
    if (!ok)
        throw TlsError(std::string("certificate generation failed: ") + what);
}

Key make_key()
{
    Key key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EC key");
    return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    check(ext && X509_add_ext(cert, ext.get(), -1) == 1, value);
}

Cert make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca)
{
    Cert cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    std::unique_ptr<BIGNUM, Free> serial(BN_new());
    check(serial && BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "serial");
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3L * 365 * 24 * 3600);
    check(X509_set_pubkey(cert.get(), key) == 1, "public key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("xferd mobproc-sim"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509* signer = issuer ? issuer : cert.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1, "issuer");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    if (ca) {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
        add_ext(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost");
    }
    check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "sign");
    return cert;
}

template <class Write>
std::string to_pem(Write write)
{
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    check(bio && write(bio.get()) == 1, "PEM");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, std::size_t(n));
}

// Written to a temporary name and renamed, so a reader never sees half a file.
void write_file(const fs::path& path, const std::string& text, mode_t mode)
{
    fs::path tmp = path;
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        throw TlsError("cannot write " + tmp.string());
    ::fchmod(fd, mode);
    std::size_t done = 0;
    while (done < text.size()) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0) {
            ::close(fd);
            throw TlsError("cannot write " + tmp.string());
        }
        done += std::size_t(n);
    }
    ::close(fd);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec)
        throw TlsError("cannot write " + path.string());
}

}  // namespace

TlsFiles ensure_tls_material(const fs::path& dir)
{
    TlsFiles files{dir / "cert.pem", dir / "key.pem", dir / "ca.pem", false};
    std::error_code ec;
    if (fs::exists(files.cert, ec) && fs::exists(files.key, ec) && fs::exists(files.ca, ec))
        return files;
    fs::create_directories(dir, ec);
    if (ec)
        throw TlsError("cannot create TLS directory " + dir.string());

    Key ca_key = make_key();
    Cert ca = make_cert(ca_key.get(), "mobproc-sim test CA", nullptr, ca_key.get(), true);
    Key key = make_key();
    Cert cert = make_cert(key.get(), "localhost", ca.get(), ca_key.get(), false);

    write_file(files.key, to_pem([&](BIO* b) {
                   return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
               }),
               0600);
    write_file(files.cert, to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }), 0644);
    write_file(files.ca, to_pem([&](BIO* b) { return PEM_write_bio_X509(b, ca.get()); }), 0644);
    files.generated = true;
    return files;
}

}  // namespace xferd::sim
