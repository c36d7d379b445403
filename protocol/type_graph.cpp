// Which types are exported: the roots from the method tables and the core rollout types,
// and the transitive closure of what they reference.
#include <algorithm>
#include <map>
#include <set>

#include "protocol/core/rollout.h"
#include "protocol/export.h"
#include "protocol/jsonrpc.h"
#include "protocol/methods.h"

namespace spool::protocol {
namespace {

void add_root(const std::optional<TypeRef>& r, std::map<std::string, const TypeDesc*>& out) {
  if (!r) return;
  const TypeRef* t = &*r;
  while (t->kind != TypeRef::Kind::Named && t->inner) t = t->inner.get();
  if (t->kind == TypeRef::Kind::Named) {
    const TypeDesc& d = t->named();
    out.emplace(d.qualified_name(), &d);
  }
}

void visit(const TypeRef& r, std::map<std::string, const TypeDesc*>& seen);

void visit_desc(const TypeDesc& d, std::map<std::string, const TypeDesc*>& seen) {
  if (!seen.emplace(d.qualified_name(), &d).second) return;
  for (const auto& f : d.fields) visit(f.type, seen);
  for (const auto& a : d.alternatives) visit(a, seen);
}

void visit(const TypeRef& r, std::map<std::string, const TypeDesc*>& seen) {
  if (r.inner) visit(*r.inner, seen);
  if (r.kind == TypeRef::Kind::Named) visit_desc(r.named(), seen);
}

std::map<std::string, const TypeDesc*> roots_by_name() {
  std::map<std::string, const TypeDesc*> roots;
  for (const auto* table : {&client_requests(), &client_notifications(), &server_notifications(),
                            &server_requests()}) {
    for (const auto& m : *table) {
      add_root(m.params, roots);
      add_root(m.result, roots);
    }
  }
  for (const TypeRef& r :
       {type_ref<RequestId>(), type_ref<JSONRPCRequest>(), type_ref<JSONRPCNotification>(),
        type_ref<JSONRPCResponse>(), type_ref<JSONRPCError>(), type_ref<core::RolloutLine>(),
        type_ref<core::EventMsg>(), type_ref<core::ResponseItem>(),
        type_ref<core::SessionMeta>(), type_ref<core::TurnContext>()}) {
    add_root(r, roots);
  }
  return roots;
}

std::vector<const TypeDesc*> values(const std::map<std::string, const TypeDesc*>& m) {
  std::vector<const TypeDesc*> out;
  for (const auto& [_, d] : m) out.push_back(d);
  return out;
}

}  // namespace

std::vector<const TypeDesc*> root_types() { return values(roots_by_name()); }

std::vector<const TypeDesc*> all_types() {
  std::map<std::string, const TypeDesc*> seen;
  for (const auto& [_, d] : roots_by_name()) visit_desc(*d, seen);
  return values(seen);
}

}  // namespace spool::protocol
