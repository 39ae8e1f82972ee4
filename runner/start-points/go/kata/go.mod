module fizzbuzz

go 1.19
