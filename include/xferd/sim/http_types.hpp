// Transport-free request and response: what the pure handler sees and returns.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xferd::sim {

struct Request {
    std::string method;  // "GET", "POST", ...
    std::string target;  // origin form: path plus optional ?query
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;
    bool from_loopback = true;

    // The header's value with surrounding whitespace removed; empty when absent.
    // (An empty or whitespace-only value counts as not sent, per the API docs.)
    std::string_view header(std::string_view lower_name) const;
};

// How the transport delivers a response; anything but `answer` is an injected fault.
enum class Disposition {
    answer,
    reset_before,  // reset the connection; the request was not processed
    reset_after,   // reset the connection; the request was processed
    stall,         // send headers and part of the body, then hang
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    Disposition disposition = Disposition::answer;
    std::chrono::milliseconds delay{0};  // injected latency before the answer
    std::string endpoint;                // stats key of the request
};

}  // namespace xferd::sim
