#include "support/protocol_samples.h"

namespace spool::test {
namespace {

using nlohmann::json;
using protocol::TypeDesc;
using protocol::TypeRef;

constexpr int kMaxDepth = 8;

json sample_struct(const TypeDesc& d, bool full, int depth);

json sample_named(const TypeDesc& d, bool full, int depth) {
  switch (d.kind) {
    case TypeDesc::Kind::Struct: return sample_struct(d, full, depth);
    case TypeDesc::Kind::Enum: return d.enum_values.front();
    case TypeDesc::Kind::Union:
      return sample_struct(d.alternatives.front().named(), full, depth);
    case TypeDesc::Kind::Custom:
      return d.custom_sample.empty() ? json(nullptr) : json::parse(d.custom_sample);
  }
  return nullptr;
}

json sample_ref(const TypeRef& r, bool full, int depth) {
  const bool deeper = depth < kMaxDepth;
  switch (r.kind) {
    case TypeRef::Kind::String: return "x";
    case TypeRef::Kind::Bool: return true;
    case TypeRef::Kind::Integer: return 1;
    case TypeRef::Kind::Number: return 0.5;
    case TypeRef::Kind::Json: return json::object();
    case TypeRef::Kind::Array: {
      json a = json::array();
      if (full && deeper) a.push_back(sample_ref(*r.inner, full, depth + 1));
      return a;
    }
    case TypeRef::Kind::Map: {
      json m = json::object();
      if (full && deeper) m["k"] = sample_ref(*r.inner, full, depth + 1);
      return m;
    }
    case TypeRef::Kind::Nullable:
      return full && deeper ? sample_ref(*r.inner, full, depth + 1) : json(nullptr);
    case TypeRef::Kind::Named: return sample_named(r.named(), full, depth + 1);
  }
  return nullptr;
}

json sample_struct(const TypeDesc& d, bool full, int depth) {
  json j = json::object();
  if (!d.tag.empty()) j["type"] = d.tag;
  for (const auto& f : d.fields) j[f.name] = sample_ref(f.type, full, depth);
  return j;
}

}  // namespace

std::vector<json> samples_of(const TypeDesc& d) {
  std::vector<json> out;
  switch (d.kind) {
    case TypeDesc::Kind::Struct:
      out.push_back(sample_struct(d, false, 0));
      out.push_back(sample_struct(d, true, 0));
      break;
    case TypeDesc::Kind::Enum:
      for (const auto& v : d.enum_values) out.emplace_back(v);
      break;
    case TypeDesc::Kind::Union:
      for (const auto& a : d.alternatives) {
        out.push_back(sample_struct(a.named(), false, 0));
        out.push_back(sample_struct(a.named(), true, 0));
      }
      break;
    case TypeDesc::Kind::Custom:
      if (!d.custom_sample.empty()) out.push_back(json::parse(d.custom_sample));
      break;
  }
  return out;
}

}  // namespace spool::test
