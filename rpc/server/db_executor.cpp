#include "rpc/server/db_executor.h"

#include <fmt/format.h>

#include "base/log.h"
#include "views/attach.h"

namespace spool::rpc {
namespace {

// Refuses every append once the background quick_check found the file damaged: writes
// that were queued behind the check fail (rolled back) instead of touching the file.
class RefuseAppends final : public eventstore::AppendHook {
 public:
  explicit RefuseAppends(std::string why) : why_(std::move(why)) {}
  Result<void, std::string> after_append(const eventstore::ThreadRow&,
                                         std::span<const eventstore::StoredEvent>,
                                         eventstore::ProjectionWriter&) override {
    return why_;
  }

 private:
  std::string why_;
};

}  // namespace

std::optional<RpcError> storage_error(const eventstore::StoreError& e) {
  using eventstore::StoreErrorCode;
  const char* reason = nullptr;
  const char* summary = nullptr;
  bool retryable = true;
  switch (e.code) {
    case StoreErrorCode::DiskFull:
      reason = "diskFull";
      summary = "Disk full: the database could not be written (SQLITE_FULL); nothing of this "
                "request was stored. Free space on the database's disk and retry";
      break;
    case StoreErrorCode::Io:
      reason = "ioError";
      summary = "I/O error: the database could not be read or written (SQLITE_IOERR); nothing "
                "of this request was stored. Check the disk and retry";
      break;
    case StoreErrorCode::ReadOnly:
      reason = "readOnly";
      summary = "Read-only database: the database file cannot be written (SQLITE_READONLY); "
                "nothing of this request was stored";
      retryable = false;
      break;
    case StoreErrorCode::Busy:
      reason = "busy";
      summary = "Database busy: another process held the write lock too long (SQLITE_BUSY); "
                "nothing of this request was stored. Retry";
      break;
    case StoreErrorCode::Corrupt:
      reason = "corrupt";
      summary = "Database damaged (SQLITE_CORRUPT): stop the server and run `spool doctor "
                "--recover`";
      retryable = false;
      break;
    default: return std::nullopt;
  }
  return RpcError{kStorageErrorCode, fmt::format("{}. {}", summary, e.message),
                  nlohmann::json{{"reason", reason}, {"retryable", retryable}, {"detail", e.message}}};
}

Result<std::unique_ptr<DbExecutor>, eventstore::StoreError> DbExecutor::open(
    const Options& options, Poster post) {
  std::unique_ptr<DbExecutor> ex(new DbExecutor(std::move(post)));
  eventstore::StoreOptions write_options = options.store;
  if (options.verify_in_background) write_options.quick_check = false;
  auto writer = eventstore::Store::open(options.path, write_options);
  if (!writer) return fail(writer.error());
  views::attach_projections(*writer.value());
  ex->writer_.stores.push_back(std::move(writer).value());

  eventstore::StoreOptions read_options = options.store;
  read_options.read_only = true;
  read_options.quick_check = false;  // the writer checked the file (or checks it first)
  // ":memory:" is private to its connection: readers then share the writer's (tests).
  const bool shared_memory = options.path == ":memory:";
  for (int i = 0; i < options.readers && !shared_memory; ++i) {
    auto reader = eventstore::Store::open(options.path, read_options);
    if (!reader) return fail(reader.error());
    ex->readers_.stores.push_back(std::move(reader).value());
  }
  start(ex->writer_);
  start(ex->readers_);
  if (options.verify_in_background && write_options.quick_check != options.store.quick_check) {
    // Queued before any write can be: writes run in submission order on the one writer.
    submit(ex->writer_, [self = ex.get(), on_damaged = options.on_damaged](eventstore::Store& store) {
      auto checked = store.quick_check();
      if (checked) return;
      store.add_hook(std::make_unique<RefuseAppends>(
          "the database is damaged; the server is stopping: " + checked.error().message));
      {
        std::lock_guard lock(self->damage_mu_);
        self->damage_ = checked.error();
      }
      if (on_damaged) self->post_([on_damaged, e = checked.error()] { on_damaged(e); });
    });
  }
  return ex;
}

std::optional<eventstore::StoreError> DbExecutor::damage() const {
  std::lock_guard lock(damage_mu_);
  return damage_;
}

DbExecutor::~DbExecutor() { shutdown(); }

void DbExecutor::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop(readers_);
  stop(writer_);
  readers_.stores.clear();
  writer_.stores.clear();
}

void DbExecutor::log_job_exception(const char* what) {
  log::error("database job failed: {}", what);
}

void DbExecutor::submit(Pool& pool, Job job) {
  if (pool.threads.empty()) return;  // no connection of this kind (see open)
  {
    std::lock_guard lock(pool.mu);
    if (pool.closing) return;
    pool.jobs.push_back(std::move(job));
  }
  pool.cv.notify_one();
}

void DbExecutor::start(Pool& pool) {
  for (std::size_t i = 0; i < pool.stores.size(); ++i) {
    pool.threads.emplace_back([&pool, i] { run_pool(pool, i); });
  }
}

void DbExecutor::stop(Pool& pool) {
  {
    std::lock_guard lock(pool.mu);
    pool.closing = true;
  }
  pool.cv.notify_all();
  for (auto& t : pool.threads) t.join();
  pool.threads.clear();
}

void DbExecutor::run_pool(Pool& pool, std::size_t index) {
  eventstore::Store& store = *pool.stores[index];
  for (;;) {
    Job job;
    {
      std::unique_lock lock(pool.mu);
      pool.cv.wait(lock, [&] { return pool.closing || !pool.jobs.empty(); });
      if (pool.jobs.empty()) return;  // closing and drained
      job = std::move(pool.jobs.front());
      pool.jobs.pop_front();
    }
    job(store);
  }
}

}  // namespace spool::rpc
