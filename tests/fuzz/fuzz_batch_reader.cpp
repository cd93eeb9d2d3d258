// libFuzzer target for the batch reader (not built by CMake). Build and run from the repo root:
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Itests/common tests/fuzz/fuzz_batch_reader.cpp src/core/{batch_reader,csv_parser,csv_columns,csv_rows,json_item,json_rows,json_stream,limits,row,row_validation,text_filter}.cpp -o build-batch/fuzz_batch_reader
//   mkdir -p build-batch/fuzz-corpus && build-batch/fuzz_batch_reader -max_total_time=60 -max_len=4096 -dict=tests/fuzz/batch.dict build-batch/fuzz-corpus tests/data/batches
//
// The first input byte picks the format and a chunk size; the rest is the file. Besides the
// sanitizers' checks it asserts the reader's promise: any chunking gives the same rows and
// the same file error as one feed.
#include "batch_helpers.hpp"
#include "xferd/core/batch_reader.hpp"

// Boost.JSON compiled into this program, instrumented like the rest (no library to link).
#include <boost/json/src.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    using namespace xferd;
    const auto format = static_cast<BatchFormat>(data[0] % 3);
    const std::size_t chunk = 1 + (data[0] >> 2);
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    xferd::BatchLimits limits;  // small limits, so the fuzzer reaches them
    limits.max_field_bytes = 300;
    limits.max_row_bytes = 1000;
    limits.max_columns = 20;
    const ColumnMapping mapping = {{"Ref", "external_order_number"}, {"Mobile", "service_number"},
                                   {"x", "MISC.EXT"}};

    const std::string whole = test::render(test::read_chunked(format, input, 0, mapping, limits));
    const std::string chunked = test::render(test::read_chunked(format, input, chunk, mapping, limits));
    const std::string bytewise = test::render(test::read_chunked(format, input, 1, mapping, limits));
    if (chunked != whole || bytewise != whole) {
        std::fprintf(stderr, "chunking changed the result (chunk %zu)\n--- one feed:\n%s\n--- chunked:\n%s\n--- bytewise:\n%s\n",
                     chunk, whole.c_str(), chunked.c_str(), bytewise.c_str());
        std::abort();
    }
    return 0;
}
