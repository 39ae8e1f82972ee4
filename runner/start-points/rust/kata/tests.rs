use crate::fizz_buzz::fizz_buzz;

#[test]
fn one_is_one() {
    assert_eq!(fizz_buzz(1), "1");
}

#[test]
fn three_is_fizz() {
    assert_eq!(fizz_buzz(3), "Fizz");
}
