// Catch2's main(), compiled once into its own static library so that each
// test unit only compiles its own test cases (catch.hpp's main is slow to build).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
