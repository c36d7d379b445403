// The rate-limit state a Responses provider reports in its response headers, as Codex's
// backend sends it: x-codex-primary-used-percent, x-codex-primary-window-minutes,
// x-codex-primary-reset-at (Unix seconds), the same three for "secondary", and
// x-codex-credits-has-credits, x-codex-credits-unlimited, x-codex-credits-balance.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/v2/account.h"

namespace spool::engine {

// The snapshot the headers describe (limitId "codex"), or nullopt when they carry none of
// the headers above. Header names are matched case-insensitively; a value that does not
// parse leaves its field unset (a window without used-percent is left out; so are credits
// unless both has-credits and unlimited parse, as "true"/"false"/"1"/"0"; an empty balance
// is unset). Headers that are present but all unparsable still give a snapshot with only
// limitId. usedPercent is an integer in v2: the sent float is rounded to the nearest integer
// (halves away from zero), as Codex does.
std::optional<protocol::v2::RateLimitSnapshot> rate_limits_from_headers(
    const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace spool::engine
