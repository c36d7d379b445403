// Placeholder: declared by the protocol issue (see protocol/README.md).
#pragma once
