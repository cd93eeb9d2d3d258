// Streaming SHA-256 (a batch is identified by the hash of its content).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace xferd {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view bytes);
    std::string hex_digest();  // finishes; 64 lowercase hex digits

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd
