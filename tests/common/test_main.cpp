// The one main() of every test executable (Boost.Test, shared library variant). The master
// suite is named after the executable, so each file's results read as before; defining
// BOOST_TEST_MODULE per file instead would keep the test files from sharing a precompiled header.
#include <boost/test/unit_test.hpp>

#include <filesystem>

namespace {

char** g_argv = nullptr;

bool init_unit_test()
{
    boost::unit_test::framework::master_test_suite().p_name.value =
        std::filesystem::path(g_argv[0]).filename().string();
    return true;
}

}  // namespace

int main(int argc, char* argv[])
{
    g_argv = argv;
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
