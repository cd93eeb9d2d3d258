#include "xferd/store/private_dir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace xferd {

namespace fs = std::filesystem;

Result<void> make_private_dir(const fs::path& dir)
{
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return {};
    if (dir.has_parent_path() && dir.parent_path() != dir)
        if (auto up = make_private_dir(dir.parent_path()); !up) return up;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return make_error("cannot create " + dir.string() + ": " + std::strerror(errno));
    ::chmod(dir.c_str(), 0700);   // mkdir's mode is masked by the umask
    return {};
}

}  // namespace xferd
