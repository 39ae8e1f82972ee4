#pragma once

#include <string>

std::string fizz_buzz(int number);
