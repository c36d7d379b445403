// The fuzz targets' entry points, shared by the libFuzzer executables (fuzz/*_fuzzer.cpp)
// and the regression test (tests/reliability/fuzz_regressions_test.cpp), so an input that
// once crashed a fuzzer is replayed through exactly the same code in every CI build.
//
// Each entry point takes arbitrary bytes and must never crash, hang or trip a sanitizer.
// Beyond that, each checks properties of what the code under test produced (listed per
// function); a violated property throws InvariantViolation, which libFuzzer records as a
// crash (uncaught exception -> abort) and Catch2 reports as a failure with its message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace spool::fuzz {

class InvariantViolation : public std::runtime_error {
 public:
  explicit InvariantViolation(const std::string& what) : std::runtime_error(what) {}
};

// The signature of every entry point.
using EntryPoint = void (*)(std::span<const std::uint8_t> data);

// framer_router: the bytes are a client's stream, fed in chunks (sizes derived from the
// bytes, so a crash reproduces from its file alone) through a LineFramer (cap
// kFramerRouterMaxLine) into a MessageRouter whose handlers decode params with the real
// params type of each method in protocol::client_requests() and then answer now, later
// (after the stream ends, some after the router is gone), with an error, by throwing or by
// dropping the Reply. Checked: every line the framer emits is within the cap, has no '\n'
// and is not blank; the framer never buffers more than the cap; every line the router
// writes is exactly one JSON object or array (valid JSON) followed by one '\n', and every
// reply in it carries "jsonrpc":"2.0", an "id" and exactly one of "result" / "error".
inline constexpr std::size_t kFramerRouterMaxLine = 2048;
void framer_router(std::span<const std::uint8_t> data);

// protocol_decode: the bytes as one JSON text, decoded as the params and result type of
// every method of every table in protocol/methods.cpp. Checked: a value that decodes
// encodes to valid JSON that decodes again to the same encoding (decode is idempotent
// after one round trip); a failure carries a non-empty message.
void protocol_decode(std::span<const std::uint8_t> data);

// rollout_import: the bytes as one rollout JSONL file. Each line goes through
// parse_rollout_line; the whole file through RolloutImporter into a fresh in-memory
// store with the projection hook attached (what `spool import` does). Checked: a parsed
// line's payload is valid JSON; format_rollout_line of it parses back to the same event
// and formats to the same line; the store holds exactly the events the importer counted,
// and its integrity_check is "ok".
void rollout_import(std::span<const std::uint8_t> data);

}  // namespace spool::fuzz
