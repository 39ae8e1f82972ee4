from fizz_buzz import fizz_buzz


def test_one_is_one():
    assert fizz_buzz(1) == "1"


def test_three_is_fizz():
    assert fizz_buzz(3) == "Fizz"
