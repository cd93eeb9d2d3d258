// mobproc-sim configuration: listen address, data files, token lifetime and the fault mix.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd::sim {

// What an injected fault does to one request.
enum class FaultAction {
    status,        // answer with `status` (429 and 503 carry Retry-After)
    reset_before,  // close with a TCP reset; the request is not processed
    reset_after,   // process (a submit is recorded and audited), then reset without answering
    stall,         // process, send the headers and part of the body, then nothing more
};

// "Fail the next `count` calls to `endpoint`": deterministic faults for tests.
// Endpoint keys are the ones /_sim/stats reports ("token", "confirm", "submit", "get_order",
// "list_orders", ...), plus "orders" (confirm or submit), "api" (anything under /mobproc/v1)
// and "*" (API and token endpoint).
struct SequenceRule {
    std::string endpoint;
    int count = 1;
    FaultAction action = FaultAction::status;
    int status = 503;
    bool after_processing = false;  // with action status: process first, then answer `status`
};

// Random faults; every rate is a probability in [0, 1] drawn per request from the seeded RNG.
// Rates apply to /mobproc/v1 calls; latency also to the token endpoint.
struct Faults {
    std::chrono::milliseconds latency{0};
    std::chrono::milliseconds jitter{0};  // uniform extra delay in [0, jitter]
    double fail_rate = 0;                 // answered with one of fail_statuses, not processed
    std::vector<int> fail_statuses{503};
    double throttle_rate = 0;             // 429 + Retry-After, not processed
    int retry_after_s = 1;
    double reset_rate = 0;                // submits only: recorded, then reset without an answer
    double reset_before_rate = 0;         // reset, not processed
    double stall_rate = 0;                // processed, response never finishes
    bool token_outage = false;            // token endpoint answers 503
    // Token endpoint outage window, in seconds since the simulator started.
    std::optional<std::chrono::seconds> token_outage_from;
    std::chrono::seconds token_outage_for{0};
    std::vector<SequenceRule> sequence;
};

// Orders move through these statuses as they age (--status-after); empty: stay ORDER_SUBMITTED.
struct StatusStep {
    std::string status;
    std::chrono::seconds after{0};
};

struct Options {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;
    std::filesystem::path fixtures;
    std::filesystem::path tls_dir;
    std::filesystem::path audit;  // empty: no audit file
    std::chrono::seconds token_ttl{7200};
    std::size_t generate_services = 0;
    std::optional<std::uint64_t> seed;  // absent: random
    Faults faults;
    std::vector<StatusStep> status_after;
    std::size_t max_body_bytes = 1024 * 1024;
    std::chrono::seconds idle_timeout{120};
};

struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
};

// "127.0.0.1:8443", "[::1]:0", "localhost:0".
std::optional<ListenAddress> parse_listen(std::string_view text);
// "AWAITING_APPROVAL=5,IN_FULFILLMENT=20,COMPLETED=60" (seconds after submit, ascending).
std::optional<std::vector<StatusStep>> parse_status_after(std::string_view text);
// "on" | "off" | "FROM+DURATION" (seconds since start, e.g. "10+30").
bool parse_token_outage(std::string_view text, Faults& faults);
// "503,502,504".
std::optional<std::vector<int>> parse_statuses(std::string_view text);

// Faults as JSON (GET /_sim/faults) and a partial update from JSON (POST /_sim/faults).
boost::json::object faults_to_json(const Faults& faults);
// Applies the members present in `patch`; returns an error message, empty on success.
// On error `faults` is left unchanged.
std::string apply_faults_json(Faults& faults, const boost::json::object& patch);

}  // namespace xferd::sim
