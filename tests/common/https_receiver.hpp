// An HTTPS server on 127.0.0.1 for tests that need to be called (webhooks): its own thread
// and io_context, answers scripted statuses in order (then 200), or never answers at all.
// Records what it received. Compiled once in the test-support library.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace xferd::test {

struct ReceivedRequest {
    std::string method, target, content_type, body;
};

class HttpsReceiver {
public:
    HttpsReceiver(const std::filesystem::path& cert, const std::filesystem::path& key);
    ~HttpsReceiver();
    HttpsReceiver(const HttpsReceiver&) = delete;
    HttpsReceiver& operator=(const HttpsReceiver&) = delete;

    [[nodiscard]] std::uint16_t port() const;
    // Statuses for the next requests, in order; afterwards 200.
    void answer(std::vector<int> statuses);
    // Read each request and never answer (the connection stays open until the client goes).
    void hang(bool on);
    [[nodiscard]] std::vector<ReceivedRequest> received() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd::test
