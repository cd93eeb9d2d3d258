// Runs the xferd binary as an operator would (a child process, its stdout and stderr captured)
// and writes a config for the in-process simulator, secrets in files next to it.
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

struct CliRun {
    int status = -1;
    std::string out, err;
};

inline CliRun run_xferd(const TempDir& dir, std::vector<std::string> args,
                        std::chrono::seconds limit = std::chrono::seconds(60))
{
    args.insert(args.begin(), xferd_binary);
    std::filesystem::remove(dir / "out.txt");
    std::filesystem::remove(dir / "err.txt");
    CliRun r;
    {
        ChildProcess p(args, dir / "out.txt", dir / "err.txt");
        auto st = p.wait_for(limit);
        BOOST_TEST_REQUIRE(st.has_value(), "xferd did not finish within " << limit.count() << " s");
        r.status = *st;
    }
    r.out = read_text(dir / "out.txt");
    r.err = read_text(dir / "err.txt");
    return r;
}

// dir/xferd.yaml for `sim`: inbox dir/inbox, state dir/state (or `state_dir`), settle 0;
// `extra` is appended as is (more top-level keys).
inline std::filesystem::path write_sim_config(const TempDir& dir, SimFixture& sim,
                                              const std::string& password = demo::password,
                                              const std::string& mode = "auto", const std::string& extra = "",
                                              const std::string& state_dir = "state")
{
    std::filesystem::create_directories(dir / "inbox");
    std::ofstream(dir / "client_secret") << demo::client_secret;
    std::ofstream(dir / "password") << password;
    std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: " << sim.base_url() << "\n  token_url: " << sim.token_url()
                                     << "\n  tenant: ACME\n  client_id: demo-client\n"
                                        "  client_secret_file: client_secret\n  username: command://svc-offboarding\n"
                                        "  password_file: password\n  ca_file: "
                                     << sim.ca_file() << "\n  max_attempts: 2\ninbox:\n  - path: inbox\napproval:\n  mode: "
                                     << mode << "\nwatch:\n  settle: 0s\nstate_dir: " << state_dir << "\n"
                                     << extra;
    return dir / "xferd.yaml";
}

// Orders the simulator accepted (submits that placed an order).
inline std::size_t orders_placed(SimFixture& sim) { return sim.audit_entries().size(); }

}  // namespace xferd::test
