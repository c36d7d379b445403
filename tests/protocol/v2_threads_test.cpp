// Wire-shape tests; see protocol/README.md.
#include <catch2/catch.hpp>
