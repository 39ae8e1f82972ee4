pub fn fizz_buzz(number: u32) -> String {
    number.to_string()
}
