require 'minitest/autorun'
require_relative 'fizz_buzz'

class FizzBuzzTest < Minitest::Test
  def test_one_is_one
    assert_equal '1', fizz_buzz(1)
  end

  def test_three_is_fizz
    assert_equal 'Fizz', fizz_buzz(3)
  end
end
