// A thread's list row as the v2 protocol's Thread (without turns).
#pragma once

#include "eventstore/store.h"
#include "protocol/v2/thread.h"

namespace spool::views {

// createdAt/updatedAt in Unix seconds; status notLoaded (nothing runs in this process);
// sessionId is the thread id; source "subAgent" and unknown sources map to "unknown".
protocol::v2::Thread to_v2_thread(const eventstore::ThreadListRow& row);

}  // namespace spool::views
