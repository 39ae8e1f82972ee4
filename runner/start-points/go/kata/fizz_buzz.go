package fizzbuzz

import "strconv"

func FizzBuzz(number int) string {
	return strconv.Itoa(number)
}
