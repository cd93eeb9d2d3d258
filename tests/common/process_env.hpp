// `xferd run` / `xferd once` as child processes for the process-level tests: the config they
// are given (against mobproc-sim in-process on 127.0.0.1), batches of fixture services, the
// NOTIFY_SOCKET listener, and waiting with a deadline.
#pragma once

#include "fixture_data.hpp"
#include "results_csv.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

namespace xferd::test::process {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline const std::string fixtures_file = XFERD_SOURCE_DIR "/samples/sim/fixtures.yaml";
inline const std::string xferd_binary = XFERD_BINARY_DIR "/xferd";

template <class Pred>
inline bool wait_until(Pred pred, std::chrono::milliseconds timeout)
{
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(25ms);
    }
    return pred();
}

// ACTIVE fixture services, handed out so no two batches of a test share one.
class Services {
public:
    Services()
    {
        for (auto& s : fixture_services(fixtures_file))
            if (s.status == "ACTIVE" && s.id != "38382555") active_.push_back(s);
    }
    FixtureService next() { return active_.at(next_++); }

private:
    std::vector<FixtureService> active_;
    std::size_t next_ = 0;
};

inline std::string canonical_csv(Services& services, const std::string& prefix, int rows)
{
    std::string csv = "external_order_number,service_id,service_number,contact_number,personal_email\r\n";
    for (int i = 1; i <= rows; ++i) {
        auto s = services.next();
        csv += prefix + "-" + std::to_string(i) + "," + s.id + "," + s.number + ",2035550100,former" +
               std::to_string(i) + "@example.org\r\n";
    }
    return csv;
}

// The HR feed's own headers (mapped by `columns:` in the config).
inline std::string hr_csv(Services& services, const std::string& prefix, int rows)
{
    std::string csv = "Worker ID,Case Number,Asset ID,Mobile Number,Personal Mobile,Personal Email,Termination Date\r\n";
    for (int i = 1; i <= rows; ++i) {
        auto s = services.next();
        csv += s.employee_company_id + "," + prefix + "-" + std::to_string(i) + "," + s.id + "," + s.number +
               ",2035550111,hr" + std::to_string(i) + "@example.org,2026-11-30\r\n";
    }
    return csv;
}

inline void write_file(const fs::path& p, const std::string& content) { std::ofstream(p, std::ios::binary) << content; }

inline void move_in(const fs::path& p, const std::string& content)
{
    fs::path tmp = p.parent_path() / ("." + p.filename().string() + ".part");
    write_file(tmp, content);
    fs::rename(tmp, p);
}

struct ConfigOptions {
    bool hr_inbox = false;
    bool second_inbox = false;
    std::string settle = "500ms";
    std::string rescan = "2s";
    std::string approval = "mode: auto";  // the approval: section's body
    std::string extra;  // appended as is
    std::string api_extra;  // appended to the api: section as is ("  reconcile_delay: 1s\n")
    unsigned concurrency = 4;
    std::string shutdown_grace = "10s";
};

// ConfigOptions with some fields changed: with([](ConfigOptions& o) { o.settle = "1s"; }).
template <class F>
inline ConfigOptions with(F change)
{
    ConfigOptions o;
    change(o);
    return o;
}

inline std::string config_yaml(const SimFixture& sim, const fs::path& dir, const ConfigOptions& o)
{
    std::string y;
    y += "api:\n";
    y += "  base_url: " + sim.base_url() + "\n";
    y += "  token_url: " + sim.token_url() + "\n";
    y += "  tenant: ACME\n  client_id: demo-client\n";
    y += "  client_secret_file: " XFERD_SOURCE_DIR "/config/demo-secrets/client_secret\n";
    y += "  username: command://svc-offboarding\n";
    y += "  password_file: " XFERD_SOURCE_DIR "/config/demo-secrets/password\n";
    y += "  ca_file: " + sim.ca_file() + "\n";
    y += "  concurrency: " + std::to_string(o.concurrency) + "\n";
    y += o.api_extra;
    y += "inbox:\n  - path: " + (dir / "inbox").string() + "\n";
    if (o.second_inbox) y += "  - path: " + (dir / "inbox2").string() + "\n";
    if (o.hr_inbox) {
        y += "  - path: " + (dir / "hr-inbox").string() + "\n";
        y += "    columns:\n";
        y += "      Case Number: external_order_number\n      Asset ID: service_id\n";
        y += "      Mobile Number: service_number\n      Personal Mobile: contact_number\n";
        y += "      Personal Email: personal_email\n      Worker ID: employee_id\n";
    }
    y += "approval:\n  " + o.approval + "\n";
    y += "state_dir: " + (dir / "state").string() + "\n";
    y += "watch:\n  settle: " + o.settle + "\n  rescan_interval: " + o.rescan + "\n";
    y += "  max_parallel_batches: 2\n  shutdown_grace: " + o.shutdown_grace + "\n";
    y += o.extra;
    return y;
}

// The datagram socket systemd would listen on, with what arrived.
class NotifyListener {
public:
    explicit NotifyListener(const fs::path& path) : path_(path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        thread_ = std::thread([this] {
            while (!done_) {
                pollfd p{fd_, POLLIN, 0};
                if (::poll(&p, 1, 50) <= 0) continue;
                char buf[4096];
                ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
                if (n <= 0) continue;
                std::lock_guard l(m_);
                messages_.emplace_back(buf, static_cast<std::size_t>(n));
            }
        });
    }
    ~NotifyListener()
    {
        done_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::vector<std::string> messages() const
    {
        std::lock_guard l(m_);
        return messages_;
    }
    // Messages holding `part` (a whole line of the protocol, e.g. "READY=1").
    std::size_t count(const std::string& part) const
    {
        std::size_t n = 0;
        for (const auto& m : messages()) n += (("\n" + m + "\n").find("\n" + part) != std::string::npos);
        return n;
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
    int fd_ = -1;
    std::thread thread_;
    std::atomic<bool> done_{false};
    mutable std::mutex m_;
    std::vector<std::string> messages_;
};

// build/xferd with arguments, stderr (its log) to a file.
class Child {
public:
    Child(std::vector<std::string> args, const fs::path& log, std::vector<std::string> env_extra = {})
    {
        pid_ = ::fork();
        if (pid_ == 0) {
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            ::dup2(fd, 2);
            ::dup2(fd, 1);
            std::vector<std::string> env;
            for (char** e = environ; *e; ++e) {
                std::string v = *e;
                if (v.starts_with("NOTIFY_SOCKET=") || v.starts_with("WATCHDOG_") || v.starts_with("JOURNAL_STREAM="))
                    continue;
                env.push_back(v);
            }
            for (auto& e : env_extra) env.push_back(e);
            std::vector<char*> argv{const_cast<char*>(xferd_binary.c_str())};
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            std::vector<char*> envp;
            for (auto& e : env) envp.push_back(e.data());
            envp.push_back(nullptr);
            ::execve(xferd_binary.c_str(), argv.data(), envp.data());
            ::_exit(127);
        }
    }
    ~Child()
    {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }
    void signal(int sig) { ::kill(pid_, sig); }
    // Exit status, or -1 when it did not exit in time (or died by a signal).
    int wait(std::chrono::milliseconds timeout = 10s)
    {
        int status = 0;
        bool ok = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
        if (!ok) return -1;
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    bool exited_ = false;
};

inline std::string read_or_empty(const fs::path& p) { return fs::exists(p) ? read_text(p) : std::string(); }

struct Env {
    SimFixture sim;
    TempDir dir{"xferd-run"};
    Services services;
    fs::path config = dir / "xferd.yaml";
    fs::path log = dir / "xferd.log";

    explicit Env(const ConfigOptions& o = {}, xferd::sim::Options sim_options = {}) : sim(std::move(sim_options))
    {
        for (const char* f : {"inbox", "inbox2", "hr-inbox"}) fs::create_directories(dir / f);
        write_file(config, config_yaml(sim, dir.path(), o));
    }
    std::vector<CsvRow> results(const std::string& relative)
    {
        return read_csv_report(dir / relative);
    }
    bool has_results(const std::string& relative) { return fs::exists(dir / relative); }
    std::size_t audited() { return sim.audit_entries().size(); }
};

inline void require_all_submitted(const std::vector<CsvRow>& rows, std::size_t expected)
{
    BOOST_TEST(rows.size() == expected);
    for (const auto& r : rows) BOOST_TEST(r.at("status") == "SUBMITTED", r.at("external_order_number") << ": " << r.at("message"));
}

}  // namespace xferd::test::process
