export function fizzBuzz(number) {
  return String(number);
}
