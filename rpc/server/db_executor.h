// DbExecutor: the database work of `spool serve`, off the loop thread (DESIGN.md, "Threads
// on the loop").
//
// N reader threads, each with its own read-only connection (WAL lets them read beside the
// writer), and one writer thread with the read-write connection that has the projections
// attached. A job runs on one of them; its result is handed back to the loop through the
// poster, and `done` runs there.
//
// Contracts:
//  - Jobs of one kind start in submission order; readers run in parallel with each other
//    and with the writer; writes run one at a time, in submission order.
//  - `work` must not throw: it returns its failures as values. If it throws anyway, the
//    exception is logged and `done` is never called (a Reply captured in `done` is then
//    destroyed unanswered, which answers -32603).
//  - shutdown() runs every job already submitted, joins the threads and closes the
//    connections (the writer last, so its WAL is checkpointed); jobs submitted later are
//    dropped. The poster must keep working until shutdown() returns.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "eventstore/store.h"
#include "rpc/message_router.h"

namespace spool::rpc {

// The JSON-RPC error code of a request the database could not carry out because of the
// storage, not the request: the disk is full (SQLITE_FULL), an I/O error, the file became
// read-only, the write lock stayed taken past busy_timeout, or the file is damaged.
// "data" says which: {"reason": "diskFull" | "ioError" | "readOnly" | "busy" | "corrupt",
// "retryable": bool, "detail": the store's message}. Nothing of a failed write was stored
// (its transaction rolled back), and the server keeps serving: reads still work, and writes
// work again once the cause is gone (free space, then retry the same request).
inline constexpr int kStorageErrorCode = -32010;

// The -32010 error for a storage failure; nullopt for other store errors (not found,
// conflict, bad input, bugs), which keep their own mapping.
std::optional<RpcError> storage_error(const eventstore::StoreError& e);

class DbExecutor {
 public:
  using Task = std::function<void()>;
  using Poster = std::function<void(Task)>;

  struct Options {
    std::string path;  // the database file
    int readers = 2;
    eventstore::StoreOptions store;  // for the writer; readers open read-only
    // When set, open() skips PRAGMA quick_check (it reads the whole file: seconds for a
    // large history) and runs it instead as the writer's first job: the server answers at
    // once, reads go ahead, writes wait for the check. A failed check is kept (damage())
    // and handed to `on_damaged` on the loop; the caller should stop serving.
    bool verify_in_background = false;
    std::function<void(eventstore::StoreError)> on_damaged = nullptr;
  };

  // Opens the writer (creating and migrating the database when needed), then the readers.
  static Result<std::unique_ptr<DbExecutor>, eventstore::StoreError> open(const Options& options,
                                                                          Poster post);
  ~DbExecutor();  // shutdown()
  DbExecutor(const DbExecutor&) = delete;
  DbExecutor& operator=(const DbExecutor&) = delete;

  template <class T>
  void read(std::function<T(eventstore::Store&)> work, std::function<void(T)> done) {
    submit(readers_.stores.empty() ? writer_ : readers_, wrap(std::move(work), std::move(done)));
  }
  template <class T>
  void write(std::function<T(eventstore::Store&)> work, std::function<void(T)> done) {
    submit(writer_, wrap(std::move(work), std::move(done)));
  }

  void shutdown();

  // The background quick_check's failure (see Options::verify_in_background), once known.
  std::optional<eventstore::StoreError> damage() const;

 private:
  using Job = std::function<void(eventstore::Store&)>;
  struct Pool {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Job> jobs;
    bool closing = false;
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<eventstore::Store>> stores;  // one per thread
  };

  explicit DbExecutor(Poster post) : post_(std::move(post)) {}
  // `done` is moved into the task posted to the loop (also when `work` throws), so that
  // whatever it captures (a Reply) is destroyed on the loop thread.
  template <class T>
  Job wrap(std::function<T(eventstore::Store&)> work, std::function<void(T)> done) {
    return [this, work = std::move(work), done = std::move(done)](eventstore::Store& store) mutable {
      std::shared_ptr<T> result;
      try {
        result = std::make_shared<T>(work(store));
      } catch (const std::exception& e) {
        log_job_exception(e.what());
      } catch (...) {
        log_job_exception("unknown exception");
      }
      if (result) {
        post_([done = std::move(done), result] { done(std::move(*result)); });
      } else {
        post_([dropped = std::move(done)] {});
      }
    };
  }
  static void log_job_exception(const char* what);
  static void submit(Pool& pool, Job job);
  static void run_pool(Pool& pool, std::size_t index);
  static void start(Pool& pool);
  static void stop(Pool& pool);

  Poster post_;
  Pool readers_;
  Pool writer_;
  bool shut_down_ = false;
  mutable std::mutex damage_mu_;
  std::optional<eventstore::StoreError> damage_;  // guarded by damage_mu_
};

}  // namespace spool::rpc
