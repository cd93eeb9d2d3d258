// Runs a notification program: no shell, `input` on its stdin, its stdout and stderr captured
// up to a cap, the whole run bounded by a deadline after which its process group is killed.
// Asynchronous on the io_context (the child is watched through a pidfd), so a hanging program
// never blocks the thread that runs the batches.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace xferd {

struct CommandRun {
    bool started = false;
    std::optional<int> exit_code;   // when it exited by itself
    std::optional<int> signal;      // when a signal ended it (SIGKILL after the timeout)
    bool timed_out = false;         // killed at the deadline
    std::string out, err;           // the first max_output bytes of each
    bool out_truncated = false, err_truncated = false;
    std::string error;              // why it could not be started
    [[nodiscard]] bool ok() const { return started && !timed_out && exit_code == 0; }
    [[nodiscard]] std::string describe() const;  // "exit 0", "exit 3", "killed after the timeout", …
};

// The largest input a command gets: it is written into the pipe before the program starts,
// so a program that never reads its stdin cannot make the write block.
constexpr std::size_t max_command_input = 64 * 1024;

// The environment is the daemon's minus XFERD_* and CREDENTIALS_DIRECTORY (the API secrets
// may live there); the program runs in its own process group, whose id `on_start` is told
// (so that a caller stopping early can kill it) and which is killed at the deadline.
boost::asio::awaitable<CommandRun> run_command(boost::asio::any_io_executor ex, std::filesystem::path program,
                                               std::string input, std::chrono::milliseconds timeout,
                                               std::size_t max_output = 4096,
                                               std::function<void(int pid)> on_start = {});

}  // namespace xferd
