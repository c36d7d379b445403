// The initialize handshake: the params a client opens with (ClientInfo, capabilities) and
// Spool's answer. Top-level types (namespace ""), as in Codex, which declares them at the
// root of its schema bundle rather than under v2.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocol/codec.h"

namespace spool::protocol {

// NOLINTBEGIN(readability-identifier-naming): wire names

struct ClientInfo {
  std::string name;
  std::optional<std::string> title;
  std::string version;
};
SPOOL_STRUCT(ClientInfo, "", name, title, version)

// What the client declares it can do. Codex 0.169 also has experimentalApi,
// requestAttestation, requiredHumanApproval, mcpServerOpenaiFormElicitation and
// explicitGatewayOauth: booleans that may be missing but are not nullable, so a plain
// `bool` here would make them required on decode and reject clients that leave them out;
// Spool has no experimental surface, attestation, gateway OAuth or MCP elicitation, so they
// are not modelled (unknown fields are ignored). `extensions` (MCP extension settings) is
// likewise left out.
struct InitializeCapabilities {
  // Exact notification method names to suppress on this connection ("thread/started").
  std::optional<std::vector<std::string>> optOutNotificationMethods;
};
SPOOL_STRUCT(InitializeCapabilities, "", optOutNotificationMethods)

struct InitializeParams {
  ClientInfo clientInfo;
  std::optional<InitializeCapabilities> capabilities;
};
SPOOL_STRUCT(InitializeParams, "", clientInfo, capabilities)

// Codex 0.60.1 answered with userAgent only; 0.169 requires all four fields.
struct InitializeResponse {
  std::string userAgent;        // "<client name>/<version> (<os>; <arch>) ..."
  std::string codexHome;        // absolute path of the server's $CODEX_HOME
  std::string platformFamily;   // "unix" or "windows"
  std::string platformOs;       // "linux", "macos" or "windows"
};
SPOOL_STRUCT(InitializeResponse, "", userAgent, codexHome, platformFamily, platformOs)

// NOLINTEND(readability-identifier-naming)

}  // namespace spool::protocol
