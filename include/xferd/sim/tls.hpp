// Server TLS material: reuse DIR/{cert,key,ca}.pem when all exist, else generate a CA and a
// server certificate for 127.0.0.1, ::1 and localhost.
#pragma once

#include <filesystem>
#include <stdexcept>

namespace xferd::sim {

struct TlsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct TlsFiles {
    std::filesystem::path cert;  // server certificate (PEM)
    std::filesystem::path key;   // server private key (PEM, mode 0600)
    std::filesystem::path ca;    // the certificate clients must trust
    bool generated = false;
};

// Throws TlsError.
TlsFiles ensure_tls_material(const std::filesystem::path& dir);

}  // namespace xferd::sim
