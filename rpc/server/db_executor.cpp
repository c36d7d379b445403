#include "rpc/server/db_executor.h"

#include "base/log.h"
#include "views/attach.h"

namespace spool::rpc {

Result<std::unique_ptr<DbExecutor>, eventstore::StoreError> DbExecutor::open(
    const Options& options, Poster post) {
  std::unique_ptr<DbExecutor> ex(new DbExecutor(std::move(post)));
  auto writer = eventstore::Store::open(options.path, options.store);
  if (!writer) return fail(writer.error());
  views::attach_projections(*writer.value());
  ex->writer_.stores.push_back(std::move(writer).value());

  eventstore::StoreOptions read_options = options.store;
  read_options.read_only = true;
  read_options.quick_check = false;  // the writer just checked the file
  // ":memory:" is private to its connection: readers then share the writer's (tests).
  const bool shared_memory = options.path == ":memory:";
  for (int i = 0; i < options.readers && !shared_memory; ++i) {
    auto reader = eventstore::Store::open(options.path, read_options);
    if (!reader) return fail(reader.error());
    ex->readers_.stores.push_back(std::move(reader).value());
  }
  start(ex->writer_);
  start(ex->readers_);
  return ex;
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
