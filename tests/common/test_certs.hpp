// Certificates made in the test (OpenSSL API): a CA, server certificates it signs (valid,
// expired, for another name) and self-signed ones, written as PEM files in a folder.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace xferd::test {

struct CertFiles {
    std::filesystem::path cert;
    std::filesystem::path key;
};

class TestCa {
public:
    explicit TestCa(std::filesystem::path dir, const std::string& name = "xferd test CA") : dir_(std::move(dir))
    {
        std::filesystem::create_directories(dir_);
        key_.reset(EVP_EC_gen("P-256"));
        cert_.reset(make(name, key_.get(), nullptr, nullptr, "", -3600, 86400, true));
        ca_file_ = dir_ / "ca.pem";
        write_cert(cert_.get(), ca_file_);
    }

    const std::filesystem::path& ca_file() const { return ca_file_; }

    // A server certificate signed by this CA. `san`: "IP:127.0.0.1", "DNS:other.example", …;
    // validity in seconds from now (negative: in the past).
    CertFiles issue(const std::string& file_name, const std::string& san, long not_before = -3600,
                    long not_after = 86400) const
    {
        Key key(EVP_EC_gen("P-256"));
        Cert cert(make("xferd test server", key.get(), cert_.get(), key_.get(), san, not_before, not_after, false));
        return save(file_name, cert.get(), key.get());
    }

    // A certificate that signs itself (no CA).
    CertFiles self_signed(const std::string& file_name, const std::string& san) const
    {
        Key key(EVP_EC_gen("P-256"));
        Cert cert(make("xferd self-signed", key.get(), nullptr, nullptr, san, -3600, 86400, false));
        return save(file_name, cert.get(), key.get());
    }

private:
    struct KeyFree {
        void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
    };
    struct CertFree {
        void operator()(X509* x) const { X509_free(x); }
    };
    using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
    using Cert = std::unique_ptr<X509, CertFree>;

    static X509* make(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, const std::string& san,
                      long not_before, long not_after, bool is_ca)
    {
        static long serial = 1;
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
        X509_gmtime_adj(X509_getm_notBefore(x), not_before);
        X509_gmtime_adj(X509_getm_notAfter(x), not_after);
        X509_set_pubkey(x, key);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                   -1, 0);
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
        add_ext(x, &ctx, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
        if (is_ca) add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        if (!san.empty()) add_ext(x, &ctx, NID_subject_alt_name, san);
        X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
        return x;
    }

    static void add_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value)
    {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
        if (!ext) throw std::runtime_error("bad certificate extension " + value);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }

    static void write_cert(X509* x, const std::filesystem::path& p)
    {
        FILE* f = std::fopen(p.c_str(), "w");
        if (!f) throw std::runtime_error("cannot write " + p.string());
        PEM_write_X509(f, x);
        std::fclose(f);
    }

    CertFiles save(const std::string& file_name, X509* cert, EVP_PKEY* key) const
    {
        CertFiles out{dir_ / (file_name + ".crt"), dir_ / (file_name + ".key")};
        write_cert(cert, out.cert);
        FILE* f = std::fopen(out.key.c_str(), "w");
        if (!f) throw std::runtime_error("cannot write " + out.key.string());
        PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
        return out;
    }

    std::filesystem::path dir_;
    Key key_;
    Cert cert_;
    std::filesystem::path ca_file_;
};

}  // namespace xferd::test
