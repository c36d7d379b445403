// Opening the database for a command: --db or $SPOOL_HOME/spool.db, errors printed for people.
#pragma once

#include <memory>
#include <string>

#include "eventstore/store.h"

namespace spool::app {

// Opens the store with the projections attached (every append keeps them current); on
// failure prints "spool <command>: <why>" to stderr and returns null.
std::unique_ptr<eventstore::Store> open_store_or_report(const std::string& command,
                                                        const std::string& db_option,
                                                        const eventstore::StoreOptions& options = {});

}  // namespace spool::app
