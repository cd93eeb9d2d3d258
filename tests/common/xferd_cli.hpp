// Runs the xferd executable as an operator would (a child process, its output in files) and
// writes a config for the in-process simulator (tests only).
#pragma once

#include "child_process.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace xferd::test {

inline const std::string xferd_binary = XFERD_BINARY_DIR "/xferd";

struct XferdRun {
    int status = -1;
    std::string out, err;
};
using CliRun = XferdRun;

// Output files are named after `tag` so runs at once (a reader beside a writer) do not mix.
inline XferdRun run_xferd(const TempDir& dir, std::vector<std::string> args, const std::string& tag = "xferd",
                          std::chrono::seconds limit = std::chrono::seconds(120))
{
    args.insert(args.begin(), xferd_binary);
    const auto out = dir / (tag + ".out"), err = dir / (tag + ".err");
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    XferdRun r;
    {
        ChildProcess p(args, out, err);
        auto st = p.wait_for(limit);
        BOOST_TEST_REQUIRE(st.has_value(), "xferd did not finish within " << limit.count() << " s");
        r.status = *st;
    }
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

// The same, with a time limit of its own (a run that must not hang: a FIFO in the inbox).
inline XferdRun run_xferd(const TempDir& dir, std::vector<std::string> args, std::chrono::seconds limit)
{
    return run_xferd(dir, std::move(args), "xferd", limit);
}

struct CliConfig {
    std::string mode = "auto";
    std::string settle = "0s";
    std::string extra;   // more top-level YAML (e.g. "state:\n  keep_snapshots: 1s\n")
    std::string api_extra;  // more keys under api: (e.g. "  proxy: http://127.0.0.1:3128\n")
    int concurrency = 4;
    std::string password = demo::password;
    std::string state_dir = "state";
};

// dir/xferd.yaml for the simulator, secrets in files next to it, inbox dir/inbox, state dir/state.
inline std::filesystem::path write_cli_config(const TempDir& dir, SimFixture& sim, const CliConfig& c = {})
{
    std::filesystem::create_directories(dir / "inbox");
    std::ofstream(dir / "client_secret") << demo::client_secret;
    std::ofstream(dir / "password") << c.password;
    std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: " << sim.base_url() << "\n  token_url: " << sim.token_url()
                                     << "\n  tenant: ACME\n  client_id: demo-client\n"
                                        "  client_secret_file: client_secret\n  username: command://svc-offboarding\n"
                                        "  password_file: password\n  ca_file: "
                                     << sim.ca_file() << "\n  max_attempts: 2\n  concurrency: " << c.concurrency
                                     << "\n" << c.api_extra << "inbox:\n  - path: inbox\napproval:\n  mode: " << c.mode
                                     << "\nwatch:\n  settle: " << c.settle << "\n  shutdown_grace: 5s\n"
                                     << c.extra << "state_dir: " << c.state_dir << "\n";
    return dir / "xferd.yaml";
}

// The same, by the values most tests vary.
inline std::filesystem::path write_sim_config(const TempDir& dir, SimFixture& sim,
                                              const std::string& password = demo::password,
                                              const std::string& mode = "auto", const std::string& extra = "",
                                              const std::string& state_dir = "state")
{
    CliConfig c;
    c.password = password;
    c.mode = mode;
    c.extra = extra;
    c.state_dir = state_dir;
    return write_cli_config(dir, sim, c);
}

// Orders the simulator accepted (submits that placed an order).
inline std::size_t orders_placed(SimFixture& sim) { return sim.audit_entries().size(); }

// Every request the simulator answered on /mobproc/v1 (confirms, submits, lookups), any status.
inline std::uint64_t api_calls(SimFixture& sim)
{
    return sim.with_state([](xferd::sim::State& st) {
        std::uint64_t n = 0;
        for (const auto& [endpoint, outcomes] : st.stats.requests)
            for (const auto& [outcome, count] : outcomes) n += count;
        return n;
    });
}

}  // namespace xferd::test
