#include <catch2/catch.hpp>

#include "fizz_buzz.hpp"

TEST_CASE("1 is 1") {
    REQUIRE(fizz_buzz(1) == "1");
}

TEST_CASE("3 is Fizz") {
    REQUIRE(fizz_buzz(3) == "Fizz");
}
