// Runs the xferd executable as an operator would (a child process, its output in files) and
// writes a config for the in-process simulator (tests only).
#pragma once

#include "child_process.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace xferd::test {

inline const std::string xferd_binary = XFERD_BINARY_DIR "/xferd";

struct XferdRun {
    int status = -1;
    std::string out, err;
};

// Output files are named after `tag` so runs at once (a reader beside a writer) do not mix.
inline XferdRun run_xferd(const TempDir& dir, std::vector<std::string> args, const std::string& tag = "xferd")
{
    args.insert(args.begin(), xferd_binary);
    const auto out = dir / (tag + ".out"), err = dir / (tag + ".err");
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    XferdRun r;
    {
        ChildProcess p(args, out, err);
        auto st = p.wait_for(std::chrono::seconds(120));
        BOOST_TEST_REQUIRE(st.has_value(), "xferd did not finish");
        r.status = *st;
    }
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

struct CliConfig {
    std::string mode = "auto";
    std::string settle = "0s";
    std::string extra;   // more top-level YAML (e.g. "state:\n  keep_snapshots: 1s\n")
    int concurrency = 4;
};

// dir/xferd.yaml for the simulator, secrets in files next to it, inbox dir/inbox, state dir/state.
inline std::filesystem::path write_cli_config(const TempDir& dir, SimFixture& sim, const CliConfig& c = {})
{
    std::filesystem::create_directories(dir / "inbox");
    std::ofstream(dir / "client_secret") << demo::client_secret;
    std::ofstream(dir / "password") << demo::password;
    std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: " << sim.base_url() << "\n  token_url: " << sim.token_url()
                                     << "\n  tenant: ACME\n  client_id: demo-client\n"
                                        "  client_secret_file: client_secret\n  username: command://svc-offboarding\n"
                                        "  password_file: password\n  ca_file: "
                                     << sim.ca_file() << "\n  max_attempts: 2\n  concurrency: " << c.concurrency
                                     << "\ninbox:\n  - path: inbox\napproval:\n  mode: " << c.mode
                                     << "\nwatch:\n  settle: " << c.settle << "\n  shutdown_grace: 5s\n"
                                     << c.extra << "state_dir: state\n";
    return dir / "xferd.yaml";
}

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
