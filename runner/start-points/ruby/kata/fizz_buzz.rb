def fizz_buzz(number)
  number.to_s
end
