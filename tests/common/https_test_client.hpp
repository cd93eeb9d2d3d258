// A small blocking HTTPS client for tests: one keep-alive connection, certificate verification
// against a given CA file, a timeout per request, transport errors reported instead of hidden.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xferd::test {

using Headers = std::vector<std::pair<std::string, std::string>>;
struct HttpResult {
    int status = 0;
    Headers headers;
    std::string body;

    // Case-insensitive header lookup; empty when absent.
    std::string header(std::string_view name) const
    {
        for (auto& [k, v] : headers)
            if (k.size() == name.size() &&
                std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b));
                }))
                return v;
        return {};
    }
    boost::json::value json() const { return boost::json::parse(body); }
};

// Compiled once in https_test_client.cpp (the test-support library): Beast's templates are
// instantiated there, not in every test file.
class HttpsTestClient {
public:
    HttpsTestClient(std::string host, std::uint16_t port, const std::string& ca_file,
                    std::string verify_name = {});
    ~HttpsTestClient();
    HttpsTestClient(const HttpsTestClient&) = delete;
    HttpsTestClient& operator=(const HttpsTestClient&) = delete;

    // Caps the TLS version, to check that the server refuses old protocols.
    void max_tls_version(int version);
    void timeout(std::chrono::milliseconds t);

    // Throws std::runtime_error on a transport failure.
    HttpResult request(boost::beast::http::verb method, const std::string& target, std::string body = {},
                       const Headers& headers = {});
    HttpResult get(const std::string& target, const Headers& headers = {})
    {
        return request(boost::beast::http::verb::get, target, {}, headers);
    }
    // Adds Content-Type: application/json unless `headers` sets one.
    HttpResult post(const std::string& target, std::string body, Headers headers = {})
    {
        bool has_ct = false;
        for (auto& [k, v] : headers)
            has_ct = has_ct || k == "Content-Type" || k == "content-type";
        if (!has_ct)
            headers.emplace_back("Content-Type", "application/json");
        return request(boost::beast::http::verb::post, target, std::move(body), headers);
    }

    // The transport error (connect, TLS, write, read, timeout) or success; never throws for those.
    boost::system::error_code try_request(boost::beast::http::verb method, const std::string& target,
                                          std::string body, const Headers& headers, HttpResult& out);

    bool connected() const;
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd::test
