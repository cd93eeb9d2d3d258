// The one main() of every test executable (Boost.Test, shared library variant). The master
// suite is named after the executable, so each file's results read as before; defining
// BOOST_TEST_MODULE per file instead would keep the test files from sharing a precompiled header.
//
// A run where nothing failed but some test cases were skipped (a precondition such as "the tool
// is installed" did not hold) exits 77, which ctest shows as skipped (SKIP_RETURN_CODE), not
// as passed.
#include <boost/test/results_collector.hpp>
#include <boost/test/tree/observer.hpp>
#include <boost/test/tree/traverse.hpp>
#include <boost/test/tree/visitor.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace {

constexpr int skipped_exit_code = 77;

char** g_argv = nullptr;
std::size_t g_skipped_cases = 0;

// Counts the test cases that were to run and were skipped (a precondition did not hold). Cases
// left out by --run_test are not counted: ctest runs one case of a long file at a time.
struct SkippedCases : boost::unit_test::test_tree_visitor {
    std::size_t count = 0;
    void visit(const boost::unit_test::test_case& tc) override
    {
        if (tc.is_enabled() && boost::unit_test::results_collector.results(tc.p_id).p_skipped) ++count;
    }
};

// Reads the results at the end of the run, before unit_test_main shuts the framework down.
struct SkipCounter : boost::unit_test::test_observer {
    void test_finish() override
    {
        SkippedCases skipped;
        boost::unit_test::traverse_test_tree(boost::unit_test::framework::master_test_suite(), skipped, true);
        g_skipped_cases = skipped.count;
    }
    // After the results collector (priority 3 in Boost.Test), so its counts are final.
    int priority() override { return 100; }
};

SkipCounter g_skip_counter;

bool init_unit_test()
{
    boost::unit_test::framework::master_test_suite().p_name.value =
        std::filesystem::path(g_argv[0]).filename().string();
    boost::unit_test::framework::register_observer(g_skip_counter);
    return true;
}

}  // namespace

int main(int argc, char* argv[])
{
    g_argv = argv;
    // Every test talks to 127.0.0.1; a proxy set on the machine running them must not reach the
    // xferd processes they start (the proxy tests set these themselves).
    for (const char* name : {"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "XFERD_PROXY_PASSWORD"})
        ::unsetenv(name);
    int rc = boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
    if (rc == 0 && g_skipped_cases > 0) {
        std::cout << g_skipped_cases << " test case(s) skipped: exit " << skipped_exit_code
                  << " (reported as skipped, not passed)\n";
        return skipped_exit_code;
    }
    return rc;
}
