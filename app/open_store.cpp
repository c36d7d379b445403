#include "app/open_store.h"

#include <fmt/format.h>

#include "app/paths.h"
#include "views/attach.h"

namespace spool::app {

std::unique_ptr<eventstore::Store> open_store_or_report(const std::string& command,
                                                        const std::string& db_option,
                                                        const eventstore::StoreOptions& options) {
  auto path = resolve_db_path(db_option);
  if (!path) {
    fmt::print(stderr, "spool {}: {}\n", command, path.error());
    return nullptr;
  }
  auto store = eventstore::Store::open(path.value().string(), options);
  if (!store) {
    fmt::print(stderr, "spool {}: {} ({})\n", command, store.error().message,
               eventstore::to_string(store.error().code));
    return nullptr;
  }
  views::attach_projections(*store.value());
  return std::move(store).value();
}

}  // namespace spool::app
