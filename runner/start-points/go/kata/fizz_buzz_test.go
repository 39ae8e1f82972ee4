package fizzbuzz

import "testing"

func TestOneIsOne(t *testing.T) {
	if got := FizzBuzz(1); got != "1" {
		t.Errorf("FizzBuzz(1) = %q, want %q", got, "1")
	}
}

func TestThreeIsFizz(t *testing.T) {
	if got := FizzBuzz(3); got != "Fizz" {
		t.Errorf("FizzBuzz(3) = %q, want %q", got, "Fizz")
	}
}
