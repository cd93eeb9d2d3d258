// The sub-commands of `xferd`, one file each in src/service/; main_xferd.cpp only parses the
// command line and dispatches. Exit codes are shared by all of them (README § Commands).
#pragma once

#include <string>
#include <vector>

namespace xferd {

constexpr int exit_ok = 0;
constexpr int exit_attention = 1;   // it ran, but something needs a person (see README)
constexpr int exit_usage = 2;       // usage or config error
constexpr int exit_unreachable = 3; // the API could not be reached / authentication failed
constexpr int exit_inbox_busy = 4;  // another xferd holds the inbox lock: nothing was done

int cmd_once(const std::string& config_path, const std::vector<std::string>& paths);
struct ValidateArgs {
    std::string config_path;          // optional: limits, column mapping
    std::string inbox;                // optional: whose mapping to apply (default: the file's folder)
    bool show_personal_data = false;  // else e-mails and phone numbers are masked
    std::vector<std::string> files;
};
// Exit status: 0 every row valid; 1 a row invalid, a service repeated, a file error or a file not
// read (symlink, FIFO…); 2 usage or config error.
int cmd_validate(const ValidateArgs& args);
int cmd_check(const std::string& config_path);

// Read-only commands over the state store (no API secrets needed); docs/status.md.
constexpr const char* default_config_path = "/etc/xferd/xferd.yaml";
struct StatusArgs {
    std::string config_path = default_config_path;
    bool json = false;
    std::string batch;                // empty: the recent batches; else a path, file name or hash prefix
};
// Exit status: 0 every batch shown finished fine (or is in progress); 1 some need attention;
// 2 usage or config error, or BATCH unknown or ambiguous (the candidates are listed).
int cmd_status(const StatusArgs& args);
struct FindArgs {
    std::string config_path = default_config_path;
    bool json = false;
    std::string term;
};
// Exit status: 0 rows found; 1 none; 2 usage or config error.
int cmd_find(const FindArgs& args);
// Exit status: 0 marked to be confirmed anew; 1 not possible (stage, snapshot gone); 2 usage,
// config error, BATCH unknown or ambiguous; 4 an xferd works on the batch's inbox now.
int cmd_reconfirm(const std::string& config_path, const std::string& batch);

}  // namespace xferd
