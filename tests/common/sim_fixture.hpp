// Runs mobproc-sim in-process for a test: its own thread and io_context, a fresh temporary TLS
// directory and audit file, the project's fixtures. Stops and joins in the destructor.
#pragma once

#include "https_test_client.hpp"

#include "xferd/sim/options.hpp"
#include "xferd/sim/simulator.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace xferd::test {

// The demo credentials of samples/sim/fixtures.yaml (not real secrets).
namespace demo {
inline const std::string tenant = "ACME";
inline const std::string client_id = "demo-client";
inline const std::string client_secret = "demo-client-secret-7f3a9c";
inline const std::string username = "command://svc-offboarding";
inline const std::string password = "demo-password-2b81e4";
inline const std::string seed_username = "command://peter.edwards";  // employee = Peter Edwards
inline const std::string seed_password = "demo-password-pe-5c17d0";
}  // namespace demo

inline std::string form_encode(std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(char(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

struct SimFixture {
    explicit SimFixture(xferd::sim::Options options = {})
    {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() /
               ("xferd-sim-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
        if (options.fixtures.empty())
            options.fixtures = XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml";
        if (options.tls_dir.empty())
            options.tls_dir = dir_ / "tls";
        if (options.audit.empty())
            options.audit = dir_ / "audit.jsonl";
        audit_path_ = options.audit;
        host_ = options.listen_host;
        sim_ = std::make_unique<xferd::sim::Simulator>(ioc_, options);
        port_ = sim_->start();
        ca_file_ = sim_->ca_file().string();
        thread_ = std::thread([this] { ioc_.run(); });
    }

    ~SimFixture()
    {
        boost::asio::post(ioc_, [this] { sim_->stop(); });
        thread_.join();
        sim_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    SimFixture(const SimFixture&) = delete;
    SimFixture& operator=(const SimFixture&) = delete;

    std::uint16_t port() const { return port_; }
    std::string ca_file() const { return ca_file_; }
    std::string origin() const { return sim_->origin(); }
    std::string base_url() const { return origin() + "/mobproc/v1"; }
    std::string token_url() const { return origin() + "/as/token.oauth2"; }
    const std::filesystem::path& dir() const { return dir_; }
    const std::filesystem::path& audit_path() const { return audit_path_; }

    // The audit file, one parsed object a line.
    std::vector<boost::json::object> audit_entries() const
    {
        std::vector<boost::json::object> out;
        std::ifstream in(audit_path_);
        std::string line;
        while (std::getline(in, line))
            if (!line.empty())
                out.push_back(boost::json::parse(line).as_object());
        return out;
    }

    HttpsTestClient client() const { return HttpsTestClient(host_, port_, ca_file_); }

    // Runs `f(state)` on the simulator's thread and returns its result.
    template <class F>
    auto with_state(F f)
    {
        std::packaged_task<decltype(f(sim_->state()))()> task([&] { return f(sim_->state()); });
        auto result = task.get_future();
        boost::asio::post(ioc_, [&] { task(); });
        return result.get();
    }

    // A fresh access token (password grant) for `username`.
    std::string token(const std::string& username = demo::username,
                      const std::string& password = demo::password)
    {
        auto c = client();
        auto res = c.post("/as/token.oauth2",
                          "grant_type=password&client_id=" + demo::client_id +
                              "&client_secret=" + demo::client_secret + "&scope=MOBPROC&username=" +
                              form_encode(username) + "&password=" + form_encode(password),
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
        if (res.status != 200)
            throw std::runtime_error("token request failed: " + res.body);
        return std::string(res.json().at("access_token").as_string());
    }

    static Headers api_headers(const std::string& access_token)
    {
        return {{"X-TNGO-TENANT", demo::tenant},
                {"client_id", demo::client_id},
                {"Authorization", "Bearer " + access_token}};
    }

private:
    boost::asio::io_context ioc_{1};
    std::unique_ptr<xferd::sim::Simulator> sim_;
    std::thread thread_;
    std::filesystem::path dir_;
    std::filesystem::path audit_path_;
    std::string host_;
    std::string ca_file_;
    std::uint16_t port_ = 0;
};

}  // namespace xferd::test
