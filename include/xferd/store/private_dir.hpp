// Folders xferd creates for its own state (state_dir and the folders in it) hold personal data
// and the store: they are made 0700, whatever the umask. An existing folder is left as it is
// (systemd's StateDirectory= makes it 0700 itself).
#pragma once

#include "xferd/core/error.hpp"

#include <filesystem>

namespace xferd {

Result<void> make_private_dir(const std::filesystem::path& dir);

}  // namespace xferd
